//! The evaluation report as data: per head the metrics with bootstrap intervals, the
//! confusion matrix, calibration, a breakdown by group and the most confident errors;
//! optionally a paired comparison of two models and the spread over cross-validation
//! folds. [`super::render`] turns it into Markdown and HTML; [`Report::to_json`] into
//! the JSON that extends `stance eval --json`.

use super::bootstrap::{Bootstrap, HeadComparison, HeadEstimates};
use super::calibration::{reliability, Reliability};
use super::{HeadReport, DEFAULT_ERRORS};
use rayon::prelude::*;
use serde::Serialize;
use serde_json::{json, Map, Value};

/// Groups shown one by one in a breakdown; smaller ones are pooled.
pub const MAX_GROUPS: usize = 30;

/// One head's predictions on labelled data, the input of a report.
#[derive(Debug, Clone)]
pub struct HeadData {
    pub name: String,
    pub labels: Vec<String>,
    /// Gold class index per paragraph.
    pub gold: Vec<usize>,
    /// The model's label per paragraph (its most probable class).
    pub label: Vec<usize>,
    /// What is reported per paragraph: `label`, or `None` when the model abstained.
    pub predicted: Vec<Option<usize>>,
    /// Confidence of the predicted label per paragraph.
    pub confidence: Vec<f32>,
}

/// Report settings.
///
/// | Name | Default | Purpose |
/// |---|---|---|
/// | `bootstrap` | 1,000 resamples, seed 2016, 95% | intervals |
/// | `bins` | `10` | reliability and histogram bins |
/// | `max_errors` | `20` | most confident errors listed per head |
#[derive(Debug, Clone, Copy)]
pub struct ReportOptions {
    pub bootstrap: Bootstrap,
    pub bins: usize,
    pub max_errors: usize,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            bootstrap: Bootstrap::default(),
            bins: super::calibration::DEFAULT_BINS,
            max_errors: DEFAULT_ERRORS,
        }
    }
}

/// A wrong answer the model was sure of, with the words behind it.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorCase {
    /// Paragraph index in the data (0-based).
    pub row: usize,
    /// Line of the data file where the paragraph starts.
    pub line: Option<u64>,
    pub gold: String,
    pub predicted: String,
    pub confidence: f32,
    pub group: Option<String>,
    pub text: String,
    /// `(start, end, weight)`: byte range of a token and its share of the predicted
    /// label's score (positive: toward the wrong label).
    pub highlights: Vec<(usize, usize, f32)>,
}

/// Metrics of one group of paragraphs.
#[derive(Debug, Clone, Serialize)]
pub struct GroupRow {
    pub group: String,
    pub n: u64,
    pub estimates: HeadEstimates,
}

/// One head's section of the report.
#[derive(Debug, Clone, Serialize)]
pub struct HeadSection {
    pub name: String,
    pub labels: Vec<String>,
    /// Paragraphs with a label (abstentions excluded).
    pub n: u64,
    /// Paragraphs where the model abstained.
    pub abstained: u64,
    pub estimates: HeadEstimates,
    pub support: Vec<u64>,
    /// `confusion[gold][predicted]`.
    pub confusion: Vec<Vec<u64>>,
    pub calibration: Reliability,
    pub group_column: Option<String>,
    /// Largest group first.
    pub groups: Vec<GroupRow>,
    pub errors: Vec<ErrorCase>,
    #[serde(skip)]
    report: HeadReport,
}

/// Per-fold metrics of cross-validation.
#[derive(Debug, Clone, Serialize)]
pub struct FoldRow {
    pub fold: usize,
    pub n: u64,
    pub accuracy: f64,
    pub macro_f1: f64,
    pub f_avg: Option<f64>,
}

/// One model's heads.
#[derive(Debug, Clone, Serialize)]
pub struct ModelSection {
    pub name: String,
    pub heads: Vec<HeadSection>,
}

/// Paired comparison of one head between two models.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub head: String,
    pub n: u64,
    pub a: String,
    pub b: String,
    pub metrics: HeadComparison,
}

/// A whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub title: String,
    /// `(key, value)` lines describing the run: data, model, date-free settings.
    pub meta: Vec<(String, String)>,
    pub resamples: usize,
    pub seed: u64,
    pub level: f64,
    pub models: Vec<ModelSection>,
    pub comparisons: Vec<Comparison>,
    /// Per head name: the metrics of every fold (cross-validation only).
    pub folds: Vec<(String, Vec<FoldRow>)>,
}

