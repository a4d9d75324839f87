//! The model file: self-describing, versioned and checksummed.
//!
//! ```text
//! magic        8 bytes  \x89STANCE\n   (the high byte and newline catch text-mode mangling)
//! version      u32 LE   FORMAT_VERSION
//! header_len   u32 LE
//! header       JSON     settings, heads, labels, training summary: readable with `stance inspect`
//! body_len     u64 LE
//! body         postcard the model itself (features, vocabulary, idf, weights)
//! checksum     u64 LE   xxh3-64 of every byte before it
//! ```
//! Nothing in it depends on time or machine, so the same data and seed give the same bytes.

use super::Model;
use crate::error::{Error, ModelProblem, Result};
use crate::io::AtomicFile;
use serde_json::json;
use std::io::Write;
use std::path::Path;
use xxhash_rust::xxh3::xxh3_64;

/// First bytes of every model file.
pub const MAGIC: &[u8; 8] = b"\x89STANCE\n";
/// The format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 3;

impl Model {
    /// Human-readable summary stored in the file header.
    pub fn summary(&self) -> serde_json::Value {
        let p = &self.parts;
        json!({
            "format_version": FORMAT_VERSION,
            "created_by": concat!("stance ", env!("CARGO_PKG_VERSION")),
            "text_column": p.text_column,
            "n_train": p.n_train,
            "n_features": p.features.n_features(),
            "heads": p.heads.iter().map(|h| json!({
                "name": h.name,
                "labels": h.labels,
                "support": h.support,
                "calibration_scale": h.scale,
            })).collect::<Vec<_>>(),
            "target": p.target,
            "recipe": {
                "loss": p.recipe.loss,
                "c": p.recipe.c,
                "class_weight": p.recipe.class_weight,
                "tol": p.recipe.tol,
                "max_iter": p.recipe.max_iter,
                "seed": p.recipe.seed,
                "target_mode": p.recipe.target_mode,
                "nb_alpha": p.recipe.nb_alpha,
                "nb_mix": p.recipe.nb_mix,
                "nb_counts": p.recipe.nb_counts,
                "label_weights": p.recipe.label_weights,
                "calibrate": p.recipe.calibrate,
                "tokenizer": p.recipe.features.tokenizer.filters(),
                "word_ngrams": p.recipe.features.word_ngrams.to_string(),
                "char_ngrams": p.recipe.features.char_ngrams.to_string(),
                "word_min_df": p.recipe.features.word_min_df,
                "char_min_df": p.recipe.features.char_min_df,
                "term_weight": p.recipe.features.term_weight,
                "hash_bits": p.recipe.features.hash_bits,
                "target_terms": p.recipe.features.target_terms.as_ref().map(|t| t.terms()),
                "voice": p.recipe.features.voice,
            },
        })
    }

    /// Serialises the model to bytes (deterministic).
    pub fn to_bytes(&self) -> Vec<u8> {
        let header = serde_json::to_vec(&self.summary()).expect("summary serialises");
        let body = postcard::to_stdvec(&self.parts).expect("model serialises");
        let mut out = Vec::with_capacity(32 + header.len() + body.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(header.len() as u32).to_le_bytes());
        out.extend_from_slice(&header);
        out.extend_from_slice(&(body.len() as u64).to_le_bytes());
        out.extend_from_slice(&body);
        let sum = xxh3_64(&out);
        out.extend_from_slice(&sum.to_le_bytes());
        out
    }

    /// Parses model bytes; `path` only names the source in errors.
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Model> {
        let bad = |problem| Error::BadModel {
            path: path.to_path_buf(),
            problem,
        };
        let n = bytes.len() as u64;
        let prefix = &bytes[..bytes.len().min(MAGIC.len())];
        if prefix != &MAGIC[..prefix.len()] {
            return Err(bad(ModelProblem::NotAModel));
        }
        let truncated = |expected: u64| bad(ModelProblem::Truncated { found: n, expected });
        if bytes.len() < 16 {
            return Err(truncated(16));
        }
        let version = u32::from_le_bytes(bytes[8..12].try_into().unwrap());
        if version != FORMAT_VERSION {
            return Err(bad(ModelProblem::UnsupportedVersion {
                found: version,
                supported: FORMAT_VERSION,
            }));
        }
        let header_len = u32::from_le_bytes(bytes[12..16].try_into().unwrap()) as u64;
        let body_at = 16 + header_len + 8;
        if n < body_at {
            return Err(truncated(body_at + 8));
        }
        let body_len = u64::from_le_bytes(
            bytes[(body_at - 8) as usize..body_at as usize]
                .try_into()
                .unwrap(),
        );
        let total = body_at.saturating_add(body_len).saturating_add(8);
        if n < total {
            return Err(truncated(total));
        }
        if n > total {
            return Err(bad(ModelProblem::Decode(format!(
                "{} unexpected bytes after the end",
                n - total
            ))));
        }
        let end = (total - 8) as usize;
        let stored = u64::from_le_bytes(bytes[end..].try_into().unwrap());
        if xxh3_64(&bytes[..end]) != stored {
            return Err(bad(ModelProblem::Corrupted));
        }
        let model: Model = postcard::from_bytes(&bytes[body_at as usize..end])
            .map_err(|e| {
                bad(ModelProblem::Decode(format!(
                    "{e}; it may come from another build of stance with the same format version: retrain it"
                )))
            })?;
        if !model.is_consistent() {
            return Err(bad(ModelProblem::Decode("inconsistent model sizes".into())));
        }
        Ok(model)
    }

