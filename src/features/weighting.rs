//! TF-IDF weighting (SMART `lfc` with sublinear tf): `(1 + ln tf) * idf`, with smoothed
//! idf `ln((1 + n) / (1 + df)) + 1` as in scikit-learn, then L2 normalisation of each
//! block on its own (as a scikit-learn `FeatureUnion` of vectorisers does).

use serde::{Deserialize, Serialize};

/// How raw counts become weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TermWeight {
    /// `1 + ln(tf)`: dampens repeated terms.
    Sublinear,
    /// `tf` as counted.
    Raw,
    /// `1` for any term present.
    Binary,
}

impl TermWeight {
    #[inline]
    pub fn apply(self, tf: u32) -> f32 {
        match self {
            TermWeight::Sublinear => 1.0 + (tf as f32).ln(),
            TermWeight::Raw => tf as f32,
            TermWeight::Binary => 1.0,
        }
    }
}

/// Smoothed inverse document frequency of a term seen in `df` of `n` documents.
pub fn smooth_idf(n: usize, df: u32) -> f32 {
    (((1 + n) as f64 / (1 + df as u64) as f64).ln() + 1.0) as f32
}

/// Scales `values` to unit L2 norm (no-op for an all-zero slice).
pub fn l2_normalize(values: &mut [f32]) {
    let norm = values.iter().map(|v| v * v).sum::<f32>().sqrt();
    if norm > 0.0 {
        values.iter_mut().for_each(|v| *v /= norm);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idf_matches_sklearn_smooth_idf() {
        // sklearn TfidfTransformer(smooth_idf=True): idf = ln((1+n)/(1+df)) + 1.
        // For n=4, df=1: ln(5/2)+1 = 1.916290731874155.
        assert!((smooth_idf(4, 1) - 1.916_290_7).abs() < 1e-6);
        assert!((smooth_idf(4, 4) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn sublinear_tf_dampens_counts() {
        assert_eq!(TermWeight::Sublinear.apply(1), 1.0);
        assert!((TermWeight::Sublinear.apply(3) - (1.0 + 3f32.ln())).abs() < 1e-6);
        assert_eq!(TermWeight::Binary.apply(7), 1.0);
    }

    #[test]
    fn normalizes_to_unit_length() {
        let mut v = [3.0, 4.0];
        l2_normalize(&mut v);
        assert_eq!(v, [0.6, 0.8]);
        let mut z = [0.0, 0.0];
        l2_normalize(&mut z);
        assert_eq!(z, [0.0, 0.0]);
    }
}
