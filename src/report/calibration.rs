//! Is a confidence of 0.8 right 80% of the time? Reliability bins (equal width over
//! [0, 1]) compare each bin's mean confidence with its accuracy; the expected calibration
//! error (ECE, Guo et al. 2017) is their gap weighted by the bin's share of paragraphs.
//! The confidence histogram splits each bin into right and wrong answers.

use serde::Serialize;

/// Bins used when none are asked for.
pub const DEFAULT_BINS: usize = 10;

/// One confidence bin.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Bin {
    pub lo: f64,
    pub hi: f64,
    /// Paragraphs whose confidence falls in `[lo, hi)` (the last bin includes 1).
    pub n: u64,
    pub correct: u64,
    /// Mean confidence in the bin (`None` when empty).
    pub mean_confidence: Option<f64>,
    /// Share of right answers in the bin (`None` when empty).
    pub accuracy: Option<f64>,
}

/// Reliability bins and the expected calibration error.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reliability {
    pub n: u64,
    pub bins: Vec<Bin>,
    /// `Σ n_b / n · |accuracy_b − mean_confidence_b|` over non-empty bins.
    pub ece: f64,
    /// The largest gap of any non-empty bin.
    pub mce: f64,
}

/// Reliability of `confidence` (of the predicted label) against `correct`, in `n_bins`
/// equal-width bins (at least 1).
pub fn reliability(confidence: &[f32], correct: &[bool], n_bins: usize) -> Reliability {
    let k = n_bins.max(1);
    let mut n = vec![0u64; k];
    let mut right = vec![0u64; k];
    let mut sum = vec![0f64; k];
    for (&c, &ok) in confidence.iter().zip(correct) {
        let b = bin_of(c, k);
        n[b] += 1;
        right[b] += ok as u64;
        sum[b] += f64::from(c);
    }
    let total: u64 = n.iter().sum();
    let mut ece = 0.0;
    let mut mce: f64 = 0.0;
    let bins = (0..k)
        .map(|b| {
            let (mean_confidence, accuracy) = if n[b] == 0 {
                (None, None)
            } else {
                let conf = sum[b] / n[b] as f64;
                let acc = right[b] as f64 / n[b] as f64;
                ece += n[b] as f64 / total as f64 * (acc - conf).abs();
                mce = mce.max((acc - conf).abs());
                (Some(conf), Some(acc))
            };
            Bin {
                lo: b as f64 / k as f64,
                hi: (b + 1) as f64 / k as f64,
                n: n[b],
                correct: right[b],
                mean_confidence,
                accuracy,
            }
        })
        .collect();
    Reliability {
        n: total,
        bins,
        ece,
        mce,
    }
}

/// Bin of a confidence in `[0, 1]`; NaN and values outside are clamped.
fn bin_of(c: f32, k: usize) -> usize {
    let c = if c.is_nan() { 0.0 } else { c.clamp(0.0, 1.0) };
    ((f64::from(c) * k as f64) as usize).min(k - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ece_of_a_hand_computed_case() {
        // Bin [0.6, 0.8): confidences 0.6, 0.7 (mean 0.65), one right: gap |0.5 − 0.65| = 0.15.
        // Bin [0.8, 1.0]: 0.9, 0.9, 1.0 (mean 0.9333), all right: gap 0.0667.
        // ECE = 2/5 · 0.15 + 3/5 · 0.0667 = 0.06 + 0.04 = 0.10; MCE = 0.15.
        let conf = [0.6, 0.7, 0.9, 0.9, 1.0];
        let ok = [true, false, true, true, true];
        let r = reliability(&conf, &ok, 5);
        assert_eq!(r.n, 5);
        assert_eq!(r.bins[3].n, 2);
        assert_eq!(r.bins[4].n, 3, "a confidence of 1 falls in the last bin");
        assert!((r.ece - 0.10).abs() < 1e-6, "{}", r.ece);
        assert!((r.mce - 0.15).abs() < 1e-6);
        assert_eq!(r.bins[0].accuracy, None);
    }

    #[test]
    fn perfectly_calibrated_bins_have_zero_ece() {
        let conf = [0.75f32; 4];
        let ok = [true, true, true, false];
        assert!(reliability(&conf, &ok, 10).ece < 1e-9);
    }

    #[test]
    fn bins_count_right_and_wrong_answers() {
        let r = reliability(
            &[0.05, 0.55, 0.56, f32::NAN],
            &[false, true, false, true],
            10,
        );
        assert_eq!(r.bins[5].n, 2);
        assert_eq!(r.bins[5].correct, 1);
        assert_eq!(r.bins[0].n, 2, "NaN counts as confidence 0");
    }
}