impl HeadSection {
    /// Computes every statistic of a head. `groups` names each paragraph's group;
    /// `texts` and `lines` describe the paragraphs for the error list, whose highlights
    /// come from `explain(row)` (return an empty list when no model is at hand).
    pub fn build(
        data: &HeadData,
        groups: Option<(&str, &[String])>,
        texts: &[String],
        lines: Option<&[u64]>,
        opts: &ReportOptions,
        explain: &(dyn Fn(usize) -> Vec<(usize, usize, f32)> + Sync),
    ) -> Self {
        let answered: Vec<usize> = (0..data.gold.len())
            .filter(|&i| data.predicted[i].is_some())
            .collect();
        let gold: Vec<usize> = answered.iter().map(|&i| data.gold[i]).collect();
        let pred: Vec<usize> = answered
            .iter()
            .map(|&i| data.predicted[i].unwrap_or(0))
            .collect();
        let conf: Vec<f32> = answered.iter().map(|&i| data.confidence[i]).collect();
        let correct: Vec<bool> = gold.iter().zip(&pred).map(|(g, p)| g == p).collect();
        let mut report = HeadReport::new(&data.name, data.labels.clone());
        gold.iter()
            .zip(&pred)
            .for_each(|(&g, &p)| report.confusion.add(g, p));
        let estimates = opts.bootstrap.head(&data.labels, &gold, &pred);
        let mut group_rows = Vec::new();
        if let Some((_, values)) = groups {
            let mut by_group: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
            for (j, &i) in answered.iter().enumerate() {
                by_group.entry(values[i].as_str()).or_default().push(j);
            }
            let mut members: Vec<(String, Vec<usize>)> = by_group
                .into_iter()
                .map(|(name, idx)| {
                    let name = if name.is_empty() { "(empty)" } else { name };
                    (name.to_string(), idx)
                })
                .collect();
            members.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
            // A column with many values (an id, a date) would bury the table: the smallest
            // groups beyond MAX_GROUPS are pooled into one row.
            if members.len() > MAX_GROUPS {
                let rest = members.split_off(MAX_GROUPS - 1);
                let pooled: Vec<usize> = rest
                    .iter()
                    .flat_map(|(_, idx)| idx.iter().copied())
                    .collect();
                members.push((format!("({} other values)", rest.len()), pooled));
            }
            group_rows = members
                .par_iter()
                .map(|(name, idx)| {
                    let g: Vec<usize> = idx.iter().map(|&j| gold[j]).collect();
                    let p: Vec<usize> = idx.iter().map(|&j| pred[j]).collect();
                    GroupRow {
                        group: name.clone(),
                        n: idx.len() as u64,
                        estimates: opts.bootstrap.head(&data.labels, &g, &p),
                    }
                })
                .collect();
        }
        let mut wrong: Vec<usize> = (0..answered.len()).filter(|&j| !correct[j]).collect();
        wrong.sort_by(|&a, &b| conf[b].total_cmp(&conf[a]).then(a.cmp(&b)));
        wrong.truncate(opts.max_errors);
        let errors = wrong
            .into_par_iter()
            .map(|j| {
                let row = answered[j];
                ErrorCase {
                    row,
                    line: lines.map(|l| l[row]),
                    gold: data.labels[gold[j]].clone(),
                    predicted: data.labels[pred[j]].clone(),
                    confidence: conf[j],
                    group: groups.map(|(_, v)| v[row].clone()),
                    text: texts.get(row).cloned().unwrap_or_default(),
                    highlights: explain(row),
                }
            })
            .collect();
        let m = &report.confusion;
        HeadSection {
            name: data.name.clone(),
            labels: data.labels.clone(),
            n: m.n(),
            abstained: (data.gold.len() - answered.len()) as u64,
            estimates,
            support: (0..data.labels.len()).map(|c| m.class(c).support).collect(),
            confusion: m.counts().to_vec(),
            calibration: reliability(&conf, &correct, opts.bins),
            group_column: groups.map(|(c, _)| c.to_string()),
            groups: group_rows,
            errors,
            report,
        }
    }

