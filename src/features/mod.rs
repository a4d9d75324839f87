//! Tokens → sparse feature rows. A [`FeatureSpec`] says which n-grams to extract; fitting
//! it on training texts gives [`FittedFeatures`] (a vocabulary or a hashing index, and idf
//! weights), which turns any text into a TF-IDF [`SparseRow`]. The fitted extractor is
//! saved inside the model, so scoring computes exactly what training computed.
//!
//! ```
//! use stance::features::FeatureSpec;
//! let spec = FeatureSpec::default();
//! let docs = ["the withdrawal was right", "the withdrawal was a disaster"];
//! let fitted = spec.fit_texts(docs.iter().copied());
//! let row = fitted.transform_text("was it right?");
//! assert!(!row.indices.is_empty());
//! ```

mod hashing;
pub(crate) mod ngrams;
mod target;
mod vocab;
mod weighting;

pub use hashing::Hashing;
pub use ngrams::{Block, NgramRange};
pub use target::TargetTerms;
pub use vocab::Vocabulary;
pub use weighting::{l2_normalize, smooth_idf, TermWeight};

use crate::tokenize::{TokenStream, Tokenizer};
use ngrams::NgramScratch;
use serde::{Deserialize, Serialize};
use vocab::KeyMap;

/// Feature extraction settings.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `tokenizer` | ASCII quotes, lower-case, number shapes | normalisation filters | any chain |
/// | `word_ngrams` | `1-3` | word n-gram lengths | `0` (off) or `1 <= min <= max <= 8` |
/// | `char_ngrams` | `2-5` | character n-grams inside word boundaries | as above |
/// | `word_min_df` | `1` | keep word n-grams seen in at least this many training texts | `>= 1` |
/// | `char_min_df` | `2` | the same for character n-grams | `>= 1` |
/// | `term_weight` | `Sublinear` | `1 + ln tf`, raw `tf`, or binary | |
/// | `hash_bits` | `None` (fitted vocabulary) | hash into `2^bits` columns per block instead | `8..=20` |
/// | `target_terms` | `None` | words/phrases denoting the stance target: adds a target block | |
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureSpec {
    pub tokenizer: Tokenizer,
    pub word_ngrams: NgramRange,
    pub char_ngrams: NgramRange,
    pub word_min_df: u32,
    pub char_min_df: u32,
    pub term_weight: TermWeight,
    pub hash_bits: Option<u8>,
    pub target_terms: Option<TargetTerms>,
}

impl Default for FeatureSpec {
    fn default() -> Self {
        FeatureSpec {
            tokenizer: Tokenizer::default(),
            word_ngrams: NgramRange::new(1, 3),
            char_ngrams: NgramRange::new(2, 5),
            word_min_df: 1,
            char_min_df: 2,
            term_weight: TermWeight::Sublinear,
            hash_bits: None,
            target_terms: None,
        }
    }
}

/// Reusable buffers for turning one text into feature keys.
#[derive(Debug, Default)]
pub struct Analysis {
    pub(crate) tokens: TokenStream,
    scratch: NgramScratch,
    hashes: Vec<u64>,
    /// The feature keys of the last analysed text.
    pub keys: Vec<u64>,
}

impl Analysis {
    /// The tokens of the last analysed text.
    pub fn tokens(&self) -> &TokenStream {
        &self.tokens
    }
}

impl FeatureSpec {
    /// Checks the settings.
    pub fn validate(&self) -> Result<(), String> {
        if self.word_ngrams.is_off() && self.char_ngrams.is_off() && self.target_terms.is_none() {
            return Err("no features: word and char n-grams are both off".into());
        }
        if self.word_min_df == 0 || self.char_min_df == 0 {
            return Err("--word-min-df and --char-min-df must be at least 1".into());
        }
        if let Some(bits) = self.hash_bits {
            Hashing::new(bits)?;
        }
        Ok(())
    }

    /// Tokenizes `text` and fills `analysis.keys` with its feature keys (with repeats).
    pub fn analyze(&self, text: &str, analysis: &mut Analysis) {
        let Analysis {
            tokens,
            scratch,
            hashes,
            keys,
        } = analysis;
        keys.clear();
        self.tokenizer.tokenize_into(text, tokens);
        ngrams::word_ngrams(
            tokens,
            0..tokens.len(),
            self.word_ngrams,
            Block::Word,
            scratch,
            keys,
        );
        ngrams::char_ngrams(tokens, self.char_ngrams, scratch, keys);
        if let Some(terms) = &self.target_terms {
            let range = NgramRange::new(1, self.word_ngrams.max.clamp(1, 2));
            terms.features(tokens, range, scratch, hashes, keys);
        }
    }

