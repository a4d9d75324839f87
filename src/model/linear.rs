//! A sparse linear classifier as a linfa estimator: [`LinearParams`] (checked by linfa's
//! `ParamGuard`) fits a [`FittedLinear`] on [`SparseRecords`] with the dual coordinate
//! descent solver; multi-class problems are split one-vs-rest, as LIBLINEAR does.
//!
//! ```
//! use linfa::prelude::*;
//! use ndarray::array;
//! use sprs::CsMat;
//! use stance::model::{LinearParams, SparseRecords};
//!
//! let x = CsMat::new((4, 2), vec![0, 1, 2, 3, 4], vec![0, 0, 1, 1], vec![1.0f32, 0.9, 1.0, 0.8]);
//! let data = DatasetBase::new(SparseRecords(x), array![0usize, 0, 1, 1]);
//! let model = LinearParams::new().c(10.0).fit(&data).unwrap();
//! let predicted: ndarray::Array1<usize> = model.predict(&data);
//! assert_eq!(predicted, array![0, 0, 1, 1]);
//! ```

use super::rng::SplitMix64;
pub use super::solver::Loss;
use super::solver::{self, Control, Rows};
use crate::error::Error;
use linfa::dataset::Records;
use linfa::prelude::*;
use linfa::ParamGuard;
use ndarray::{Array1, Array2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sprs::CsMat;

/// Rows of sparse features, as linfa records (a newtype: linfa's traits cannot be
/// implemented on `sprs::CsMat` directly).
#[derive(Debug, Clone)]
pub struct SparseRecords(pub CsMat<f32>);

impl Records for SparseRecords {
    type Elem = f32;
    fn nsamples(&self) -> usize {
        self.0.rows()
    }
    fn nfeatures(&self) -> usize {
        self.0.cols()
    }
}

impl SparseRecords {
    pub(crate) fn rows(&self) -> Rows<'_> {
        let m = &self.0;
        Rows {
            indptr: m.indptr().into_raw_storage(),
            indices: m.indices(),
            values: m.data(),
            n_features: m.cols(),
        }
    }
}

/// How examples of each class are weighted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ClassWeight {
    /// Every example counts the same.
    Uniform,
    /// Weight `n / (k * n_c)`, as scikit-learn's `class_weight="balanced"`.
    Balanced,
    /// A given weight per class index (scikit-learn's `class_weight={...}`), e.g. to move
    /// a model trained on balanced data toward the class mix it will meet.
    Given(Vec<f64>),
}

/// Checked hyper-parameters of the sparse linear classifier.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `loss` | `Logistic` | logistic regression (probabilities) or L2-loss SVM | |
/// | `c` | `1.0` | inverse regularisation strength | `> 0` |
/// | `class_weight` | `Uniform` | re-weight rare classes | |
/// | `tol` | `0.1` | stopping tolerance of the dual solver | `> 0` |
/// | `max_iter` | `1000` | passes over the data at most | `>= 1` |
/// | `seed` | `0` | order of coordinate updates | any |
/// | `n_classes` | from the targets | number of classes (when a subset lacks some) | `>= 2` |
/// | `nb_alpha` | `None` | scale features by naive Bayes log-count ratios (NBSVM), smoothing α | `> 0` |
/// | `nb_mix` | `1.0` | with `nb_alpha`: weight of the NB model when averaged with the plain one | `0..=1` |
/// | `nb_counts` | `Values` | what the NB ratios count: feature values, or presence (Wang and Manning's binarised counts) | |
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearValidParams {
    nb_alpha: Option<f64>,
    nb_mix: f64,
    nb_counts: NbCounts,
    loss: Loss,
    c: f64,
    class_weight: ClassWeight,
    tol: f64,
    max_iter: usize,
    seed: u64,
    n_classes: Option<usize>,
}

/// Unchecked hyper-parameters; see [`LinearValidParams`] for the table.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearParams(LinearValidParams);