    /// The `stance eval --json` object of this head, extended with `intervals`,
    /// `calibration`, `groups`, `abstained` and `most_confident_errors`.
    pub fn to_json(&self) -> Value {
        let mut v = self.report.to_json();
        let obj = v.as_object_mut().expect("head report is an object");
        obj.insert("abstained".into(), json!(self.abstained));
        obj.insert(
            "intervals".into(),
            intervals_json(&self.estimates, &self.labels),
        );
        obj.insert("calibration".into(), json!(self.calibration));
        if let Some(col) = &self.group_column {
            let groups: Vec<Value> = self
                .groups
                .iter()
                .map(|g| {
                    json!({
                        "group": g.group,
                        "n": g.n,
                        "accuracy": g.estimates.accuracy,
                        "macro_f1": g.estimates.macro_f1,
                        "f_avg": g.estimates.f_avg,
                    })
                })
                .collect();
            obj.insert(
                "group_by".into(),
                json!({ "column": col, "groups": groups }),
            );
        }
        obj.insert("most_confident_errors".into(), json!(self.errors));
        v
    }
}

/// `{"accuracy": {value, lo, hi}, ..., "per_class": {label: {precision: {...}, ...}}}`.
fn intervals_json(e: &HeadEstimates, labels: &[String]) -> Value {
    let per_class: Map<String, Value> = labels
        .iter()
        .zip(&e.per_class)
        .map(|(l, c)| (l.clone(), json!(c)))
        .collect();
    json!({
        "accuracy": e.accuracy,
        "macro_f1": e.macro_f1,
        "f_avg": e.f_avg,
        "per_class": per_class,
    })
}

impl Report {
    /// An empty report with the bootstrap settings of `opts`.
    pub fn new(title: &str, opts: &ReportOptions) -> Self {
        Report {
            title: title.to_string(),
            meta: Vec::new(),
            resamples: opts.bootstrap.resamples,
            seed: opts.bootstrap.seed,
            level: opts.bootstrap.level,
            models: Vec::new(),
            comparisons: Vec::new(),
            folds: Vec::new(),
        }
    }

    /// Adds a paired comparison of every head the two models share (same name and labels).
    pub fn compare(
        &mut self,
        a: &str,
        b: &str,
        data_a: &[HeadData],
        data_b: &[HeadData],
        opts: &ReportOptions,
    ) {
        for ha in data_a {
            let Some(hb) = data_b
                .iter()
                .find(|h| h.name == ha.name && h.labels == ha.labels)
            else {
                continue;
            };
            // Compared on every paragraph with the models' own labels, abstention aside:
            // abstaining is a reporting choice, not a property of the model.
            let labels = &ha.labels;
            self.comparisons.push(Comparison {
                head: ha.name.clone(),
                n: ha.gold.len() as u64,
                a: a.to_string(),
                b: b.to_string(),
                metrics: opts
                    .bootstrap
                    .paired(labels, &ha.gold, &ha.label, &hb.label),
            });
        }
    }

    /// The JSON report: the first model's heads in the `stance eval --json` shape
    /// (extended), then `models`, `comparison` and `folds` when there are several.
    pub fn to_json(&self) -> Value {
        let heads_of = |m: &ModelSection| -> Value {
            let heads: Map<String, Value> = m
                .heads
                .iter()
                .map(|h| (h.name.clone(), h.to_json()))
                .collect();
            Value::Object(heads)
        };
        let mut root = Map::new();
        root.insert("title".into(), json!(self.title));
        let meta: Map<String, Value> = self
            .meta
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        root.insert("meta".into(), Value::Object(meta));
        root.insert(
            "bootstrap".into(),
            json!({"resamples": self.resamples, "seed": self.seed, "level": self.level, "method": "percentile, paragraphs resampled with replacement"}),
        );
        if let Some(first) = self.models.first() {
            root.insert("heads".into(), heads_of(first));
        }
        if self.models.len() > 1 {
            let models: Vec<Value> = self
                .models
                .iter()
                .map(|m| json!({"name": m.name, "heads": heads_of(m)}))
                .collect();
            root.insert("models".into(), json!(models));
        }
        if !self.comparisons.is_empty() {
            root.insert("comparison".into(), json!(self.comparisons));
        }
        if !self.folds.is_empty() {
            let folds: Map<String, Value> = self
                .folds
                .iter()
                .map(|(h, rows)| (h.clone(), json!(rows)))
                .collect();
            root.insert("folds".into(), Value::Object(folds));
        }
        Value::Object(root)
    }
}