    /// Feature keys of every text (deduplicated within each text).
    pub fn keys_of<'a>(&self, texts: impl Iterator<Item = &'a str>) -> Vec<Vec<u64>> {
        let mut analysis = Analysis::default();
        texts
            .map(|t| {
                self.analyze(t, &mut analysis);
                analysis.keys.clone()
            })
            .collect()
    }

    /// Fits the index and idf weights on the keys of the training texts.
    pub fn fit(&self, docs: &[&[u64]]) -> FittedFeatures {
        let mut df: KeyMap<u32> = KeyMap::default();
        let mut seen: KeyMap<()> = KeyMap::default();
        for keys in docs {
            seen.clear();
            for &k in keys.iter() {
                if seen.insert(k, ()).is_none() {
                    *df.entry(k).or_insert(0) += 1;
                }
            }
        }
        let index = match self.hash_bits {
            Some(bits) => FeatureIndex::Hashing(Hashing::new(bits).expect("validated bits")),
            None => FeatureIndex::Vocabulary(Vocabulary::fit(&df, |b| match b {
                Block::Char => self.char_min_df,
                _ => self.word_min_df,
            })),
        };
        let mut col_df = vec![0u32; index.len()];
        for (&k, &n) in &df {
            if let Some(c) = index.column(k) {
                col_df[c as usize] += n;
            }
        }
        let idf = col_df.iter().map(|&d| smooth_idf(docs.len(), d)).collect();
        FittedFeatures::new(self.clone(), index, idf)
    }

    /// Convenience: analyse and fit in one step.
    pub fn fit_texts<'a>(&self, texts: impl Iterator<Item = &'a str>) -> FittedFeatures {
        let keys = self.keys_of(texts);
        let refs: Vec<&[u64]> = keys.iter().map(|k| k.as_slice()).collect();
        self.fit(&refs)
    }
}

/// Maps feature keys to columns.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum FeatureIndex {
    Vocabulary(Vocabulary),
    Hashing(Hashing),
}

impl FeatureIndex {
    #[inline]
    fn column(&self, key: u64) -> Option<u32> {
        match self {
            FeatureIndex::Vocabulary(v) => v.column(key),
            FeatureIndex::Hashing(h) => Some(h.column(key)),
        }
    }

    fn len(&self) -> usize {
        match self {
            FeatureIndex::Vocabulary(v) => v.len(),
            FeatureIndex::Hashing(h) => h.len(),
        }
    }

    fn block_of_column(&self, column: u32) -> Block {
        match self {
            FeatureIndex::Vocabulary(v) => Block::of(v.key(column)),
            FeatureIndex::Hashing(h) => h.block_of_column(column),
        }
    }
}

/// One document's features: column indices and weights (each block unit length).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SparseRow {
    pub indices: Vec<u32>,
    pub values: Vec<f32>,
}

impl SparseRow {
    pub fn clear(&mut self) {
        self.indices.clear();
        self.values.clear();
    }
}

/// A fitted feature extractor.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "FittedParts", into = "FittedParts")]
pub struct FittedFeatures {
    spec: FeatureSpec,
    index: FeatureIndex,
    idf: Vec<f32>,
    /// Block of each column, precomputed for normalisation.
    blocks: Vec<u8>,
}

#[derive(Serialize, Deserialize)]
struct FittedParts {
    spec: FeatureSpec,
    index: FeatureIndex,
    idf: Vec<f32>,
}

impl TryFrom<FittedParts> for FittedFeatures {
    type Error = String;

    /// Checks what a damaged or crafted model file could get wrong before building the
    /// per-column tables from it.
    fn try_from(p: FittedParts) -> Result<Self, String> {
        if let FeatureIndex::Hashing(h) = &p.index {
            Hashing::new(h.bits())?;
        }
        if p.index.len() != p.idf.len() {
            return Err(format!(
                "{} feature columns but {} idf weights",
                p.index.len(),
                p.idf.len()
            ));
        }
        Ok(FittedFeatures::new(p.spec, p.index, p.idf))
    }
}

impl From<FittedFeatures> for FittedParts {
    fn from(f: FittedFeatures) -> Self {
        FittedParts {
            spec: f.spec,
            index: f.index,
            idf: f.idf,
        }
    }
}

/// Per-thread workspace for [`FittedFeatures::transform`].
#[derive(Debug, Default)]
pub struct RowScratch {
    counts: Vec<u32>,
    touched: Vec<u32>,
}

impl FittedFeatures {
    fn new(spec: FeatureSpec, index: FeatureIndex, idf: Vec<f32>) -> Self {
        let blocks = (0..index.len() as u32)
            .map(|c| index.block_of_column(c) as u8)
            .collect();
        FittedFeatures {
            spec,
            index,
            idf,
            blocks,
        }
    }

    pub fn spec(&self) -> &FeatureSpec {
        &self.spec
    }

    /// Number of columns.
    pub fn n_features(&self) -> usize {
        self.idf.len()
    }

    /// True when the index can be checked for consistency with `idf` (used after loading).
    pub(crate) fn is_consistent(&self) -> bool {
        self.index.len() == self.idf.len()
    }

    /// Column of a feature key, if the index knows it.
    pub fn column(&self, key: u64) -> Option<u32> {
        self.index.column(key)
    }

