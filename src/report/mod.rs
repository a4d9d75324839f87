//! Labels → metrics. A [`HeadReport`] is built from one confusion matrix per head; the
//! JSON shape is the command-line contract of `stance eval --json` and `stance cv --json`.
//! A [`Report`] adds bootstrap intervals, calibration, group breakdowns and errors, and
//! [`render`] writes it as HTML and Markdown.

pub mod bootstrap;
pub mod calibration;
mod document;
mod metrics;
pub mod render;
pub mod svg;

pub use crate::model::stratified_folds;
pub use bootstrap::{Bootstrap, Estimate, HeadComparison, HeadEstimates};
pub use calibration::{reliability, Reliability};
pub use document::{
    fold_rows, Comparison, ErrorCase, FoldRow, GroupRow, HeadData, HeadSection, ModelSection,
    Report, ReportOptions,
};
pub use metrics::{ClassMetrics, Confusion};

use serde_json::{json, Map, Value};

/// Most confident errors listed per head when none is asked for.
pub const DEFAULT_ERRORS: usize = 20;

/// Metrics of one head.
#[derive(Debug, Clone)]
pub struct HeadReport {
    pub name: String,
    pub confusion: Confusion,
}

impl HeadReport {
    pub fn new(name: &str, labels: Vec<String>) -> Self {
        HeadReport {
            name: name.to_string(),
            confusion: Confusion::new(labels),
        }
    }

    /// `{"n", "accuracy", "macro_f1", "f_avg", "per_class", "confusion"}` with fractions in
    /// [0, 1]; `confusion[gold][predicted]` holds counts.
    pub fn to_json(&self) -> Value {
        let m = &self.confusion;
        let labels = m.labels();
        let per_class: Map<String, Value> = labels
            .iter()
            .enumerate()
            .map(|(c, l)| (l.clone(), serde_json::to_value(m.class(c)).unwrap()))
            .collect();
        let confusion: Map<String, Value> = labels
            .iter()
            .zip(m.counts())
            .map(|(gold, row)| {
                let row: Map<String, Value> = labels
                    .iter()
                    .zip(row)
                    .map(|(p, &n)| (p.clone(), json!(n)))
                    .collect();
                (gold.clone(), Value::Object(row))
            })
            .collect();
        json!({
            "n": m.n(),
            "accuracy": m.accuracy(),
            "macro_f1": m.macro_f1(),
            "f_avg": m.f_avg(),
            "per_class": per_class,
            "confusion": confusion,
        })
    }

    /// A plain-text table in the manner of scikit-learn's `classification_report`.
    pub fn to_text(&self) -> String {
        let m = &self.confusion;
        let labels = m.labels();
        let w = labels.iter().map(|l| l.len()).max().unwrap_or(5).max(9);
        let mut s = format!("head: {}  (n = {})\n", self.name, m.n());
        s += &format!(
            "{:>w$}  {:>9} {:>9} {:>9} {:>9}\n",
            "", "precision", "recall", "f1", "support"
        );
        for (c, l) in labels.iter().enumerate() {
            let k = m.class(c);
            s += &format!(
                "{l:>w$}  {:>9.4} {:>9.4} {:>9.4} {:>9}\n",
                k.precision, k.recall, k.f1, k.support
            );
        }
        s += &format!(
            "\n{:>w$}  {:.4}\n{:>w$}  {:.4}  (mean of per-class F1)\n",
            "accuracy",
            m.accuracy(),
            "macro-F1",
            m.macro_f1()
        );
        match m.f_avg() {
            Some(f) => s += &format!("{:>w$}  {f:.4}  (mean F1 of favor and against)\n", "F_avg"),
            None => s += &format!("{:>w$}  n/a (labels lack favor/against)\n", "F_avg"),
        }
        s += &format!("\nconfusion (rows gold, columns predicted)\n{:>w$}", "");
        for l in labels {
            s += &format!(" {l:>w$}");
        }
        s.push('\n');
        for (l, row) in labels.iter().zip(m.counts()) {
            s += &format!("{l:>w$}");
            for n in row {
                s += &format!(" {n:>w$}");
            }
            s.push('\n');
        }
        s
    }
}

