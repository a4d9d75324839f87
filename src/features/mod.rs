//! Tokens → sparse feature rows. A [`FeatureSpec`] says which n-grams to extract; fitting
//! it on training texts gives [`FittedFeatures`] (a vocabulary or a hashing index, and idf
//! weights), which turns any text into a TF-IDF [`SparseRow`]. The fitted extractor is
//! saved inside the model, so scoring sees the features training saw; scoring itself
//! multiplies them by the weights without building the row ([`Projector`]).
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
mod project;
mod table;
mod target;
mod vocab;
mod weighting;

pub use hashing::Hashing;
pub use ngrams::{Block, NgramRange};
pub use project::Projector;
pub use target::TargetTerms;
pub use vocab::Vocabulary;
pub use weighting::{l2_normalize, smooth_idf, TermWeight};

use crate::tokenize::{TokenStream, Tokenizer};
use ngrams::NgramScratch;
use serde::{Deserialize, Serialize};
use table::{ColumnCounter, KeyTable};
use vocab::KeyMap;

/// Feature extraction settings.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `tokenizer` | ASCII quotes, lower-case, number shapes | normalisation filters | any chain |
/// | `word_ngrams` | `1-3` | word n-gram lengths | `0` (off) or `1 <= min <= max <= 8` |
/// | `char_ngrams` | `3-5` | character n-grams inside word boundaries | as above |
/// | `word_min_df` | `1` | keep word n-grams seen in at least this many training texts | `>= 1` |
/// | `char_min_df` | `2` | the same for character n-grams | `>= 1` |
/// | `term_weight` | `Sublinear` | `1 + ln tf`, raw `tf`, or binary | |
/// | `hash_bits` | `None` (fitted vocabulary) | hash into `2^bits` columns per block instead | `8..=20` |
/// | `target_terms` | `None` | words/phrases denoting the stance target: adds a target block | |
/// | `voice` | `false` | adds n-grams of the writer's own voice (outside quotation marks) | |
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
    /// Add the writer's-voice block (n-grams outside quotation marks).
    pub voice: bool,
}

