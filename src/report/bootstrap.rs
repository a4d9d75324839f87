//! Percentile bootstrap over paragraphs: how far a metric would move on another sample of
//! the same size. Paragraphs are drawn with replacement (a seeded `SplitMix64`, so a
//! report is reproducible byte for byte), every metric is recomputed from the resample's
//! confusion matrix, and the interval is the 2.5th and 97.5th percentile of the resampled
//! values. The paired variant draws the same paragraphs for two models, so the interval of
//! their difference is not widened by the variance both share.

use super::metrics::Confusion;
use crate::model::SplitMix64;
use rayon::prelude::*;
use serde::Serialize;

/// Resamples drawn when none are asked for.
pub const DEFAULT_RESAMPLES: usize = 1000;
/// Seed used when none is given: fixed so that a report never changes between runs.
pub const DEFAULT_SEED: u64 = 2016;

/// A point estimate with its bootstrap interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    pub value: f64,
    pub lo: f64,
    pub hi: f64,
}

/// Per-class precision, recall and F1 with intervals.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ClassEstimates {
    pub precision: Estimate,
    pub recall: Estimate,
    pub f1: Estimate,
}

/// Every headline metric of one head with its interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeadEstimates {
    pub accuracy: Estimate,
    pub macro_f1: Estimate,
    /// `None` when the labels lack `favor` or `against`.
    pub f_avg: Option<Estimate>,
    /// In the head's label order.
    pub per_class: Vec<ClassEstimates>,
}

/// The difference `B − A` of one metric between two models on the same paragraphs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Difference {
    pub a: f64,
    pub b: f64,
    /// `b − a` with the paired-bootstrap interval.
    pub diff: Estimate,
    /// Two-sided p-value of "no difference" (see [`Bootstrap::paired`]).
    pub p_value: f64,
}

/// Paired comparison of the headline metrics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeadComparison {
    pub accuracy: Difference,
    pub macro_f1: Difference,
    pub f_avg: Option<Difference>,
}

/// Bootstrap settings.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `resamples` | `1000` | resamples drawn | `>= 1` |
/// | `seed` | `2016` | seed of the resampling generator | any |
/// | `level` | `0.95` | coverage of the interval | `0 < level < 1` |
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bootstrap {
    pub resamples: usize,
    pub seed: u64,
    pub level: f64,
}

impl Default for Bootstrap {
    fn default() -> Self {
        Bootstrap {
            resamples: DEFAULT_RESAMPLES,
            seed: DEFAULT_SEED,
            level: 0.95,
        }
    }
}

/// Metrics recomputed on every resample, flattened: accuracy, macro-F1, F_avg (NaN when
/// undefined), then precision, recall and F1 of each class.
fn metric_vector(c: &Confusion, out: &mut Vec<f64>) {
    out.clear();
    out.push(c.accuracy());
    out.push(c.macro_f1());
    out.push(c.f_avg().unwrap_or(f64::NAN));
    for k in 0..c.labels().len() {
        let m = c.class(k);
        out.extend([m.precision, m.recall, m.f1]);
    }
}

impl Bootstrap {
    /// Intervals of every metric of one head. `gold` and `predicted` are class indices
    /// into `labels`, one per paragraph.
    pub fn head(&self, labels: &[String], gold: &[usize], predicted: &[usize]) -> HeadEstimates {
        let observed = observed(labels, gold, predicted);
        let samples = self.samples(labels, gold, &[predicted]);
        let est = |i: usize| self.estimate(observed[i], &samples[0][i]);
        HeadEstimates {
            accuracy: est(0),
            macro_f1: est(1),
            f_avg: (!observed[2].is_nan()).then(|| est(2)),
            per_class: (0..labels.len())
                .map(|k| ClassEstimates {
                    precision: est(3 + 3 * k),
                    recall: est(4 + 3 * k),
                    f1: est(5 + 3 * k),
                })
                .collect(),
        }
    }

