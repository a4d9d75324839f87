//! Features → scores. A [`Model`] holds the fitted feature extractor and one classifier
//! per label column ("head"). A paragraph is tokenized and featurised once; one pass over
//! its features computes every head's outputs, because the weights of all heads are
//! packed side by side per feature.
//!
//! ```
//! use stance::model::{train, Recipe, TrainingSet};
//! let texts = ["we must leave now", "leaving is right", "stay and fight", "staying is right",
//!              "we must stay", "leave at once"];
//! let labels = ["favor", "favor", "against", "against", "against", "favor"];
//! let data = TrainingSet::new(
//!     texts.iter().map(|s| s.to_string()).collect(),
//!     vec![("stance".into(), labels.iter().map(|s| s.to_string()).collect())],
//!     None,
//! ).unwrap();
//! let model = train(&Recipe::default(), &data).unwrap();
//! let mut scorer = model.scorer();
//! let heads = scorer.score("we should leave", None).unwrap();
//! assert_eq!(model.heads()[0].labels[heads[0].label], "favor");
//! ```

mod calibrate;
mod file;
mod folds;
pub(crate) mod linear;
mod rng;
mod solver;
mod train;

pub use calibrate::Calibration;
pub use file::{FORMAT_VERSION, MAGIC};
pub use folds::stratified_folds;
pub use linear::{
    ClassWeight, FittedLinear, LinearParams, LinearValidParams, Loss, NbCounts, SparseRecords,
};
pub(crate) use rng::SplitMix64;
pub use train::{train, train_rows, Recipe, TargetMode, TrainingSet};

use crate::features::{Analysis, FittedFeatures, Projector, RowScratch, SparseRow};
use crate::labels::HeadPrediction;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Mutex;

/// A trained multi-head model.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(from = "ModelParts", into = "ModelParts")]
pub struct Model {
    parts: ModelParts,
    target_lookup: HashMap<String, u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ModelParts {
    recipe: Recipe,
    features: FittedFeatures,
    heads: Vec<Head>,
    /// Target column name and its values, when heads are target-aware.
    target: Option<TargetInfo>,
    /// `n_features × n_outputs`, row-major: all outputs of a feature are adjacent.
    weights: Vec<f32>,
    bias: Vec<f32>,
    n_outputs: usize,
    /// Text column the model was trained on (a default for scoring).
    text_column: String,
    n_train: usize,
}

/// Target column of target-aware heads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetInfo {
    pub column: String,
    pub values: Vec<String>,
    pub mode: TargetMode,
}

/// One label column's classifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Head {
    /// The label column's name, used for output columns.
    pub name: String,
    /// Labels in class-index order (sorted).
    pub labels: Vec<String>,
    /// Training examples per label.
    pub support: Vec<usize>,
    groups: Vec<Group>,
    /// Calibration scale applied to scores before they become probabilities (1: none).
    scale: f32,
}

/// A slice of the packed outputs: the shared classifier (`target: None`) or one target's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Group {
    target: Option<u32>,
    offset: u32,
    width: u32,
}

impl From<ModelParts> for Model {
    fn from(parts: ModelParts) -> Self {
        let target_lookup = parts
            .target
            .iter()
            .flat_map(|t| t.values.iter().enumerate())
            .map(|(i, v)| (v.clone(), i as u32))
            .collect();
        Model {
            parts,
            target_lookup,
        }
    }
}

impl From<Model> for ModelParts {
    fn from(m: Model) -> Self {
        m.parts
    }
}

/// Why a paragraph could not be scored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScoreError {
    #[error("the model's heads are target-aware: a value in column '{0}' is needed")]
    MissingTarget(String),
    #[error("target '{target}' was not seen in training (known: {})", known.join(", "))]
    UnknownTarget { target: String, known: Vec<String> },
}

impl Model {
    /// The heads, in training order.
    pub fn heads(&self) -> &[Head] {
        &self.parts.heads
    }

    /// The recipe the model was trained with.
    pub fn recipe(&self) -> &Recipe {
        &self.parts.recipe
    }

    /// The fitted feature extractor.
    pub fn features(&self) -> &FittedFeatures {
        &self.parts.features
    }

    /// Target column information for target-aware models.
    pub fn target(&self) -> Option<&TargetInfo> {
        self.parts.target.as_ref()
    }

    /// Name of the text column used in training.
    pub fn text_column(&self) -> &str {
        &self.parts.text_column
    }

    /// Number of training paragraphs.
    pub fn n_train(&self) -> usize {
        self.parts.n_train
    }

