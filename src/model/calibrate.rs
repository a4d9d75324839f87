//! Confidence calibration by temperature scaling (Guo et al. 2017), fitted on
//! out-of-fold scores of the training data.
//!
//! An SVM's margins are not probabilities: `σ(margin)` of a confident SVM is still near
//! 0.7, so its confidences are far below its accuracy. Each head gets one positive scale
//! `a`; probabilities are computed from `a · scores`. A positive scale never changes which
//! label wins, so calibration moves confidences (and `--abstain-below` decisions) only.
//! The scale is fitted on scores of rows the fitting model never saw (an inner k-fold
//! split of the training rows), as scikit-learn's `CalibratedClassifierCV` does, because
//! scores on training rows are over-confident.

use super::linear::probabilities;
use super::train::{train_rows, TrainingSet};
use super::{stratified_folds, Recipe};
use crate::error::{Error, Result};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// How a model turns scores into confidences.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Calibration {
    /// Probabilities straight from the scores (σ of the margin, one-vs-rest normalised).
    #[default]
    None,
    /// One fitted scale per head, from inner cross-validation on the training rows.
    Temperature,
}

/// Inner folds used to collect out-of-fold scores.
const FOLDS: usize = 5;

/// Fits one scale per head of a model trained with `recipe` on `rows`.
pub(crate) fn fit_scales(
    recipe: &Recipe,
    data: &TrainingSet,
    keys: &[Vec<u64>],
    rows: &[usize],
) -> Result<Vec<f32>> {
    let inner = Recipe {
        calibrate: Calibration::None,
        ..recipe.clone()
    };
    let (labels, y) = data.head_labels(0);
    let classes: Vec<usize> = rows.iter().map(|&r| y[r]).collect();
    let mut counts = vec![0usize; labels.len()];
    classes.iter().for_each(|&c| counts[c] += 1);
    let smallest = counts.iter().copied().filter(|&n| n > 0).min().unwrap_or(0);
    let k = FOLDS.min(smallest);
    if k < 2 {
        return Err(Error::Settings(
            "calibration needs at least 2 training examples of every label".into(),
        ));
    }
    let folds = stratified_folds(&classes, k, recipe.seed);
    let n_heads = data.head_names().count();
    // Per fold: for every scored row, its gold class and raw scores on every head.
    let scored: Vec<Vec<(usize, Vec<Vec<f32>>)>> = folds
        .par_iter()
        .map(|test| {
            let mut held_out = vec![false; rows.len()];
            test.iter().for_each(|&i| held_out[i] = true);
            let train: Vec<usize> = (0..rows.len())
                .filter(|&i| !held_out[i])
                .map(|i| rows[i])
                .collect();
            let model = train_rows(&inner, data, keys, &train)?;
            let mut scorer = model.scorer();
            let mut out = Vec::with_capacity(test.len());
            for &i in test {
                let r = rows[i];
                // A row whose target the fold never saw cannot be scored per target.
                if let Ok(preds) = scorer.score(&data.texts[r], data.target_of(r)) {
                    out.push((r, preds.iter().map(|p| p.scores.clone()).collect()));
                }
            }
            Ok(out)
        })
        .collect::<Result<_>>()?;
    Ok((0..n_heads)
        .map(|h| {
            let (_, gold) = data.head_labels(h);
            let (scores, y): (Vec<&[f32]>, Vec<usize>) = scored
                .iter()
                .flatten()
                .map(|(r, s)| (s[h].as_slice(), gold[*r]))
                .unzip();
            fit_temperature(&scores, &y)
        })
        .collect())
}

/// The scale `a > 0` that minimises the negative log-likelihood of `gold` under the
/// probabilities of `a · scores`: a golden-section search over `ln a ∈ [ln 0.01, ln 100]`
/// (the likelihood is unimodal in `a`).
pub(crate) fn fit_temperature(scores: &[&[f32]], gold: &[usize]) -> f32 {
    if scores.is_empty() {
        return 1.0;
    }
    let mut p = Vec::new();
    let mut nll = |ln_a: f64| -> f64 {
        let a = ln_a.exp() as f32;
        scores
            .iter()
            .zip(gold)
            .map(|(s, &g)| {
                probabilities(s, a, &mut p);
                -(p[g].max(1e-12) as f64).ln()
            })
            .sum()
    };
    let phi = (5f64.sqrt() - 1.0) / 2.0;
    let (mut lo, mut hi) = (0.01f64.ln(), 100f64.ln());
    let mut x1 = hi - phi * (hi - lo);
    let mut x2 = lo + phi * (hi - lo);
    let (mut f1, mut f2) = (nll(x1), nll(x2));
    for _ in 0..60 {
        if f1 <= f2 {
            hi = x2;
            (x2, f2) = (x1, f1);
            x1 = hi - phi * (hi - lo);
            f1 = nll(x1);
        } else {
            lo = x1;
            (x1, f1) = (x2, f2);
            x2 = lo + phi * (hi - lo);
            f2 = nll(x2);
        }
    }
    (((lo + hi) / 2.0).exp()) as f32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SplitMix64;

    /// Rows drawn from a known model: class probabilities are those of `true_a · scores`;
    /// the fit must recover `true_a` from the labels alone.
    fn recovers(true_a: f32, k: usize) {
        let mut rng = SplitMix64::new(7);
        let mut uniform = || (rng.next_u64() >> 11) as f32 / (1u64 << 53) as f32;
        let (mut scores, mut gold) = (Vec::new(), Vec::new());
        let mut p = Vec::new();
        for _ in 0..20_000 {
            let s: Vec<f32> = (0..k).map(|_| uniform() * 4.0 - 2.0).collect();
            probabilities(&s, true_a, &mut p);
            let u = uniform();
            let mut acc = 0.0;
            let g = p.iter().position(|&q| {
                acc += q;
                u < acc
            });
            gold.push(g.unwrap_or(p.len() - 1));
            scores.push(s);
        }
        let refs: Vec<&[f32]> = scores.iter().map(|s| s.as_slice()).collect();
        let a = fit_temperature(&refs, &gold);
        assert!((a / true_a - 1.0).abs() < 0.1, "fitted {a}, true {true_a}");
    }

    #[test]
    fn recovers_a_known_scale_binary_and_three_class() {
        recovers(3.0, 2);
        recovers(0.5, 2);
        recovers(4.0, 3);
    }

    #[test]
    fn no_scores_leave_the_scale_at_one() {
        assert_eq!(fit_temperature(&[], &[]), 1.0);
    }
}