    /// Paired bootstrap of `B − A` for accuracy, macro-F1 and F_avg. Both models are
    /// scored on the same resampled paragraphs. The p-value tests "no difference" by
    /// centring the resampled differences on zero (Efron & Tibshirani 1993, §16.4):
    /// `p = (1 + #{|d* − d| ≥ |d|}) / (resamples + 1)`, so it is never exactly 0.
    pub fn paired(
        &self,
        labels: &[String],
        gold: &[usize],
        predicted_a: &[usize],
        predicted_b: &[usize],
    ) -> HeadComparison {
        let obs_a = observed(labels, gold, predicted_a);
        let obs_b = observed(labels, gold, predicted_b);
        let samples = self.samples(labels, gold, &[predicted_a, predicted_b]);
        let diff = |i: usize| {
            let d = obs_b[i] - obs_a[i];
            let ds: Vec<f64> = samples[1][i]
                .iter()
                .zip(&samples[0][i])
                .map(|(b, a)| b - a)
                .collect();
            let extreme = ds
                .iter()
                .filter(|&&x| (x - d).abs() >= d.abs() - 1e-12)
                .count();
            Difference {
                a: obs_a[i],
                b: obs_b[i],
                diff: self.estimate(d, &ds),
                p_value: (1 + extreme) as f64 / (ds.len() + 1) as f64,
            }
        };
        HeadComparison {
            accuracy: diff(0),
            macro_f1: diff(1),
            f_avg: (!obs_a[2].is_nan()).then(|| diff(2)),
        }
    }

    /// `samples[model][metric][resample]`: every metric of each prediction vector on the
    /// same `resamples` draws of paragraph indices. Resamples are drawn in fixed blocks,
    /// each from its own generator seeded from `seed`, so they can run on every core and
    /// still come out the same whatever the thread count.
    pub(crate) fn samples(
        &self,
        labels: &[String],
        gold: &[usize],
        predicted: &[&[usize]],
    ) -> Vec<Vec<Vec<f64>>> {
        const BLOCK: usize = 50;
        let n = gold.len();
        let k = labels.len();
        let n_metrics = 3 + 3 * k;
        let b = self.resamples.max(1);
        let mut out = vec![vec![Vec::with_capacity(b); n_metrics]; predicted.len()];
        if n == 0 {
            return out;
        }
        // Each paragraph as one cell of the flattened confusion matrix.
        let cells: Vec<Vec<u32>> = predicted
            .iter()
            .map(|p| {
                gold.iter()
                    .zip(*p)
                    .map(|(&g, &q)| (g * k + q) as u32)
                    .collect()
            })
            .collect();
        let mut master = SplitMix64::new(self.seed);
        let seeds: Vec<u64> = (0..b.div_ceil(BLOCK)).map(|_| master.next_u64()).collect();
        let blocks: Vec<Vec<Vec<Vec<f64>>>> = seeds
            .par_iter()
            .enumerate()
            .map(|(j, &seed)| {
                let count = BLOCK.min(b - j * BLOCK);
                let mut rng = SplitMix64::new(seed);
                let mut block = vec![vec![Vec::with_capacity(count); n_metrics]; predicted.len()];
                let mut confusion = Confusion::new(labels.to_vec());
                let mut counts = vec![vec![0u64; k * k]; predicted.len()];
                let mut metrics = Vec::with_capacity(n_metrics);
                for _ in 0..count {
                    counts.iter_mut().for_each(|c| c.fill(0));
                    for _ in 0..n {
                        let i = rng.below(n);
                        for (c, cell) in counts.iter_mut().zip(&cells) {
                            c[cell[i] as usize] += 1;
                        }
                    }
                    for (c, out) in counts.iter().zip(&mut block) {
                        confusion.set_flat(c);
                        metric_vector(&confusion, &mut metrics);
                        for (o, &m) in out.iter_mut().zip(&metrics) {
                            o.push(m);
                        }
                    }
                }
                block
            })
            .collect();
        for block in blocks {
            for (o, b) in out.iter_mut().zip(block) {
                for (om, bm) in o.iter_mut().zip(b) {
                    om.extend(bm);
                }
            }
        }
        out
    }