impl Default for LinearParams {
    fn default() -> Self {
        LinearParams(LinearValidParams {
            nb_alpha: None,
            nb_mix: 1.0,
            nb_counts: NbCounts::Values,
            loss: Loss::Logistic,
            c: 1.0,
            class_weight: ClassWeight::Uniform,
            tol: 0.1,
            max_iter: 1000,
            seed: 0,
            n_classes: None,
        })
    }
}

impl LinearParams {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn loss(mut self, loss: Loss) -> Self {
        self.0.loss = loss;
        self
    }
    pub fn c(mut self, c: f64) -> Self {
        self.0.c = c;
        self
    }
    pub fn class_weight(mut self, w: ClassWeight) -> Self {
        self.0.class_weight = w;
        self
    }
    pub fn tol(mut self, tol: f64) -> Self {
        self.0.tol = tol;
        self
    }
    pub fn max_iter(mut self, n: usize) -> Self {
        self.0.max_iter = n;
        self
    }
    pub fn seed(mut self, seed: u64) -> Self {
        self.0.seed = seed;
        self
    }
    /// Scale each one-vs-rest problem's features by naive Bayes log-count ratios
    /// (Wang and Manning 2012), smoothed by `alpha`; the ratios are folded into the weights.
    pub fn nb_alpha(mut self, alpha: Option<f64>) -> Self {
        self.0.nb_alpha = alpha;
        self
    }
    /// Averages the NB-scaled model (weight `mix`) with the plain one (weight `1 - mix`).
    pub fn nb_mix(mut self, mix: f64) -> Self {
        self.0.nb_mix = mix;
        self
    }
    /// What the NB ratios sum per class: feature values or feature presence.
    pub fn nb_counts(mut self, counts: NbCounts) -> Self {
        self.0.nb_counts = counts;
        self
    }
    pub fn n_classes(mut self, k: usize) -> Self {
        self.0.n_classes = Some(k);
        self
    }
}

impl ParamGuard for LinearParams {
    type Checked = LinearValidParams;
    type Error = Error;

    fn check_ref(&self) -> Result<&LinearValidParams, Error> {
        let p = &self.0;
        if !(p.c.is_finite() && p.c > 0.0) {
            return Err(Error::Settings(format!(
                "C must be a positive number, got {}",
                p.c
            )));
        }
        if !(p.tol.is_finite() && p.tol > 0.0) {
            return Err(Error::Settings(format!(
                "tolerance must be positive, got {}",
                p.tol
            )));
        }
        if p.nb_alpha.is_some_and(|a| !(a.is_finite() && a > 0.0)) {
            return Err(Error::Settings(
                "the NB smoothing alpha must be positive".into(),
            ));
        }
        if !(0.0..=1.0).contains(&p.nb_mix) {
            return Err(Error::Settings(format!(
                "the NB mix must be in [0, 1], got {}",
                p.nb_mix
            )));
        }
        if let ClassWeight::Given(w) = &p.class_weight {
            if w.iter().any(|v| !(v.is_finite() && *v > 0.0)) {
                return Err(Error::Settings(
                    "class weights must be positive numbers".into(),
                ));
            }
        }
        if p.max_iter == 0 {
            return Err(Error::Settings("max_iter must be at least 1".into()));
        }
        if p.n_classes.is_some_and(|k| k < 2) {
            return Err(Error::Settings(
                "a classifier needs at least 2 classes".into(),
            ));
        }
        Ok(p)
    }

    fn check(self) -> Result<LinearValidParams, Error> {
        self.check_ref()?;
        Ok(self.0)
    }
}

impl LinearValidParams {
    pub fn loss(&self) -> Loss {
        self.loss
    }
}

/// A fitted one-vs-rest linear classifier. Binary problems keep one weight vector
/// (scores `[-s, s]`); `k > 2` classes keep `k`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedLinear {
    loss: Loss,
    n_classes: usize,
    /// `outputs × features`.
    weights: Array2<f32>,
    bias: Array1<f32>,
    iterations: usize,
}