    /// A pool of scorers for parallel scoring: scorers (and their warm caches) are
    /// reused from one parallel job to the next instead of being rebuilt cold.
    ///
    /// ```
    /// # use stance::model::{train, Recipe, TrainingSet};
    /// use rayon::prelude::*;
    /// # let data = TrainingSet::new(
    /// #     ["leave now", "leaving is right", "stay", "staying is right"].map(String::from).to_vec(),
    /// #     vec![("stance".into(), ["favor", "favor", "against", "against"].map(String::from).to_vec())],
    /// #     None,
    /// # ).unwrap();
    /// # let model = train(&Recipe::default(), &data).unwrap();
    /// let pool = model.scorer_pool();
    /// let texts = vec!["we should leave"; 1000];
    /// let labels: Vec<usize> = texts
    ///     .par_iter()
    ///     .map_init(|| pool.get(), |scorer, text| scorer.score(text, None).unwrap()[0].label)
    ///     .collect();
    /// assert_eq!(labels.len(), 1000);
    /// ```
    pub fn scorer_pool(&self) -> ScorerPool<'_> {
        ScorerPool {
            model: self,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// A scorer with its own buffers; make one per thread.
    pub fn scorer(&self) -> Scorer<'_> {
        Scorer {
            model: self,
            analysis: Analysis::default(),
            projector: Projector::new(self.parts.n_outputs),
            scratch: RowScratch::default(),
            row: SparseRow::default(),
            outputs: Vec::new(),
            scores: Vec::new(),
            predictions: vec![HeadPrediction::default(); self.parts.heads.len()],
        }
    }

    /// Checks internal consistency after decoding a file.
    pub(crate) fn is_consistent(&self) -> bool {
        let p = &self.parts;
        p.features.is_consistent()
            && p.features.n_features().checked_mul(p.n_outputs) == Some(p.weights.len())
            && p.bias.len() == p.n_outputs
            && !p.heads.is_empty()
            && p.n_outputs > 0
            && p.weights.iter().chain(&p.bias).all(|w| w.is_finite())
            && p.heads.iter().all(|h| {
                h.scale.is_finite() && h.scale > 0.0 && {
                    // A binary head has one output per group, a k-class head k.
                    let width = if h.labels.len() == 2 {
                        1
                    } else {
                        h.labels.len()
                    };
                    h.labels.len() >= 2
                        && h.groups.iter().all(|g| {
                            g.width as usize == width
                                && g.offset as usize + g.width as usize <= p.n_outputs
                        })
                }
            })
    }

    /// Head `head`'s per-class weights of feature `column` (`None`: the bias) for target
    /// index `t`, summed over the active groups as scoring sums them (binary heads give
    /// `[-w, w]`). Explanations multiply these by feature values.
    pub(crate) fn class_weights(
        &self,
        head: usize,
        column: Option<u32>,
        t: Option<u32>,
        out: &mut Vec<f32>,
    ) {
        let p = &self.parts;
        let n = p.n_outputs;
        let w = match column {
            Some(c) => &p.weights[c as usize * n..(c as usize + 1) * n],
            None => &p.bias[..],
        };
        p.heads[head].class_scores(w, t, out);
    }

    pub(crate) fn target_index(&self, target: Option<&str>) -> Result<Option<u32>, ScoreError> {
        let Some(info) = &self.parts.target else {
            return Ok(None);
        };
        let t = target.ok_or_else(|| ScoreError::MissingTarget(info.column.clone()))?;
        match self.target_lookup.get(t.trim()) {
            Some(&i) => Ok(Some(i)),
            None if info.mode == TargetMode::Crossed => Ok(None),
            None => Err(ScoreError::UnknownTarget {
                target: t.to_string(),
                known: info.values.clone(),
            }),
        }
    }
}

/// Scorers to lend out, see [`Model::scorer_pool`].
pub struct ScorerPool<'m> {
    model: &'m Model,
    idle: Mutex<Vec<Scorer<'m>>>,
}

impl<'m> ScorerPool<'m> {
    /// An idle scorer, or a new one; it returns to the pool when dropped.
    pub fn get(&self) -> PooledScorer<'_, 'm> {
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        PooledScorer {
            scorer: Some(idle.unwrap_or_else(|| self.model.scorer())),
            pool: self,
        }
    }
}

/// A scorer on loan from a [`ScorerPool`].
pub struct PooledScorer<'p, 'm> {
    scorer: Option<Scorer<'m>>,
    pool: &'p ScorerPool<'m>,
}