impl Default for FeatureSpec {
    fn default() -> Self {
        FeatureSpec {
            tokenizer: Tokenizer::default(),
            word_ngrams: NgramRange::new(1, 3),
            char_ngrams: NgramRange::new(3, 5),
            word_min_df: 1,
            char_min_df: 2,
            term_weight: TermWeight::Sublinear,
            hash_bits: None,
            target_terms: None,
            voice: false,
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
    /// Where the character block starts (or would start) in `keys`.
    split: usize,
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

    /// Tokenizes `text` and fills `analysis.keys` with its feature keys (with repeats), in
    /// block order: word, char, target, voice.
    pub fn analyze(&self, text: &str, analysis: &mut Analysis) {
        self.analyze_blocks(text, analysis, true);
    }

    /// As [`analyze`](Self::analyze); without `per_token`, the keys that depend on one
    /// token alone (its word unigram and character n-grams) are left out, and
    /// `analysis.split` marks where the character block would stand: the scorer resolves
    /// them per distinct token, through its cache.
    fn analyze_blocks(&self, text: &str, analysis: &mut Analysis, per_token: bool) {
        let Analysis {
            tokens,
            scratch,
            hashes,
            keys,
            split,
        } = analysis;
        keys.clear();
        self.tokenizer.tokenize_into(text, tokens);
        let words = match self.word_ngrams {
            w if per_token || w.min > 1 => w,
            w if w.max > 1 => NgramRange::new(2, w.max),
            _ => NgramRange::OFF,
        };
        ngrams::word_ngrams(tokens, 0..tokens.len(), words, Block::Word, scratch, keys);
        *split = keys.len();
        if per_token {
            ngrams::char_ngrams(tokens, self.char_ngrams, scratch, keys);
        }
        if let Some(terms) = &self.target_terms {
            let range = NgramRange::new(1, self.word_ngrams.max.clamp(1, 2));
            terms.features(tokens, range, scratch, hashes, keys);
        }
        if self.voice {
            ngrams::voice_ngrams(tokens, keys);
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
        let col_df: Vec<u32> = match &index {
            FeatureIndex::Vocabulary(v) => (0..v.len() as u32).map(|c| df[&v.key(c)]).collect(),
            FeatureIndex::Hashing(h) => {
                let mut col_df = vec![0u32; h.len()];
                for (&k, &n) in &df {
                    col_df[h.column(k) as usize] += n;
                }
                col_df
            }
        };
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
    /// Derived at load: key → (column, idf) for a vocabulary index.
    table: Option<KeyTable>,
    /// First column of each block (blocks are contiguous), and the end.
    block_starts: [u32; 5],
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
        match &p.index {
            FeatureIndex::Hashing(h) => {
                Hashing::new(h.bits())?;
            }
            FeatureIndex::Vocabulary(v) if !v.is_sorted() => {
                return Err("vocabulary keys are not in order".into());
            }
            FeatureIndex::Vocabulary(_) => {}
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
    counter: ColumnCounter,
    tf: Vec<u32>,
    starts: Vec<usize>,
}

impl FittedFeatures {
    fn new(spec: FeatureSpec, index: FeatureIndex, idf: Vec<f32>) -> Self {
        let n = index.len() as u32;
        let start_of = |b: Block| (0..n).find(|&c| index.block_of_column(c) >= b).unwrap_or(n);
        let block_starts = match &index {
            FeatureIndex::Hashing(_) => [0, 1, 2, 3, 4].map(|b| (b * n) / 4),
            FeatureIndex::Vocabulary(_) => [
                0,
                start_of(Block::Char),
                start_of(Block::Target),
                start_of(Block::Voice),
                n,
            ],
        };
        let table = match &index {
            FeatureIndex::Vocabulary(v) if idf.len() == v.len() => Some(KeyTable::build(
                v.len(),
                (0..v.len() as u32).map(|c| (v.key(c), c, idf[c as usize])),
            )),
            _ => None,
        };
        FittedFeatures {
            spec,
            index,
            idf,
            table,
            block_starts,
        }
    }

    #[inline]
    fn block_of(&self, col: u32) -> usize {
        (col >= self.block_starts[1]) as usize
            + (col >= self.block_starts[2]) as usize
            + (col >= self.block_starts[3]) as usize
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
        scratch.counter.reset(keys.len().min(self.idf.len()));
        scratch.tf.clear();
        self.add_keys(keys, scratch, row);
        self.finish_row(scratch, row);
    }

    /// The (column, idf) of every known key, in order. Every probe is started (with a
    /// prefetch) before any is resolved, so their cache misses overlap.
    fn lookup_all(&self, keys: &[u64], starts: &mut Vec<usize>, out: &mut Vec<(u32, f32)>) {
        match &self.table {
            Some(t) => {
                starts.clear();
                starts.extend(keys.iter().map(|&k| t.start(k)));
                out.extend(
                    keys.iter()
                        .zip(starts.iter())
                        .filter_map(|(&k, &s)| t.get_from(k, s)),
                );
            }
            None => out.extend(
                keys.iter()
                    .filter_map(|&k| self.index.column(k).map(|c| (c, self.idf[c as usize]))),
            ),
        }
    }

    fn add_keys(&self, keys: &[u64], scratch: &mut RowScratch, row: &mut SparseRow) {
        // Start every probe first (with prefetches), then resolve them.
        if let Some(t) = &self.table {
            scratch.starts.clear();
            scratch.starts.extend(keys.iter().map(|&k| t.start(k)));
        }
        for (i, &k) in keys.iter().enumerate() {
            let found = match &self.table {
                Some(t) => t.get_from(k, scratch.starts[i]),
                None => self.index.column(k).map(|c| (c, self.idf[c as usize])),
            };
            if let Some((c, idf)) = found {
                self.add_column(c, idf, scratch, row);
            }
        }
    }

    #[inline]
    fn add_column(&self, c: u32, idf: f32, scratch: &mut RowScratch, row: &mut SparseRow) {
        match scratch
            .counter
            .position_or_insert(c, row.indices.len() as u32)
        {
            Some(pos) => scratch.tf[pos as usize] += 1,
            None => {
                row.indices.push(c);
                row.values.push(idf);
                scratch.tf.push(1);
            }
        }
    }

    fn finish_row(&self, scratch: &RowScratch, row: &mut SparseRow) {
        let mut norms = [0f32; 4];
        let weight = self.spec.term_weight;
        for ((v, &c), &n) in row
            .values
            .iter_mut()
            .zip(&row.indices)
            .zip(scratch.tf.iter())
        {
            if n > 1 {
                *v *= weight.apply(n);
            }
            norms[self.block_of(c)] += *v * *v;
        }
        let inv = norms.map(|n| if n > 0.0 { 1.0 / n.sqrt() } else { 0.0 });
        for (v, &c) in row.values.iter_mut().zip(&row.indices) {
            *v *= inv[self.block_of(c)];
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
        // Column lookups search the keys, so they must be in order.
        let parts = FittedParts {
            spec: FeatureSpec::default(),
            index: FeatureIndex::Vocabulary(Vocabulary::from(vec![3, 2, 1])),
            idf: vec![1.0; 3],
        };
        let err = FittedFeatures::try_from(parts).unwrap_err();
        assert_eq!(err, "vocabulary keys are not in order");
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
                .filter(|(&c, _)| fitted.block_of(c) == block as usize)
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
        assert_eq!(fitted.n_features(), 4 << 10);
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