/// `{"heads": {name: report}}`.
pub fn heads_json(reports: &[HeadReport]) -> Value {
    let heads: Map<String, Value> = reports
        .iter()
        .map(|r| (r.name.clone(), r.to_json()))
        .collect();
    json!({ "heads": heads })
}

/// Cross-validation summary: the eval shape with each metric the mean over folds and
/// `<metric>_std` (population standard deviation) beside it; `n` and `confusion` are
/// totals over the pooled out-of-fold predictions.
pub fn cv_json(folds: &[Vec<HeadReport>]) -> Value {
    let n_heads = folds.first().map_or(0, |f| f.len());
    let mut heads = Map::new();
    for h in 0..n_heads {
        let per_fold: Vec<Value> = folds.iter().map(|f| f[h].to_json()).collect();
        let mut pooled = folds[0][h].confusion.clone();
        folds[1..]
            .iter()
            .for_each(|f| pooled.merge(&f[h].confusion));
        let mut obj = Map::new();
        obj.insert("n".into(), json!(pooled.n()));
        for key in ["accuracy", "macro_f1", "f_avg"] {
            let vals: Vec<f64> = per_fold.iter().filter_map(|v| v[key].as_f64()).collect();
            let (mean, std) = mean_std(&vals);
            obj.insert(
                key.into(),
                if vals.is_empty() {
                    Value::Null
                } else {
                    json!(mean)
                },
            );
            obj.insert(
                format!("{key}_std"),
                if vals.is_empty() {
                    Value::Null
                } else {
                    json!(std)
                },
            );
        }
        let mut per_class = Map::new();
        for label in pooled.labels() {
            let mut cls = Map::new();
            for key in ["precision", "recall", "f1"] {
                let vals: Vec<f64> = per_fold
                    .iter()
                    .filter_map(|v| v["per_class"][label][key].as_f64())
                    .collect();
                let (mean, std) = mean_std(&vals);
                cls.insert(key.into(), json!(mean));
                cls.insert(format!("{key}_std"), json!(std));
            }
            let support: u64 = per_fold
                .iter()
                .filter_map(|v| v["per_class"][label]["support"].as_u64())
                .sum();
            cls.insert("support".into(), json!(support));
            per_class.insert(label.clone(), Value::Object(cls));
        }
        obj.insert("per_class".into(), Value::Object(per_class));
        obj.insert(
            "confusion".into(),
            HeadReport {
                name: String::new(),
                confusion: pooled,
            }
            .to_json()["confusion"]
                .clone(),
        );
        heads.insert(folds[0][h].name.clone(), Value::Object(obj));
    }
    json!({ "folds": folds.len(), "heads": heads })
}

fn mean_std(vals: &[f64]) -> (f64, f64) {
    if vals.is_empty() {
        return (0.0, 0.0);
    }
    let mean = vals.iter().sum::<f64>() / vals.len() as f64;
    let var = vals.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / vals.len() as f64;
    (mean, var.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(pairs: &[(usize, usize)]) -> HeadReport {
        let mut r = HeadReport::new(
            "stance",
            vec!["against".into(), "favor".into(), "none".into()],
        );
        pairs.iter().for_each(|&(g, p)| r.confusion.add(g, p));
        r
    }

    #[test]
    fn json_has_the_contract_shape() {
        let v = heads_json(&[report(&[(0, 0), (1, 1), (2, 0)])]);
        let h = &v["heads"]["stance"];
        assert_eq!(h["n"], 3);
        assert!(h["accuracy"].as_f64().unwrap() > 0.66);
        assert!(h["f_avg"].is_number());
        assert_eq!(h["confusion"]["none"]["against"], 1);
        assert_eq!(h["per_class"]["favor"]["support"], 1);
    }

    #[test]
    fn cv_means_and_stds_over_folds() {
        let folds = vec![
            vec![report(&[(0, 0), (1, 1)])],
            vec![report(&[(0, 1), (1, 1)])],
        ];
        let v = cv_json(&folds);
        let h = &v["heads"]["stance"];
        assert_eq!(h["accuracy"], 0.75);
        assert_eq!(h["accuracy_std"], 0.25);
        assert_eq!(h["n"], 4);
        assert_eq!(h["confusion"]["against"]["favor"], 1);
    }
}