impl Fit<SparseRecords, Array1<usize>, Error> for LinearValidParams {
    type Object = FittedLinear;

    fn fit(&self, data: &DatasetBase<SparseRecords, Array1<usize>>) -> Result<FittedLinear, Error> {
        let x = &data.records;
        let y = &data.targets;
        if x.nsamples() != y.len() {
            return Err(linfa::Error::MismatchedShapes(x.nsamples(), y.len()).into());
        }
        if y.is_empty() {
            return Err(linfa::Error::NotEnoughSamples.into());
        }
        let k = self
            .n_classes
            .unwrap_or_else(|| y.iter().max().map_or(0, |&m| m + 1));
        if k < 2 || y.iter().any(|&c| c >= k) {
            return Err(Error::Settings(format!(
                "labels must be in 0..{k} with k >= 2"
            )));
        }
        let mut counts = vec![0usize; k];
        y.iter().for_each(|&c| counts[c] += 1);
        let present = counts.iter().filter(|&&n| n > 0).count().max(1);
        let cost: Vec<f64> = y
            .iter()
            .map(|&c| match &self.class_weight {
                ClassWeight::Uniform => self.c,
                ClassWeight::Balanced => self.c * y.len() as f64 / (present * counts[c]) as f64,
                ClassWeight::Given(w) => self.c * w.get(c).copied().unwrap_or(1.0),
            })
            .collect();
        let outputs: Vec<usize> = if k == 2 { vec![1] } else { (0..k).collect() };
        let rows = x.rows();
        let mut seeds = SplitMix64::new(self.seed);
        let seeds: Vec<u64> = outputs.iter().map(|_| seeds.next_u64()).collect();
        let solutions: Vec<solver::Solution> = outputs
            .par_iter()
            .zip(seeds)
            .map(|(&class, seed)| {
                let yb: Vec<bool> = y.iter().map(|&c| c == class).collect();
                let ctl = Control {
                    tol: self.tol,
                    max_iter: self.max_iter,
                    seed,
                };
                match self.nb_alpha {
                    None => solver::solve(rows, &yb, &cost, self.loss, ctl),
                    Some(alpha) => {
                        let plain = (self.nb_mix < 1.0)
                            .then(|| solver::solve(rows, &yb, &cost, self.loss, ctl));
                        let r = nb_ratios(rows, &yb, alpha, self.nb_counts);
                        let scaled: Vec<f32> = rows
                            .indices
                            .iter()
                            .zip(rows.values)
                            .map(|(&j, &v)| v * r[j])
                            .collect();
                        let mut sol = solver::solve(
                            Rows {
                                values: &scaled,
                                ..rows
                            },
                            &yb,
                            &cost,
                            self.loss,
                            ctl,
                        );
                        sol.w
                            .iter_mut()
                            .zip(&r)
                            .for_each(|(w, &rj)| *w *= rj as f64);
                        // Averaging the scores of two linear models is one linear model.
                        if let Some(plain) = plain {
                            let b = self.nb_mix;
                            sol.w
                                .iter_mut()
                                .zip(&plain.w)
                                .for_each(|(w, &p)| *w = b * *w + (1.0 - b) * p);
                            sol.bias = b * sol.bias + (1.0 - b) * plain.bias;
                            sol.iterations = sol.iterations.max(plain.iterations);
                        }
                        sol
                    }
                }
            })
            .collect();
        let mut weights = Array2::zeros((outputs.len(), x.nfeatures()));
        let mut bias = Array1::zeros(outputs.len());
        let mut iterations = 0;
        for (o, sol) in solutions.iter().enumerate() {
            weights
                .row_mut(o)
                .iter_mut()
                .zip(&sol.w)
                .for_each(|(dst, &src)| *dst = src as f32);
            bias[o] = sol.bias as f32;
            iterations = iterations.max(sol.iterations);
        }
        Ok(FittedLinear {
            loss: self.loss,
            n_classes: k,
            weights,
            bias,
            iterations,
        })
    }
}

