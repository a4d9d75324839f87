//! # stance
//!
//! Labels paragraphs of news and opinion text with sparse linear models: fast to train,
//! fast to score, and honest about how good they are. The pipeline, one module per step:
//!
//! ```text
//! text ──tokenize──▶ tokens ──features──▶ sparse TF-IDF row ──model──▶ scores ──labels──▶ labels
//!                                                                                  └──report──▶ metrics
//! ```
//!
//! - [`tokenize`]: Unicode word segmentation with byte offsets, and normalising filters.
//! - [`features`]: word and character n-grams, target-aware features, TF-IDF, vocabulary or hashing.
//! - [`model`]: multi-head linear classifiers (a linfa estimator over sparse records), training, model files.
//! - [`labels`]: scores to probabilities and labels.
//! - [`report`]: confusion matrices, per-class and macro metrics, cross-validation folds.
//! - [`io`]: CSV/TSV/JSON Lines/plain-text records in, scored records out, atomic writes.
//!
//! ```
//! use stance::model::{train, Recipe, TrainingSet};
//! let data = TrainingSet::new(
//!     ["good call", "right call", "bad call", "awful call"].iter().map(|s| s.to_string()).collect(),
//!     vec![("verdict".into(), ["pos", "pos", "neg", "neg"].iter().map(|s| s.to_string()).collect())],
//!     None,
//! ).unwrap();
//! let model = train(&Recipe::default(), &data).unwrap();
//! let mut scorer = model.scorer();
//! let p = &scorer.score("a good call", None).unwrap()[0];
//! assert_eq!(model.heads()[0].labels[p.label], "pos");
//! ```

pub mod error;
pub mod explain;
pub mod features;
pub mod io;
pub mod labels;
pub mod model;
pub mod report;
pub mod tokenize;

pub use error::{Error, Result};
pub use model::Model;

/// The shipped default model, embedded in the binary at build time.
pub fn default_model() -> Result<Model> {
    static BYTES: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/default.stance"));
    if BYTES.is_empty() {
        return Err(Error::Settings(
            "this build has no default model (models/default.stance was missing at build time); pass --model".into(),
        ));
    }
    Model::from_bytes(BYTES, std::path::Path::new("<built-in default model>"))
}