    /// Writes the model atomically: a reader never sees a half-written file.
    pub fn save(&self, path: &Path) -> Result<()> {
        let mut file = AtomicFile::create(path)?;
        file.write_all(&self.to_bytes())
            .map_err(|e| Error::io(path, e))?;
        file.commit()
    }

    /// Reads a model file.
    pub fn load(path: &Path) -> Result<Model> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Model::from_bytes(&bytes, path)
    }

    /// Reads only the JSON header of a model file.
    pub fn read_summary(path: &Path) -> Result<serde_json::Value> {
        let model = Model::load(path)?;
        Ok(model.summary())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{train, Recipe, TrainingSet};

    fn model() -> Model {
        let data = TrainingSet::new(
            ["yes good", "good yes", "bad no", "no bad"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            vec![(
                "h".into(),
                ["p", "p", "n", "n"].iter().map(|s| s.to_string()).collect(),
            )],
            None,
        )
        .unwrap();
        train(&Recipe::default(), &data).unwrap()
    }

    fn problem(bytes: &[u8]) -> ModelProblem {
        match Model::from_bytes(bytes, Path::new("m")).unwrap_err() {
            Error::BadModel { problem, .. } => problem,
            e => panic!("unexpected {e}"),
        }
    }

    #[test]
    fn round_trips_bit_for_bit() {
        let bytes = model().to_bytes();
        let again = Model::from_bytes(&bytes, Path::new("m"))
            .unwrap()
            .to_bytes();
        assert_eq!(bytes, again);
    }

    #[test]
    fn refuses_a_foreign_file() {
        assert_eq!(problem(b"id,text\n1,hello\n"), ModelProblem::NotAModel);
    }

    #[test]
    fn refuses_a_truncated_file() {
        let bytes = model().to_bytes();
        for cut in [4, 20, bytes.len() / 2, bytes.len() - 1] {
            assert!(
                matches!(problem(&bytes[..cut]), ModelProblem::Truncated { .. }),
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn refuses_a_corrupted_file() {
        let mut bytes = model().to_bytes();
        let mid = bytes.len() - 20;
        bytes[mid] ^= 0x40;
        assert_eq!(problem(&bytes), ModelProblem::Corrupted);
    }

    /// Bytes of `model` after `damage`, with a valid checksum: what a crafted or buggy
    /// writer could produce.
    fn damaged(damage: impl FnOnce(&mut Model)) -> ModelProblem {
        let mut m = model();
        damage(&mut m);
        problem(&m.to_bytes())
    }

    #[test]
    fn refuses_non_finite_weights_behind_a_valid_checksum() {
        let p = damaged(|m| m.parts.weights[0] = f32::NAN);
        assert!(matches!(p, ModelProblem::Decode(_)), "{p:?}");
        let p = damaged(|m| m.parts.bias[0] = f32::INFINITY);
        assert!(matches!(p, ModelProblem::Decode(_)), "{p:?}");
    }

    #[test]
    fn refuses_head_groups_that_do_not_fit_the_outputs() {
        // A zero-width group would make scoring index past its outputs.
        let p = damaged(|m| m.parts.heads[0].groups[0].width = 0);
        assert!(matches!(p, ModelProblem::Decode(_)), "{p:?}");
        // offset + width overflowing u32 must not wrap around the bounds check.
        let p = damaged(|m| m.parts.heads[0].groups[0].offset = u32::MAX);
        assert!(matches!(p, ModelProblem::Decode(_)), "{p:?}");
    }

    #[test]
    fn refuses_an_output_count_whose_weight_size_overflows() {
        // Found by fuzzing: features × outputs overflowed before it was compared.
        let p = damaged(|m| m.parts.n_outputs = usize::MAX);
        assert!(matches!(p, ModelProblem::Decode(_)), "{p:?}");
    }

    #[test]
    fn refuses_a_model_without_heads() {
        // Nothing to score with, and no outputs to index.
        let p = damaged(|m| {
            m.parts.heads.clear();
            m.parts.n_outputs = 0;
            m.parts.weights.clear();
            m.parts.bias.clear();
        });
        assert!(matches!(p, ModelProblem::Decode(_)), "{p:?}");
    }

    #[test]
    fn refuses_a_newer_format_version() {
        let mut bytes = model().to_bytes();
        bytes[8..12].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
        assert_eq!(
            problem(&bytes),
            ModelProblem::UnsupportedVersion {
                found: FORMAT_VERSION + 1,
                supported: FORMAT_VERSION
            }
        );
    }
}