/// What naive Bayes log-count ratios count per class.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum NbCounts {
    /// Sums of the TF-IDF feature values: a TF-IDF value is well below 1, so a given
    /// `alpha` smooths strongly (`alpha = 0.1` is about one occurrence). Best on small
    /// per-target problems (SemEval-2016).
    #[default]
    Values,
    /// Number of rows where the feature occurs (Wang and Manning's binarised counts): a
    /// light prior for a given `alpha`; best on large sentence sets (SUBJ, MR).
    Binary,
}

/// Naive Bayes log-count ratios `ln((p_j/|p|₁) / (q_j/|q|₁))`, where `p` and `q` sum the
/// feature values (or presence) of the positive and negative rows, each plus `alpha`.
fn nb_ratios(x: Rows, y: &[bool], alpha: f64, counts: NbCounts) -> Vec<f32> {
    let mut p = vec![alpha; x.n_features];
    let mut q = vec![alpha; x.n_features];
    for (i, &pos) in y.iter().enumerate() {
        let sums = if pos { &mut p } else { &mut q };
        for k in x.indptr[i]..x.indptr[i + 1] {
            sums[x.indices[k]] += match counts {
                NbCounts::Values => x.values[k] as f64,
                NbCounts::Binary => 1.0,
            };
        }
    }
    let (sp, sq): (f64, f64) = (p.iter().sum(), q.iter().sum());
    p.iter()
        .zip(&q)
        .map(|(a, b)| ((a / sp) / (b / sq)).ln() as f32)
        .collect()
}

impl FittedLinear {
    pub fn n_classes(&self) -> usize {
        self.n_classes
    }
    pub fn loss(&self) -> Loss {
        self.loss
    }
    /// `outputs × features` weights (one row when binary).
    pub fn weights(&self) -> &Array2<f32> {
        &self.weights
    }
    pub fn bias(&self) -> &Array1<f32> {
        &self.bias
    }
    /// Most solver passes any one-vs-rest problem took.
    pub fn iterations(&self) -> usize {
        self.iterations
    }

    /// Raw outputs `w·x + b` of one sparse row.
    pub fn outputs(&self, indices: &[usize], values: &[f32]) -> Vec<f32> {
        (0..self.weights.nrows())
            .map(|o| {
                let w = self.weights.row(o);
                self.bias[o]
                    + indices
                        .iter()
                        .zip(values)
                        .map(|(&j, &v)| w[j] * v)
                        .sum::<f32>()
            })
            .collect()
    }
}

/// Per-class scores from one-vs-rest outputs (binary: one output `s` gives `[-s, s]`).
pub(crate) fn class_scores(outputs: &[f32], n_classes: usize, out: &mut Vec<f32>) {
    out.clear();
    if n_classes == 2 {
        out.extend([-outputs[0], outputs[0]]);
    } else {
        out.extend_from_slice(&outputs[..n_classes]);
    }
}

/// Probabilities from one-vs-rest scores scaled by `scale` (1 = uncalibrated): binary
/// `σ(s)`, else `σ(s_k) / Σ σ(s_j)` (scikit-learn's one-vs-rest `predict_proba`).
pub(crate) fn probabilities(scores: &[f32], scale: f32, out: &mut Vec<f32>) {
    out.clear();
    if scores.len() == 2 {
        let p = sigmoid(scale * scores[1]);
        out.extend([1.0 - p, p]);
        return;
    }
    out.extend(scores.iter().map(|&s| sigmoid(scale * s)));
    let sum: f32 = out.iter().sum();
    if sum.is_finite() && sum >= 1e-30 {
        out.iter_mut().for_each(|p| *p /= sum);
        return;
    }
    // Every score is so negative that its sigmoid underflows: normalise in the log domain,
    // where `ln sigmoid(s) = -ln(1 + e^-s)`, relative to the largest.
    out.clear();
    out.extend(scores.iter().map(|&s| log_sigmoid(scale * s)));
    let max = out.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
    out.iter_mut().for_each(|l| *l = (*l - max).exp());
    let sum: f32 = out.iter().sum();
    out.iter_mut().for_each(|p| *p /= sum);
}

