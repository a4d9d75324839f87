//! Scores → labels. A head's raw one-vs-rest scores become class probabilities and a
//! label with its confidence (the probability of the chosen label).

use crate::model::linear::{argmax, probabilities};

/// One head's decision for one paragraph.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HeadPrediction {
    /// Index into the head's label list.
    pub label: usize,
    /// Probability of `label`.
    pub confidence: f32,
    /// Probability of every label, in the head's label order.
    pub probabilities: Vec<f32>,
    /// Raw per-class scores (`w·x + b`), for explanations.
    pub scores: Vec<f32>,
}

impl HeadPrediction {
    /// Fills this prediction from per-class scores, reusing its buffers; probabilities
    /// come from the scores times the head's calibration `scale`.
    pub(crate) fn decide(&mut self, scores: &[f32], scale: f32) {
        self.scores.clear();
        self.scores.extend_from_slice(scores);
        probabilities(scores, scale, &mut self.probabilities);
        self.label = argmax(scores);
        self.confidence = self.probabilities[self.label];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_is_the_most_probable_class() {
        let mut p = HeadPrediction::default();
        p.decide(&[-1.0, 2.0, 0.5], 1.0);
        assert_eq!(p.label, 1);
        let max = p.probabilities.iter().cloned().fold(f32::MIN, f32::max);
        assert_eq!(p.confidence, max);
    }

    #[test]
    fn binary_confidence_is_symmetric() {
        let mut a = HeadPrediction::default();
        let mut b = HeadPrediction::default();
        a.decide(&[-1.5, 1.5], 1.0);
        b.decide(&[1.5, -1.5], 1.0);
        assert_eq!((a.label, b.label), (1, 0));
        assert!((a.confidence - b.confidence).abs() < 1e-6);
    }
}
