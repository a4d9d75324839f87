//! Text → `Wᵀ·x` without building `x`. Scoring needs only the product of a text's TF-IDF
//! row with the model's weights, so the scorer never materialises the row: each occurrence
//! of a column adds its increment `(g(tf) − g(tf − 1))·idf·w` to its block's sums, each
//! block's squared norm grows alongside, and the norms divide the sums at the end. This
//! drops the row, its normalisation pass and most weight gathers: a token's own features
//! (its word unigram and character n-grams) come from a per-thread cache that keeps their
//! weights next to their columns.

use super::ngrams::{self, token_hash};
use super::table::{prefetch, ColumnCounter};
use super::{Analysis, FittedFeatures, TermWeight};

/// Per-thread workspace of [`FittedFeatures::project_text`], made for one weight matrix
/// width (`n_outputs`).
#[derive(Debug)]
pub struct Projector {
    sums: Sums,
    starts: Vec<usize>,
    found: Vec<(u32, f32)>,
    /// Each token's cache key and slot.
    slots: Vec<(u64, usize)>,
    cache: TokenCache,
}

/// One document's running sums: per block (word, char, target, voice) `Σ Δg·idf·w` and
/// `Σ Δ(g·idf)²`, and each column's count so far.
#[derive(Debug)]
struct Sums {
    n: usize,
    counter: ColumnCounter,
    tf: Vec<u32>,
    sums: Vec<f32>,
    norms: [f32; 4],
}

impl Projector {
    /// A workspace for weight matrices with `n_outputs` weights per column.
    pub fn new(n_outputs: usize) -> Self {
        Projector {
            sums: Sums {
                n: n_outputs,
                counter: ColumnCounter::default(),
                tf: Vec::new(),
                sums: vec![0.0; 4 * n_outputs],
                norms: [0.0; 4],
            },
            starts: Vec::new(),
            found: Vec::new(),
            slots: Vec::new(),
            cache: TokenCache::new(n_outputs),
        }
    }
}