#[inline]
fn log_sigmoid(s: f32) -> f32 {
    if s >= 0.0 {
        -(-s).exp().ln_1p()
    } else {
        s - s.exp().ln_1p()
    }
}

#[inline]
fn sigmoid(s: f32) -> f32 {
    1.0 / (1.0 + (-s).exp())
}

/// Index of the largest score; ties go to the lower index.
pub(crate) fn argmax(scores: &[f32]) -> usize {
    let mut best = 0;
    for (i, &s) in scores.iter().enumerate() {
        if s > scores[best] {
            best = i;
        }
    }
    best
}

impl PredictInplace<SparseRecords, Array1<usize>> for FittedLinear {
    fn predict_inplace(&self, x: &SparseRecords, y: &mut Array1<usize>) {
        let rows = x.rows();
        let mut scores = Vec::new();
        for (i, slot) in y.iter_mut().enumerate() {
            let (a, b) = (rows.indptr[i], rows.indptr[i + 1]);
            // Features beyond the model's width were never seen: they weigh nothing.
            let keep: Vec<(usize, f32)> = rows.indices[a..b]
                .iter()
                .zip(&rows.values[a..b])
                .filter(|(&j, _)| j < self.weights.ncols())
                .map(|(&j, &v)| (j, v))
                .collect();
            let (idx, val): (Vec<usize>, Vec<f32>) = keep.into_iter().unzip();
            class_scores(&self.outputs(&idx, &val), self.n_classes, &mut scores);
            *slot = argmax(&scores);
        }
    }