    fn estimate(&self, value: f64, samples: &[f64]) -> Estimate {
        let alpha = (1.0 - self.level) / 2.0;
        let mut sorted: Vec<f64> = samples.iter().copied().filter(|x| !x.is_nan()).collect();
        sorted.sort_by(f64::total_cmp);
        Estimate {
            value,
            lo: percentile(&sorted, alpha).unwrap_or(value),
            hi: percentile(&sorted, 1.0 - alpha).unwrap_or(value),
        }
    }
}

fn observed(labels: &[String], gold: &[usize], predicted: &[usize]) -> Vec<f64> {
    let mut c = Confusion::new(labels.to_vec());
    gold.iter().zip(predicted).for_each(|(&g, &p)| c.add(g, p));
    let mut v = Vec::new();
    metric_vector(&c, &mut v);
    v
}

/// The `q`-quantile of sorted values by the inverted empirical CDF (the smallest value
/// with at least a fraction `q` of the values at or below it; numpy's `inverted_cdf`).
/// Always a value that occurred, so intervals of discrete metrics stay on their support.
pub fn percentile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (q * sorted.len() as f64 - 1e-9).ceil().max(1.0) as usize;
    Some(sorted[rank.min(sorted.len()) - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(k: usize) -> Vec<String> {
        (0..k).map(|i| format!("c{i}")).collect()
    }

    #[test]
    fn percentile_is_the_inverted_cdf() {
        let x: Vec<f64> = (1..=1000).map(f64::from).collect();
        assert_eq!(percentile(&x, 0.025), Some(25.0));
        assert_eq!(percentile(&x, 0.975), Some(975.0));
        assert_eq!(percentile(&[3.0], 0.5), Some(3.0));
        assert_eq!(percentile(&[], 0.5), None);
    }

    #[test]
    fn accuracy_interval_matches_the_binomial_distribution() {
        // 8 paragraphs, 4 right. A resample's number of right answers is Binomial(8, 1/2),
        // by hand: P(X <= 0) = 1/256 = 0.0039, P(X <= 1) = 9/256 = 0.0352,
        // P(X <= 6) = 247/256 = 0.9648, P(X <= 7) = 255/256 = 0.9961. So the exact 2.5%
        // and 97.5% quantiles are 1/8 and 7/8; mean 1/2, variance p(1-p)/n = 1/32.
        // 10,000 resamples put the empirical CDF within 0.002 (1 s.e.) of the exact one,
        // five standard errors clear of 0.025 and 0.975.
        let gold = [0, 0, 0, 0, 1, 1, 1, 1];
        let pred = [0, 0, 1, 1, 1, 1, 0, 0];
        let b = Bootstrap {
            resamples: 10_000,
            ..Bootstrap::default()
        };
        let est = b.head(&labels(2), &gold, &pred);
        assert_eq!(est.accuracy.value, 0.5);
        assert_eq!((est.accuracy.lo, est.accuracy.hi), (0.125, 0.875));
        let s = &b.samples(&labels(2), &gold, &[&pred])[0][0];
        let mean = s.iter().sum::<f64>() / s.len() as f64;
        let var = s.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / s.len() as f64;
        assert!((mean - 0.5).abs() < 0.01, "mean {mean}");
        assert!((var - 1.0 / 32.0).abs() < 0.002, "variance {var}");
    }

    #[test]
    fn macro_f1_distribution_matches_full_enumeration() {
        // Four paragraphs: every one of the 4^4 = 256 equally likely resamples is
        // enumerated to get the exact bootstrap distribution of macro-F1.
        let gold = [0, 0, 1, 1];
        let pred = [0, 1, 1, 1];
        let l = labels(2);
        let mut exact = Vec::new();
        for code in 0..256usize {
            let mut c = Confusion::new(l.clone());
            for j in 0..4 {
                let i = (code >> (2 * j)) & 3;
                c.add(gold[i], pred[i]);
            }
            exact.push(c.macro_f1());
        }
        let exact_mean = exact.iter().sum::<f64>() / 256.0;
        let b = Bootstrap {
            resamples: 20_000,
            ..Bootstrap::default()
        };
        let s = &b.samples(&l, &gold, &[&pred])[0][1];
        let mean = s.iter().sum::<f64>() / s.len() as f64;
        // The standard deviation of macro-F1 here is under 0.3: 0.3 / sqrt(20000) = 0.002.
        assert!((mean - exact_mean).abs() < 0.01, "{mean} vs {exact_mean}");
        // Each distinct value's frequency agrees with its exact probability.
        let mut values: Vec<f64> = exact.clone();
        values.sort_by(f64::total_cmp);
        values.dedup_by(|a, b| (*a - *b).abs() < 1e-12);
        for v in values {
            let p = exact.iter().filter(|&&x| (x - v).abs() < 1e-12).count() as f64 / 256.0;
            let f = s.iter().filter(|&&x| (x - v).abs() < 1e-12).count() as f64 / s.len() as f64;
            assert!((p - f).abs() < 0.015, "value {v}: exact {p}, bootstrap {f}");
        }
    }

    #[test]
    fn same_seed_same_intervals() {
        let gold = [0, 1, 2, 0, 1, 2, 0, 1];
        let pred = [0, 1, 1, 0, 2, 2, 0, 0];
        let b = Bootstrap::default();
        assert_eq!(
            b.head(&labels(3), &gold, &pred),
            b.head(&labels(3), &gold, &pred)
        );
    }

    #[test]
    fn interval_contains_the_point_estimate() {
        let gold: Vec<usize> = (0..200).map(|i| i % 3).collect();
        let pred: Vec<usize> = (0..200)
            .map(|i| if i % 7 == 0 { 0 } else { i % 3 })
            .collect();
        let e = Bootstrap::default().head(&labels(3), &gold, &pred);
        for m in [e.accuracy, e.macro_f1, e.per_class[1].f1] {
            assert!(m.lo <= m.value && m.value <= m.hi, "{m:?}");
            assert!(m.hi - m.lo > 0.0);
        }
        assert!(e.f_avg.is_none(), "labels c0..c2 have no favor/against");
    }

    #[test]
    fn identical_models_do_not_differ() {
        let gold = [0, 1, 1, 0, 1];
        let pred = [0, 1, 0, 0, 0];
        let c = Bootstrap::default().paired(&labels(2), &gold, &pred, &pred);
        assert_eq!(c.accuracy.diff.value, 0.0);
        assert_eq!((c.accuracy.diff.lo, c.accuracy.diff.hi), (0.0, 0.0));
        assert_eq!(c.accuracy.p_value, 1.0);
    }

    #[test]
    fn a_clearly_better_model_has_a_small_p_value() {
        // B fixes 30 of A's 40 errors on 100 paragraphs and breaks none.
        let gold: Vec<usize> = (0..100).map(|i| i % 2).collect();
        let a: Vec<usize> = (0..100)
            .map(|i| if i < 40 { 1 - gold[i] } else { gold[i] })
            .collect();
        let b: Vec<usize> = (0..100)
            .map(|i| if i < 10 { 1 - gold[i] } else { gold[i] })
            .collect();
        let c = Bootstrap::default().paired(&labels(2), &gold, &a, &b);
        assert!((c.accuracy.diff.value - 0.30).abs() < 1e-12);
        assert!(c.accuracy.diff.lo > 0.15 && c.accuracy.diff.hi < 0.45);
        assert!(c.accuracy.p_value < 0.01, "{}", c.accuracy.p_value);
    }

    #[test]
    fn empty_input_gives_point_estimates() {
        let e = Bootstrap::default().head(&labels(2), &[], &[]);
        assert_eq!(e.accuracy.lo, e.accuracy.value);
    }
}