impl<'m> std::ops::Deref for PooledScorer<'_, 'm> {
    type Target = Scorer<'m>;
    fn deref(&self) -> &Scorer<'m> {
        self.scorer.as_ref().expect("present until dropped")
    }
}

impl<'m> std::ops::DerefMut for PooledScorer<'_, 'm> {
    fn deref_mut(&mut self) -> &mut Scorer<'m> {
        self.scorer.as_mut().expect("present until dropped")
    }
}

impl Drop for PooledScorer<'_, '_> {
    fn drop(&mut self) {
        if let Some(s) = self.scorer.take() {
            self.pool
                .idle
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(s);
        }
    }
}

/// Scores paragraphs with one model, reusing buffers between calls.
pub struct Scorer<'m> {
    model: &'m Model,
    analysis: Analysis,
    projector: Projector,
    scratch: RowScratch,
    row: SparseRow,
    outputs: Vec<f32>,
    scores: Vec<f32>,
    predictions: Vec<HeadPrediction>,
}

impl<'m> Scorer<'m> {
    /// Labels `text` on every head. `target` is the value of the target column for
    /// target-aware models, and ignored otherwise.
    pub fn score(
        &mut self,
        text: &str,
        target: Option<&str>,
    ) -> Result<&[HeadPrediction], ScoreError> {
        self.score_by(text, target, false)
    }

    /// As [`score`](Self::score), but builds the feature row on the way, for
    /// [`last`](Self::last): slower, for explanations.
    pub fn score_with_row(
        &mut self,
        text: &str,
        target: Option<&str>,
    ) -> Result<&[HeadPrediction], ScoreError> {
        self.score_by(text, target, true)
    }

    fn score_by(
        &mut self,
        text: &str,
        target: Option<&str>,
        with_row: bool,
    ) -> Result<&[HeadPrediction], ScoreError> {
        let m = &self.model.parts;
        let t = self.model.target_index(target)?;
        self.outputs.clear();
        self.outputs.extend_from_slice(&m.bias);
        if with_row {
            m.features.spec().analyze(text, &mut self.analysis);
            m.features
                .transform(&self.analysis.keys, &mut self.scratch, &mut self.row);
            let n = m.n_outputs;
            for (&c, &v) in self.row.indices.iter().zip(&self.row.values) {
                let w = &m.weights[c as usize * n..(c as usize + 1) * n];
                for (o, &wo) in self.outputs.iter_mut().zip(w) {
                    *o += wo * v;
                }
            }
        } else {
            let outputs = &mut self.outputs;
            m.features.project_text(
                text,
                &m.weights,
                &mut self.analysis,
                &mut self.projector,
                outputs,
            );
        }
        Ok(self.decide(t))
    }

    fn decide(&mut self, t: Option<u32>) -> &[HeadPrediction] {
        for (head, pred) in self
            .model
            .parts
            .heads
            .iter()
            .zip(self.predictions.iter_mut())
        {
            head.class_scores(&self.outputs, t, &mut self.scores);
            pred.decide(&self.scores, head.scale);
        }
        &self.predictions
    }

    /// The analysis (tokens and keys) and row of the last text scored by
    /// [`score_with_row`](Self::score_with_row).
    pub fn last(&self) -> (&Analysis, &SparseRow) {
        (&self.analysis, &self.row)
    }
}

impl Head {
    /// The calibration scale: probabilities come from `scale · scores` (1 when the model
    /// was trained without `--calibrate`).
    pub fn scale(&self) -> f32 {
        self.scale
    }

    /// Per-class scores for target `t`: the sum of the active groups' outputs.
    fn class_scores(&self, outputs: &[f32], t: Option<u32>, out: &mut Vec<f32>) {
        let k = self.labels.len();
        out.clear();
        out.resize(k, 0.0);
        for g in self.active_groups(t) {
            let o = &outputs[g.offset as usize..(g.offset + g.width) as usize];
            if k == 2 {
                out[0] -= o[0];
                out[1] += o[0];
            } else {
                out.iter_mut().zip(o).for_each(|(s, &v)| *s += v);
            }
        }
    }

    /// Output offsets (and widths) of the groups used for target `t`.
    pub(crate) fn active_groups(&self, t: Option<u32>) -> impl Iterator<Item = &Group> + '_ {
        self.groups
            .iter()
            .filter(move |g| g.target.is_none() || (t.is_some() && g.target == t))
    }
}
