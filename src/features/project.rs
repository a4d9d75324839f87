//! Text → `Wᵀ·x` without building `x`. Scoring needs only the product of a text's TF-IDF
//! row with the model's weights, so the scorer never materialises the row: each occurrence
//! of a column adds its increment `(g(tf) − g(tf − 1))·idf·w` to its block's sums, each
//! block's squared norm grows alongside, and the norms divide the sums at the end. This
//! drops the row, its normalisation pass and most weight gathers: a token's character
//! n-grams come from a per-thread cache that keeps their weights next to their columns.

use super::ngrams::{self, token_hash};
use super::table::{prefetch, ColumnCounter};
use super::{Analysis, FittedFeatures, TermWeight};

/// Per-thread workspace of [`FittedFeatures::project_text`], made for one weight matrix
/// width (`n_outputs`).
#[derive(Debug)]
pub struct Projector {
    n: usize,
    counter: ColumnCounter,
    tf: Vec<u32>,
    starts: Vec<usize>,
    found: Vec<(u32, f32)>,
    /// Each token's cache key and slot.
    slots: Vec<(u64, usize)>,
    /// Per block (word, char, target, voice): the running `Σ g·idf·w` and `Σ (g·idf)²`.
    sums: Vec<f32>,
    norms: [f32; 4],
    cache: TokenCache,
}

impl Projector {
    /// A workspace for weight matrices with `n_outputs` weights per column.
    pub fn new(n_outputs: usize) -> Self {
        Projector {
            n: n_outputs,
            counter: ColumnCounter::default(),
            tf: Vec::new(),
            starts: Vec::new(),
            found: Vec::new(),
            slots: Vec::new(),
            sums: vec![0.0; 4 * n_outputs],
            norms: [0.0; 4],
            cache: TokenCache::new(n_outputs),
        }
    }

    /// Counts one occurrence of column `c` of `block`, with weights `w` (scaled by `idf`).
    #[inline(always)]
    fn add<W: Weight>(&mut self, weight: TermWeight, block: usize, c: u32, idf: f32, w: &[W]) {
        let pos = self.counter.position_or_insert(c, self.tf.len() as u32);
        // The change of g(tf): 1 for a first occurrence, whatever the weighting.
        let (step, sq_step) = match pos {
            None => {
                self.tf.push(1);
                (1.0, 1.0)
            }
            Some(p) => {
                let tf = &mut self.tf[p as usize];
                *tf += 1;
                let (g0, g1) = (weight.apply(*tf - 1), weight.apply(*tf));
                if g1 == g0 {
                    return;
                }
                (g1 - g0, g1 * g1 - g0 * g0)
            }
        };
        self.norms[block] += idf * idf * sq_step;
        let scale = step * idf;
        let sums = &mut self.sums[block * self.n..(block + 1) * self.n];
        for (s, &wk) in sums.iter_mut().zip(w) {
            *s += scale * wk.value();
        }
    }
}

/// A weight as stored: a float, or its bits in a packed cache entry.
trait Weight: Copy {
    fn value(self) -> f32;
}

impl Weight for f32 {
    #[inline(always)]
    fn value(self) -> f32 {
        self
    }
}

impl Weight for u32 {
    #[inline(always)]
    fn value(self) -> f32 {
        f32::from_bits(self)
    }
}