/// Per-fold rows of one head, from each fold's report.
pub fn fold_rows(folds: &[Vec<HeadReport>], head: usize) -> Vec<FoldRow> {
    folds
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let m = &f[head].confusion;
            FoldRow {
                fold: i + 1,
                n: m.n(),
                accuracy: m.accuracy(),
                macro_f1: m.macro_f1(),
                f_avg: m.f_avg(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> HeadData {
        HeadData {
            name: "stance".into(),
            labels: vec!["against".into(), "favor".into(), "none".into()],
            gold: vec![0, 1, 2, 0, 1, 2],
            label: vec![0, 2, 2, 1, 1, 0],
            predicted: vec![Some(0), Some(2), Some(2), None, Some(1), Some(0)],
            confidence: vec![0.9, 0.8, 0.7, 0.3, 0.6, 0.95],
        }
    }

    fn section() -> HeadSection {
        let groups: Vec<String> = ["x", "y", "x", "y", "x", "x"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let texts: Vec<String> = (0..6).map(|i| format!("text {i}")).collect();
        HeadSection::build(
            &data(),
            Some(("genre", &groups)),
            &texts,
            None,
            &ReportOptions::default(),
            &|_| vec![(0, 4, 0.5)],
        )
    }

    #[test]
    fn many_small_groups_are_pooled_into_one_row() {
        let n = 100;
        let d = HeadData {
            name: "h".into(),
            labels: vec!["a".into(), "b".into()],
            gold: (0..n).map(|i| i % 2).collect(),
            label: vec![0; n],
            predicted: vec![Some(0); n],
            confidence: vec![0.9; n],
        };
        let ids: Vec<String> = (0..n).map(|i| format!("id{i}")).collect();
        let s = HeadSection::build(
            &d,
            Some(("id", &ids)),
            &[],
            None,
            &ReportOptions::default(),
            &|_| Vec::new(),
        );
        assert_eq!(s.groups.len(), MAX_GROUPS);
        assert_eq!(s.groups.last().unwrap().group, "(71 other values)");
        assert_eq!(s.groups.iter().map(|g| g.n).sum::<u64>(), n as u64);
    }

    #[test]
    fn abstentions_are_counted_apart_from_the_metrics() {
        let s = section();
        assert_eq!((s.n, s.abstained), (5, 1));
        assert!((s.estimates.accuracy.value - 0.6).abs() < 1e-12);
    }

    #[test]
    fn errors_are_listed_most_confident_first() {
        let s = section();
        let rows: Vec<usize> = s.errors.iter().map(|e| e.row).collect();
        assert_eq!(rows, [5, 1]);
        assert_eq!(s.errors[0].gold, "none");
        assert_eq!(s.errors[0].predicted, "against");
        assert_eq!(s.errors[0].group.as_deref(), Some("x"));
    }

    #[test]
    fn groups_partition_the_answered_paragraphs() {
        let s = section();
        let n: u64 = s.groups.iter().map(|g| g.n).sum();
        assert_eq!(n, s.n);
        assert_eq!(s.groups[0].group, "x", "largest group first");
    }

    #[test]
    fn json_extends_the_eval_contract() {
        let v = section().to_json();
        for key in [
            "n",
            "accuracy",
            "macro_f1",
            "f_avg",
            "per_class",
            "confusion",
        ] {
            assert!(v.get(key).is_some(), "missing {key}");
        }
        assert_eq!(v["n"], 5);
        assert!(v["intervals"]["accuracy"]["lo"].is_number());
        assert_eq!(v["group_by"]["column"], "genre");
        assert_eq!(v["most_confident_errors"][0]["row"], 5);
    }

    #[test]
    fn comparison_pairs_heads_by_name() {
        let opts = ReportOptions::default();
        let mut r = Report::new("t", &opts);
        let a = data();
        let mut b = data();
        b.label = b.gold.clone();
        r.compare("A", "B", &[a], &[b], &opts);
        assert_eq!(r.comparisons.len(), 1);
        let acc = r.comparisons[0].metrics.accuracy;
        assert!((acc.b - 1.0).abs() < 1e-12);
        assert!(
            (acc.a - 0.5).abs() < 1e-12,
            "the abstained paragraph is judged by its label"
        );
    }
}