    /// Builds the TF-IDF row of a document from its keys. Columns come in first-seen
    /// order (deterministic); each block is L2-normalised on its own.
    pub fn transform(&self, keys: &[u64], scratch: &mut RowScratch, row: &mut SparseRow) {
        row.clear();
        let RowScratch { counts, touched } = scratch;
        if counts.len() != self.idf.len() {
            *counts = vec![0; self.idf.len()];
        }
        touched.clear();
        for &k in keys {
            if let Some(c) = self.index.column(k) {
                let slot = &mut counts[c as usize];
                if *slot == 0 {
                    touched.push(c);
                }
                *slot += 1;
            }
        }
        let mut norms = [0f32; 3];
        for &c in touched.iter() {
            let tf = std::mem::take(&mut counts[c as usize]);
            let v = self.spec.term_weight.apply(tf) * self.idf[c as usize];
            norms[self.blocks[c as usize] as usize] += v * v;
            row.indices.push(c);
            row.values.push(v);
        }
        let inv = norms.map(|n| if n > 0.0 { 1.0 / n.sqrt() } else { 0.0 });
        for (v, &c) in row.values.iter_mut().zip(&row.indices) {
            *v *= inv[self.blocks[c as usize] as usize];
        }
    }

    /// Convenience: analyse and transform one text.
    pub fn transform_text(&self, text: &str) -> SparseRow {
        let mut analysis = Analysis::default();
        self.spec.analyze(text, &mut analysis);
        let mut row = SparseRow::default();
        self.transform(&analysis.keys, &mut RowScratch::default(), &mut row);
        row
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_refuses_hash_bits_out_of_range_and_mismatched_idf() {
        // What a damaged model file could hold: the decoder must refuse it before
        // sizing tables by 2^bits.
        let hashing: Hashing = postcard::from_bytes(&[60]).unwrap();
        let parts = FittedParts {
            spec: FeatureSpec::default(),
            index: FeatureIndex::Hashing(hashing),
            idf: vec![],
        };
        assert!(FittedFeatures::try_from(parts).is_err());
        let parts = FittedParts {
            spec: FeatureSpec::default(),
            index: FeatureIndex::Vocabulary(Vocabulary::from(vec![1, 2, 3])),
            idf: vec![1.0],
        };
        let err = FittedFeatures::try_from(parts).unwrap_err();
        assert_eq!(err, "3 feature columns but 1 idf weights");
    }

    #[test]
    fn each_block_has_unit_norm() {
        let fitted = FeatureSpec::default().fit_texts(["a b a c", "b c d"].into_iter());
        let row = fitted.transform_text("a b a");
        for block in [Block::Word, Block::Char] {
            let sq: f32 = row
                .indices
                .iter()
                .zip(&row.values)
                .filter(|(&c, _)| fitted.blocks[c as usize] == block as u8)
                .map(|(_, v)| v * v)
                .sum();
            assert!((sq - 1.0).abs() < 1e-5, "{block:?} norm² {sq}");
        }
    }

    #[test]
    fn unseen_words_are_dropped() {
        let spec = FeatureSpec {
            char_ngrams: NgramRange::OFF,
            ..FeatureSpec::default()
        };
        let fitted = spec.fit_texts(["alpha beta"].into_iter());
        assert!(fitted.transform_text("gamma delta").indices.is_empty());
    }

    #[test]
    fn tfidf_matches_sklearn_on_a_fixture() {
        // sklearn 1.x: TfidfVectorizer(analyzer='word', ngram_range=(1,1), sublinear_tf=True,
        // token_pattern=r"(?u)\b\w+\b").fit(["a b", "a c"]).transform(["a a b"]) gives
        // a = 0.76944707, b = 0.63871058 (scikit-learn 1.9.1, run for this test).
        let spec = FeatureSpec {
            char_ngrams: NgramRange::OFF,
            word_ngrams: NgramRange::new(1, 1),
            ..FeatureSpec::default()
        };
        let fitted = spec.fit_texts(["a b", "a c"].into_iter());
        let row = fitted.transform_text("a a b");
        let mut vals = row.values.clone();
        vals.sort_by(f32::total_cmp);
        assert!(
            (vals[0] - 0.638_710_6).abs() < 1e-6 && (vals[1] - 0.769_447_1).abs() < 1e-6,
            "{vals:?}"
        );
    }

    #[test]
    fn hashing_needs_no_vocabulary() {
        let spec = FeatureSpec {
            hash_bits: Some(10),
            ..FeatureSpec::default()
        };
        let fitted = spec.fit_texts(["alpha"].into_iter());
        assert_eq!(fitted.n_features(), 3 << 10);
        assert!(!fitted.transform_text("never seen").indices.is_empty());
    }

    #[test]
    fn same_text_gives_same_row() {
        let fitted = FeatureSpec::default().fit_texts(["x y z", "y z w"].into_iter());
        assert_eq!(
            fitted.transform_text("z y x"),
            fitted.transform_text("z y x")
        );
    }
}