impl FittedFeatures {
    /// Adds `Wᵀ·x` to `out`, where `x` is the row [`transform`](Self::transform) would
    /// build for `text` and `W` holds `out.len()` weights per column, row-major. Equal to
    /// that product up to float rounding, and several times cheaper.
    ///
    /// ```
    /// use stance::features::{Analysis, FeatureSpec, Projector};
    /// let fitted = FeatureSpec::default().fit_texts(["leave now", "stay on"].into_iter());
    /// // One output: every column weighs 1, so the result is the sum of the row's values.
    /// let weights = vec![1.0; fitted.n_features()];
    /// let (mut analysis, mut projector) = (Analysis::default(), Projector::new(1));
    /// let mut out = [0.0];
    /// fitted.project_text("leave now", &weights, &mut analysis, &mut projector, &mut out);
    /// let row = fitted.transform_text("leave now");
    /// assert!((out[0] - row.values.iter().sum::<f32>()).abs() < 1e-5);
    /// ```
    pub fn project_text(
        &self,
        text: &str,
        weights: &[f32],
        analysis: &mut Analysis,
        p: &mut Projector,
        out: &mut [f32],
    ) {
        let n = p.n;
        assert!(
            out.len() == n && weights.len() == self.n_features() * n,
            "weights and outputs must match the projector's width"
        );
        self.spec.analyze_blocks(text, analysis, false);
        let chars = self.spec.char_ngrams;
        let weight = self.spec.term_weight;
        // Room for every key and, at most, (max - min + 1) n-grams per padded character, so
        // the counter never grows mid-document.
        let char_grams = if chars.is_off() {
            0
        } else {
            let padded: usize = analysis.tokens.iter().map(|t| t.text.len() + 2).sum();
            (chars.max - chars.min + 1) as usize * padded
        };
        let n_keys = analysis.keys.len() + analysis.tokens.len() + char_grams;
        p.counter.reset(n_keys.min(self.idf.len()));
        p.tf.clear();
        p.sums.iter_mut().for_each(|s| *s = 0.0);
        p.norms = [0.0; 4];

        let (words, rest) = analysis.keys.split_at(analysis.split);
        self.project_keys(words, weights, p);
        let unigrams = !self.spec.word_ngrams.is_off() && self.spec.word_ngrams.min == 1;
        if unigrams || !chars.is_off() {
            let Analysis {
                tokens,
                scratch: ng,
                hashes: buf,
                ..
            } = analysis;
            // Slots first, with prefetches; then each token's entry is fetched one token
            // ahead of its use, so the misses of a cold entry overlap with work.
            p.slots.clear();
            for tok in tokens.iter() {
                let key = TokenCache::key_of(tok.text);
                let slot = p.cache.slot(key);
                prefetch(&p.cache.slots[slot]);
                p.slots.push((key, slot));
            }
            let mut entry = std::mem::take(&mut p.cache.spare);
            let stride = 2 + n;
            for (i, tok) in tokens.iter().enumerate() {
                if let Some(&(_, next)) = p.slots.get(i + 1) {
                    if let Some(first) = p.cache.slots[next].packed.first() {
                        prefetch(first);
                    }
                }
                let (key, slot) = p.slots[i];
                if p.cache.slots[slot].key != key {
                    // A miss: resolve the token's keys and copy their weights in, after a
                    // count of the word keys among them.
                    buf.clear();
                    if unigrams {
                        buf.push(ngrams::Block::Word.tag(token_hash(tok.text)));
                    }
                    ngrams::char_ngrams_of(tok.text, chars, ng, |h| buf.push(h));
                    p.found.clear();
                    self.lookup_all(buf, &mut p.starts, &mut p.found);
                    let n_word = p
                        .found
                        .first()
                        .filter(|&&(c, _)| unigrams && self.block_of(c) == 0);
                    entry.key = key;
                    entry.packed.clear();
                    entry.packed.push(n_word.is_some() as u32);
                    for &(c, idf) in &p.found {
                        let c = c as usize;
                        entry.packed.extend([c as u32, idf.to_bits()]);
                        let w = &weights[c * n..(c + 1) * n];
                        entry.packed.extend(w.iter().map(|x| x.to_bits()));
                    }
                    std::mem::swap(&mut entry, &mut p.cache.slots[slot]);
                }
                let hit = std::mem::take(&mut p.cache.slots[slot].packed);
                let n_word = hit[0] as usize;
                for (j, gram) in hit[1..].chunks_exact(stride).enumerate() {
                    let block = (j >= n_word) as usize;
                    p.add(weight, block, gram[0], f32::from_bits(gram[1]), &gram[2..]);
                }
                p.cache.slots[slot].packed = hit;
            }
            p.cache.spare = entry;
        }
        self.project_keys(rest, weights, p);

        for (b, &sq) in p.norms.iter().enumerate() {
            if sq > 0.0 {
                let inv = 1.0 / sq.sqrt();
                for (o, &s) in out.iter_mut().zip(&p.sums[b * n..(b + 1) * n]) {
                    *o += s * inv;
                }
            }
        }
    }

    /// Adds the occurrences of `keys` (any blocks but char), gathering their weights.
    fn project_keys(&self, keys: &[u64], weights: &[f32], p: &mut Projector) {
        let n = p.n;
        let mut found = std::mem::take(&mut p.found);
        found.clear();
        self.lookup_all(keys, &mut p.starts, &mut found);
        for &(c, _) in &found {
            prefetch(&weights[c as usize * n]);
        }
        for &(c, idf) in &found {
            let w = &weights[c as usize * n..(c as usize + 1) * n];
            p.add(self.spec.term_weight, self.block_of(c), c, idf, w);
        }
        p.found = found;
    }
}

/// A token's own features (its word unigram and character n-grams), packed in one buffer
/// so a hit reads one stream: the number of word features (0 or 1), then per feature its
/// column, idf and `n` weights (floats as bits), `2 + n` words each.
#[derive(Debug, Default, Clone)]
struct Entry {
    key: u64,
    packed: Vec<u32>,
}

