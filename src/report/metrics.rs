//! Classification metrics, all derived from one confusion matrix: accuracy, per-class
//! precision/recall/F1/support, macro-F1 (the mean of per-class F1, as scikit-learn's
//! `f1_score(average="macro")`, not the F1 of macro precision and recall), and SemEval-2016's
//! `F_avg`, the mean F1 of the `favor` and `against` classes.

use serde::Serialize;

/// Counts of (gold, predicted) label pairs over a fixed label set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confusion {
    labels: Vec<String>,
    /// `counts[gold][predicted]`.
    counts: Vec<Vec<u64>>,
}

/// Precision, recall, F1 and support of one class. An undefined ratio (no predictions,
/// or no gold examples, of the class) counts as 0, as scikit-learn's `zero_division=0`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ClassMetrics {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: u64,
}

impl Confusion {
    pub fn new(labels: Vec<String>) -> Self {
        let k = labels.len();
        Confusion {
            labels,
            counts: vec![vec![0; k]; k],
        }
    }

    /// Counts one (gold, predicted) pair of label indices.
    pub fn add(&mut self, gold: usize, predicted: usize) {
        self.counts[gold][predicted] += 1;
    }

    /// Replaces the counts with `flat[gold * k + predicted]` (reused across bootstrap
    /// resamples without allocating).
    pub(crate) fn set_flat(&mut self, flat: &[u64]) {
        let k = self.labels.len();
        for (row, src) in self.counts.iter_mut().zip(flat.chunks(k)) {
            row.copy_from_slice(src);
        }
    }

    /// Adds another matrix over the same labels.
    pub fn merge(&mut self, other: &Confusion) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        }
    }

    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// `counts()[gold][predicted]`.
    pub fn counts(&self) -> &[Vec<u64>] {
        &self.counts
    }

    pub fn n(&self) -> u64 {
        self.counts.iter().flatten().sum()
    }

    pub fn accuracy(&self) -> f64 {
        let correct: u64 = (0..self.labels.len()).map(|i| self.counts[i][i]).sum();
        ratio(correct, self.n())
    }

    pub fn class(&self, c: usize) -> ClassMetrics {
        let tp = self.counts[c][c];
        let predicted: u64 = self.counts.iter().map(|row| row[c]).sum();
        let support: u64 = self.counts[c].iter().sum();
        let precision = ratio(tp, predicted);
        let recall = ratio(tp, support);
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        ClassMetrics {
            precision,
            recall,
            f1,
            support,
        }
    }

    /// Mean of per-class F1 over every label of the head.
    pub fn macro_f1(&self) -> f64 {
        let k = self.labels.len();
        (0..k).map(|c| self.class(c).f1).sum::<f64>() / k as f64
    }

    /// Mean F1 of `favor` and `against` (any case), when both are labels.
    pub fn f_avg(&self) -> Option<f64> {
        let find = |name: &str| {
            self.labels
                .iter()
                .position(|l| l.eq_ignore_ascii_case(name))
        };
        let (f, a) = (find("favor")?, find("against")?);
        Some((self.class(f).f1 + self.class(a).f1) / 2.0)
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use linfa::prelude::*;
    use ndarray::array;

    fn fixture() -> Confusion {
        // gold:      a a a b b c c c c
        // predicted: a b a b c c c a c
        let gold = [0, 0, 0, 1, 1, 2, 2, 2, 2];
        let pred = [0, 1, 0, 1, 2, 2, 2, 0, 2];
        let mut m = Confusion::new(vec!["a".into(), "b".into(), "c".into()]);
        gold.iter().zip(&pred).for_each(|(&g, &p)| m.add(g, p));
        m
    }

    #[test]
    fn matches_sklearn_on_a_fixture() {
        // sklearn.metrics.classification_report(gold, pred) for the fixture above:
        //   a: precision 0.6667 recall 0.6667 f1 0.6667 support 3
        //   b: precision 0.5000 recall 0.5000 f1 0.5000 support 2
        //   c: precision 0.7500 recall 0.7500 f1 0.7500 support 4
        //   accuracy 0.6667, macro avg f1 0.6389
        let m = fixture();
        let close = |a: f64, b: f64| (a - b).abs() < 1e-4;
        assert!(close(m.class(0).precision, 0.6667) && close(m.class(0).recall, 0.6667));
        assert!(close(m.class(1).f1, 0.5) && m.class(1).support == 2);
        assert!(close(m.class(2).f1, 0.75));
        assert!(close(m.accuracy(), 0.6667));
        assert!(close(m.macro_f1(), 0.6389));
    }

    #[test]
    fn agrees_with_linfa_confusion_matrix() {
        let gold = array![0usize, 0, 0, 1, 1, 2, 2, 2, 2];
        let pred = array![0usize, 1, 0, 1, 2, 2, 2, 0, 2];
        let cm = pred.confusion_matrix(&gold).unwrap();
        let ours = fixture();
        assert!((cm.accuracy() as f64 - ours.accuracy()).abs() < 1e-6);
        for (c, one) in cm.split_one_vs_all().iter().enumerate() {
            assert!((one.precision() as f64 - ours.class(c).precision).abs() < 1e-6);
            assert!((one.recall() as f64 - ours.class(c).recall).abs() < 1e-6);
        }
    }

    #[test]
    fn macro_f1_is_mean_of_f1_not_f1_of_means() {
        let mut m = Confusion::new(vec!["x".into(), "y".into()]);
        for _ in 0..9 {
            m.add(0, 0);
        }
        m.add(1, 0);
        m.add(1, 1);
        // x: p 0.9 r 1 f1 0.947; y: p 1 r 0.5 f1 0.667 -> macro 0.807.
        assert!((m.macro_f1() - (0.9473684 + 0.6666667) / 2.0).abs() < 1e-6);
    }

    #[test]
    fn f_avg_needs_favor_and_against() {
        let mut m = Confusion::new(vec!["AGAINST".into(), "FAVOR".into(), "NONE".into()]);
        m.add(0, 0);
        m.add(1, 2);
        m.add(2, 2);
        assert!((m.f_avg().unwrap() - 0.5).abs() < 1e-9);
        assert_eq!(fixture().f_avg(), None);
    }

    #[test]
    fn undefined_precision_counts_as_zero() {
        let mut m = Confusion::new(vec!["a".into(), "b".into()]);
        m.add(0, 0);
        m.add(1, 0);
        assert_eq!(m.class(1).precision, 0.0);
        assert_eq!(m.class(1).f1, 0.0);
    }
}