impl Sums {
    fn reset(&mut self, n_keys: usize) {
        self.counter.reset(n_keys);
        self.tf.clear();
        self.sums.iter_mut().for_each(|s| *s = 0.0);
        self.norms = [0.0; 4];
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

    /// Adds `Σ_b sums_b / ‖x_b‖` to `out`.
    fn finish(&self, out: &mut [f32]) {
        let n = self.n;
        for (b, &sq) in self.norms.iter().enumerate() {
            if sq > 0.0 {
                let inv = 1.0 / sq.sqrt();
                for (o, &s) in out.iter_mut().zip(&self.sums[b * n..(b + 1) * n]) {
                    *o += s * inv;
                }
            }
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
        let n = p.sums.n;
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
        p.sums.reset(n_keys.min(self.idf.len()));

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
            let stride = 2 + n;
            for (i, tok) in tokens.iter().enumerate() {
                if let Some(&(_, next)) = p.slots.get(i + 1) {
                    p.cache.prefetch_entry(next);
                }
                let (key, slot) = p.slots[i];
                if p.cache.slots[slot].key != key {
                    // A miss: resolve the token's keys and store them with their weights.
                    buf.clear();
                    if unigrams {
                        buf.push(ngrams::Block::Word.tag(token_hash(tok.text)));
                    }
                    ngrams::char_ngrams_of(tok.text, chars, ng, |h| buf.push(h));
                    if tok.text.len() > MAX_CACHED_TOKEN {
                        // Long tokens (URLs, runs of symbols) are rare and would crowd
                        // the arena: resolved each time instead.
                        self.project_keys(buf, weights, p);
                        continue;
                    }
                    p.found.clear();
                    self.lookup_all(buf, &mut p.starts, &mut p.found);
                    let has_word = p
                        .found
                        .first()
                        .is_some_and(|&(c, _)| unigrams && self.block_of(c) == 0);
                    p.cache.insert(slot, key, has_word, &p.found, weights, n);
                }
                let entry = p.cache.entry(slot);
                let n_word = entry[0] as usize;
                for (j, gram) in entry[1..].chunks_exact(stride).enumerate() {
                    let block = (j >= n_word) as usize;
                    let idf = f32::from_bits(gram[1]);
                    p.sums.add(weight, block, gram[0], idf, &gram[2..]);
                }
            }
        }
        self.project_keys(rest, weights, p);
        p.sums.finish(out);
    }

    /// Adds the occurrences of `keys`, gathering their weights from `weights`: the keys
    /// that span tokens, and the features of tokens too long to cache.
    fn project_keys(&self, keys: &[u64], weights: &[f32], p: &mut Projector) {
        let n = p.sums.n;
        p.found.clear();
        self.lookup_all(keys, &mut p.starts, &mut p.found);
        for &(c, _) in &p.found {
            prefetch(&weights[c as usize * n]);
        }
        for &(c, idf) in &p.found {
            let w = &weights[c as usize * n..(c as usize + 1) * n];
            p.sums
                .add(self.spec.term_weight, self.block_of(c), c, idf, w);
        }
    }
}

/// A per-thread cache of each token's own features (its word unigram and character
/// n-grams) with their weights. Direct-mapped on the token's hash: word frequencies are
/// Zipfian, so a few thousand slots catch most tokens, and a collision only costs a
/// recomputation. Entries live one after another in an arena, in the order tokens were
/// first met, so the frequent words sit close together; when the arena is full, the cache
/// starts over.
#[derive(Debug)]
struct TokenCache {
    slots: Vec<Slot>,
    bits: u32,
    /// Entries, packed: the number of word features (0 or 1), then per feature its column,
    /// idf and `n` weights (floats as bits), `2 + n` words each.
    arena: Vec<u32>,
    /// The arena's limit (`ARENA_WORDS`, smaller in tests).
    arena_words: usize,
    /// An entry being built.
    scratch: Vec<u32>,
}

#[derive(Debug, Default, Clone, Copy)]
struct Slot {
    key: u64,
    start: u32,
    len: u32,
    /// Room at `start`: the longest entry the slot has held since the arena was cleared.
    cap: u32,
}

/// Tokens longer than this (in bytes) are not cached.
const MAX_CACHED_TOKEN: usize = 64;

/// Arena words a thread's cache may hold (16 MB).
const ARENA_WORDS: usize = 1 << 22;

impl TokenCache {
    /// 2^16 slots for narrow weight rows, fewer for wide ones, whose entries fill the
    /// arena sooner.
    fn new(n_outputs: usize) -> Self {
        let stride = 8 + 4 * n_outputs;
        let halvings = (stride.div_ceil(20)).next_power_of_two().trailing_zeros();
        let bits = 16u32.saturating_sub(halvings).max(10);
        TokenCache {
            slots: vec![Slot::default(); 1 << bits],
            bits,
            arena: Vec::new(),
            arena_words: ARENA_WORDS,
            scratch: Vec::new(),
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

    #[inline]
    fn entry(&self, slot: usize) -> &[u32] {
        let s = self.slots[slot];
        &self.arena[s.start as usize..(s.start + s.len) as usize]
    }

    #[inline]
    fn prefetch_entry(&self, slot: usize) {
        if let Some(first) = self.arena.get(self.slots[slot].start as usize) {
            prefetch(first);
        }
    }

    /// Stores the features `found` of the token `key` (the first a word unigram when
    /// `has_word`) in `slot`, with their weights. The entry overwrites the one it evicts
    /// when it fits there, so two words that share a slot do not fill the arena.
    fn insert(
        &mut self,
        slot: usize,
        key: u64,
        has_word: bool,
        found: &[(u32, f32)],
        weights: &[f32],
        n: usize,
    ) {
        let entry = &mut self.scratch;
        entry.clear();
        entry.push(has_word as u32);
        for &(c, idf) in found {
            let c = c as usize;
            entry.extend([c as u32, idf.to_bits()]);
            entry.extend(weights[c * n..(c + 1) * n].iter().map(|x| x.to_bits()));
        }
        let len = entry.len();
        let old = self.slots[slot];
        let (start, cap) = if old.key != 0 && len <= old.cap as usize {
            self.arena[old.start as usize..][..len].copy_from_slice(entry);
            (old.start, old.cap)
        } else {
            if self.arena.len() + len > self.arena_words.max(len) {
                self.slots.fill(Slot::default());
                self.arena.clear();
            }
            self.arena.extend_from_slice(entry);
            ((self.arena.len() - len) as u32, len as u32)
        };
        self.slots[slot] = Slot {
            key,
            start,
            len: len as u32,
            cap,
        };
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
            // So that the long token's n-grams below are known columns.
            "xxxxxxxx https://example.org/xxxx",
        ];
        let long = format!("https://example.org/{}", "x".repeat(80));
        let texts = [
            long.as_str(),
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
                let mut analysis = Analysis::default();
                // A full-size cache, twice (cold, then warm); then one of two slots, where
                // tokens keep evicting each other, and one whose arena keeps filling up.
                let mut full = Projector::new(n);
                let mut two_slots = Projector::new(n);
                two_slots.cache.bits = 1;
                two_slots.cache.slots.truncate(2);
                let mut small_arena = Projector::new(n);
                small_arena.cache.arena_words = 64;
                let twice = || texts.iter().chain(&texts);
                let runs = twice()
                    .map(|t| (t, 0))
                    .chain(twice().map(|t| (t, 1)))
                    .chain(texts.iter().map(|t| (t, 2)));
                for (text, which) in runs {
                    let p = match which {
                        0 => &mut full,
                        1 => &mut two_slots,
                        _ => &mut small_arena,
                    };
                    let mut out = vec![0.0; n];
                    fitted.project_text(text, &weights, &mut analysis, p, &mut out);
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
    fn cache_entries_read_back_as_written_while_slots_are_overwritten() {
        let weights: Vec<f32> = (0..100).map(|i| i as f32).collect();
        let mut cache = TokenCache::new(1);
        cache.arena_words = 200;
        let mut rng = crate::model::SplitMix64::new(11);
        // What each of 8 slots should hold: its key and its features.
        type Expected = Option<(u64, Vec<(u32, f32)>)>;
        let mut want: Vec<Expected> = vec![None; 8];
        for round in 0..2_000u64 {
            let slot = rng.below(8);
            let found: Vec<(u32, f32)> = (0..rng.below(12))
                .map(|_| (rng.below(100) as u32, rng.below(5) as f32))
                .collect();
            let key = round * 2 + 1;
            cache.insert(slot, key, false, &found, &weights, 1);
            if cache.arena.len() <= cache.entry(slot).len() {
                // The arena started over: every other slot is empty now.
                want.iter_mut().for_each(|w| *w = None);
            }
            want[slot] = Some((key, found));
            for (s, w) in want.iter().enumerate() {
                let Some((key, found)) = w else { continue };
                assert_eq!(cache.slots[s].key, *key);
                let entry = cache.entry(s);
                assert_eq!(entry.len(), 1 + 3 * found.len());
                for (gram, &(c, idf)) in entry[1..].chunks_exact(3).zip(found) {
                    assert_eq!((gram[0], f32::from_bits(gram[1])), (c, idf));
                    assert_eq!(f32::from_bits(gram[2]), weights[c as usize]);
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