/// Direct-mapped on the token's hash: word frequencies are Zipfian, so a few thousand
/// slots catch most tokens, and a collision only costs a recomputation.
#[derive(Debug)]
struct TokenCache {
    slots: Vec<Entry>,
    bits: u32,
    /// The buffer a miss fills before it swaps into its slot.
    spare: Entry,
}

impl TokenCache {
    /// 2^16 slots for narrow weight rows, fewer for wide ones, so the cache of a thread
    /// stays within about 16 MB when full.
    fn new(n_outputs: usize) -> Self {
        let stride = 8 + 4 * n_outputs;
        let halvings = (stride.div_ceil(20)).next_power_of_two().trailing_zeros();
        let bits = 16u32.saturating_sub(halvings).max(10);
        TokenCache {
            slots: vec![Entry::default(); 1 << bits],
            bits,
            spare: Entry::default(),
        }
    }

    /// Setting the low bit keeps a real key from matching an empty slot (key 0).
    #[inline]
    fn key_of(token: &str) -> u64 {
        token_hash(token) | 1
    }

    #[inline]
    fn slot(&self, key: u64) -> usize {
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - self.bits)) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::{FeatureSpec, NgramRange, TargetTerms};
    use crate::tokenize::Tokenizer;

    /// `Wᵀ·x` the long way: build the row, then multiply.
    fn by_row(fitted: &FittedFeatures, text: &str, weights: &[f32], n: usize) -> Vec<f32> {
        let row = fitted.transform_text(text);
        let mut out = vec![0.0; n];
        for (&c, &v) in row.indices.iter().zip(&row.values) {
            for (k, o) in out.iter_mut().enumerate() {
                *o += v * weights[c as usize * n + k];
            }
        }
        out
    }

    #[test]
    fn projection_equals_the_row_times_the_weights() {
        let terms = TargetTerms::parse("exit\nDoha deal", &Tokenizer::default()).unwrap();
        let specs = [
            FeatureSpec::default(),
            FeatureSpec {
                voice: true,
                target_terms: Some(terms),
                char_ngrams: NgramRange::new(2, 5),
                ..FeatureSpec::default()
            },
            FeatureSpec {
                term_weight: TermWeight::Raw,
                ..FeatureSpec::default()
            },
            FeatureSpec {
                term_weight: TermWeight::Binary,
                ..FeatureSpec::default()
            },
            FeatureSpec {
                hash_bits: Some(10),
                ..FeatureSpec::default()
            },
            FeatureSpec {
                char_ngrams: NgramRange::OFF,
                ..FeatureSpec::default()
            },
            FeatureSpec {
                word_ngrams: NgramRange::OFF,
                ..FeatureSpec::default()
            },
            // Unigrams come from the token cache unless the range starts higher.
            FeatureSpec {
                word_ngrams: NgramRange::new(1, 1),
                char_ngrams: NgramRange::OFF,
                ..FeatureSpec::default()
            },
            FeatureSpec {
                word_ngrams: NgramRange::new(2, 3),
                ..FeatureSpec::default()
            },
        ];
        let train = [
            "the exit was right, the exit was overdue",
            "the Doha deal \"failed\" us all",
            "the the exit exit exit",
            "Kabul fell in August",
        ];
        let texts = [
            "the exit, the exit, the exit!",
            "Doha deal: \"a farce\" said the exit's critics",
            "unseen words only",
            "",
            "the exit was right",
        ];
        for spec in specs {
            let fitted = spec.fit_texts(train.into_iter());
            for n in [1, 3] {
                // Weights that differ per column and output, with both signs.
                let weights: Vec<f32> = (0..fitted.n_features() * n)
                    .map(|i| ((i * 7919 % 1000) as f32 - 500.0) / 250.0)
                    .collect();
                let (mut analysis, mut p) = (Analysis::default(), Projector::new(n));
                // Twice: cold cache, then warm.
                for text in texts.iter().chain(&texts) {
                    let mut out = vec![0.0; n];
                    fitted.project_text(text, &weights, &mut analysis, &mut p, &mut out);
                    let want = by_row(&fitted, text, &weights, n);
                    for (a, b) in out.iter().zip(&want) {
                        assert!(
                            (a - b).abs() < 1e-4,
                            "{spec:?} {text:?}: {out:?} vs {want:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn wide_weight_rows_get_a_smaller_cache() {
        assert_eq!(TokenCache::new(3).bits, 16);
        assert!(TokenCache::new(30).bits < 16);
    }
}