    fn default_target(&self, x: &SparseRecords) -> Array1<usize> {
        Array1::zeros(x.nsamples())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn three_class() -> DatasetBase<SparseRecords, Array1<usize>> {
        // Class c lives on feature c.
        let x = CsMat::new(
            (6, 3),
            vec![0, 1, 2, 3, 4, 5, 6],
            vec![0, 0, 1, 1, 2, 2],
            vec![1.0f32, 0.8, 1.0, 0.9, 1.0, 0.7],
        );
        DatasetBase::new(SparseRecords(x), array![0usize, 0, 1, 1, 2, 2])
    }

    #[test]
    fn fits_multiclass_one_vs_rest() {
        let data = three_class();
        for loss in [Loss::Logistic, Loss::SquaredHinge] {
            let model = LinearParams::new().loss(loss).c(10.0).fit(&data).unwrap();
            assert_eq!(model.weights().nrows(), 3);
            let pred: Array1<usize> = model.predict(&data);
            assert_eq!(pred, data.targets, "{loss:?}");
        }
    }

    #[test]
    fn given_class_weights_move_the_boundary_toward_the_light_class() {
        // One feature; class 0 at 1.0, class 1 at 0.0, and a query point in between.
        let x = CsMat::new((4, 1), vec![0, 1, 2, 2, 2], vec![0, 0], vec![1.0f32, 1.0]);
        let data = DatasetBase::new(SparseRecords(x), array![0usize, 0, 1, 1]);
        let score_of_half = |w: ClassWeight| {
            let m = LinearParams::new()
                .c(1.0)
                .class_weight(w)
                .fit(&data)
                .unwrap();
            m.outputs(&[0], &[0.5])[0]
        };
        // Output 0 is the score of class 1 (binary): heavier class 1 raises it.
        assert!(
            score_of_half(ClassWeight::Given(vec![1.0, 5.0]))
                > score_of_half(ClassWeight::Given(vec![5.0, 1.0]))
        );
        let bad = LinearParams::new()
            .class_weight(ClassWeight::Given(vec![1.0, -1.0]))
            .fit(&data);
        assert!(matches!(bad, Err(Error::Settings(_))));
    }

    #[test]
    fn rejects_bad_params_before_fitting() {
        let err = LinearParams::new().c(-1.0).fit(&three_class()).unwrap_err();
        assert!(matches!(err, Error::Settings(_)));
    }

    #[test]
    fn rejects_mismatched_records_and_targets() {
        let mut data = three_class();
        data.targets = array![0usize, 1];
        let err = LinearParams::new().fit(&data).unwrap_err();
        assert!(matches!(
            err,
            Error::Linfa(linfa::Error::MismatchedShapes(6, 2))
        ));
    }

    #[test]
    fn probabilities_are_finite_and_sum_to_one() {
        let mut p = Vec::new();
        for scores in [
            vec![-3.0, 3.0],
            vec![1.0, -2.0, 0.5],
            vec![80.0, -80.0, 0.0],
        ] {
            probabilities(&scores, 1.0, &mut p);
            assert!(p.iter().all(|v| v.is_finite() && *v >= 0.0));
            assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        }
    }

    #[test]
    fn nb_ratios_count_values_or_presence() {
        // Two positive rows and one negative; feature 0 appears once per row with
        // different values, feature 1 only in the positives.
        let indptr = [0, 2, 4, 5];
        let indices = [0, 1, 0, 1, 0];
        let values = [0.9f32, 0.1, 0.1, 0.1, 0.5];
        let rows = Rows {
            indptr: &indptr,
            indices: &indices,
            values: &values,
            n_features: 2,
        };
        let y = [true, true, false];
        let alpha = 1.0;
        let ratio = |p0: f64, p1: f64, q0: f64, q1: f64| {
            let (p0, p1, q0, q1) = (p0 + alpha, p1 + alpha, q0 + alpha, q1 + alpha);
            [
                ((p0 / (p0 + p1)) / (q0 / (q0 + q1))).ln() as f32,
                ((p1 / (p0 + p1)) / (q1 / (q0 + q1))).ln() as f32,
            ]
        };
        let binary = nb_ratios(rows, &y, alpha, NbCounts::Binary);
        let summed = nb_ratios(rows, &y, alpha, NbCounts::Values);
        let close = |a: &[f32], b: [f32; 2]| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-6);
        assert!(close(&binary, ratio(2.0, 2.0, 1.0, 0.0)), "{binary:?}");
        assert!(close(&summed, ratio(1.0, 0.2, 0.5, 0.0)), "{summed:?}");
    }

    #[test]
    fn probabilities_stay_finite_when_every_sigmoid_underflows() {
        let mut p = Vec::new();
        probabilities(&[-200.0, -300.0, -250.0], 1.0, &mut p);
        assert!(p.iter().all(|v| v.is_finite()), "{p:?}");
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert_eq!(argmax(&[-200.0, -300.0, -250.0]), 0);
        assert!(p[0] > 0.99, "the least negative score wins: {p:?}");
    }

    proptest::proptest! {
        #[test]
        fn probabilities_are_finite_and_sum_to_one_for_any_scores(
            multi in proptest::collection::vec(-1e4f32..1e4, 3..8),
            margin in -1e4f32..1e4,
        ) {
            // A binary head's scores are a margin and its negation (see `class_scores`).
            for scores in [multi, vec![-margin, margin]] {
            let mut p = Vec::new();
            probabilities(&scores, 1.0, &mut p);
            proptest::prop_assert_eq!(p.len(), scores.len());
            proptest::prop_assert!(p.iter().all(|v| v.is_finite() && *v >= 0.0 && *v <= 1.0), "{:?} -> {:?}", scores, p);
            proptest::prop_assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-4, "{:?} -> {:?}", scores, p);
            // The most probable class is the top-scoring one.
            let best = argmax(&scores);
            proptest::prop_assert!(p.iter().all(|&v| v <= p[best]));
            }
        }
    }

    #[test]
    fn fitted_model_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<FittedLinear>();
    }
}
