//! Tokens → hashed n-gram features. Every feature is a 64-bit key: a stable seeded xxh3
//! hash whose top two bits name the block it belongs to (word, char, target), so blocks
//! never collide and can be normalised apart. Keys, not strings, keep scoring free of
//! allocation; [`describe`] rebuilds a feature's text when an explanation needs it.

use crate::tokenize::TokenStream;
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// Which family a feature belongs to; stored in a key's top two bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Block {
    Word = 0,
    Char = 1,
    Target = 2,
    /// The writer's own voice: n-grams outside quotation marks.
    Voice = 3,
}

impl Block {
    pub const ALL: [Block; 4] = [Block::Word, Block::Char, Block::Target, Block::Voice];

    pub fn of(key: u64) -> Block {
        match key >> 62 {
            0 => Block::Word,
            1 => Block::Char,
            2 => Block::Target,
            _ => Block::Voice,
        }
    }

    pub(crate) fn tag(self, hash: u64) -> u64 {
        (hash & (u64::MAX >> 2)) | ((self as u64) << 62)
    }
}

/// An inclusive n-gram length range; `0..=0` switches the family off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NgramRange {
    pub min: u8,
    pub max: u8,
}

impl NgramRange {
    pub const OFF: NgramRange = NgramRange { min: 0, max: 0 };

    pub fn new(min: u8, max: u8) -> Self {
        NgramRange { min, max }
    }

    pub fn is_off(self) -> bool {
        self.max == 0
    }
}

impl std::fmt::Display for NgramRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.min, self.max)
    }
}

impl std::str::FromStr for NgramRange {
    type Err = String;
    /// Parses `2-5`, `1..3`, `1` or `0`/`off`.
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("'{s}' is not an n-gram range (like 1-3, or 0 for off)");
        if s == "off" || s == "0" {
            return Ok(NgramRange::OFF);
        }
        let (a, b) = match s.split_once('-').or_else(|| s.split_once("..")) {
            Some((a, b)) => (a, b.trim_start_matches('=')),
            None => (s, s),
        };
        let min: u8 = a.trim().parse().map_err(|_| bad())?;
        let max: u8 = b.trim().parse().map_err(|_| bad())?;
        if min == 0 || min > max || max > 8 {
            return Err(format!(
                "n-gram range '{s}' must satisfy 1 <= min <= max <= 8"
            ));
        }
        Ok(NgramRange { min, max })
    }
}

const SEED_WORD: u64 = 0x5354_414e_4345_0001;
const SEED_CHAR: u64 = 0x5354_414e_4345_0002;

/// Mixes the next token hash into a running n-gram hash (order-sensitive).
#[inline]
fn combine(h: u64, t: u64) -> u64 {
    (h.rotate_left(23) ^ t).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// Reusable buffers for n-gram generation.
#[derive(Debug, Default)]
pub(crate) struct NgramScratch {
    token_hashes: Vec<u64>,
    padded: Vec<u8>,
    char_starts: Vec<usize>,
}

/// Hash of one token's text, before n-gram combination.
#[inline]
pub(crate) fn token_hash(text: &str) -> u64 {
    xxh3_64_with_seed(text.as_bytes(), SEED_WORD)
}

/// Word n-grams over tokens `range` of `tokens`, tagged with `block`.
pub(crate) fn word_ngrams(
    tokens: &TokenStream,
    range: std::ops::Range<usize>,
    ngrams: NgramRange,
    block: Block,
    scratch: &mut NgramScratch,
    out: &mut Vec<u64>,
) {
    if ngrams.is_off() {
        return;
    }
    let th = &mut scratch.token_hashes;
    th.clear();
    th.extend(range.map(|i| token_hash(tokens.get(i).text)));
    for start in 0..th.len() {
        let mut h = 0u64;
        for n in 1..=ngrams.max as usize {
            let Some(&t) = th.get(start + n - 1) else {
                break;
            };
            h = if n == 1 { t } else { combine(h, t) };
            if n >= ngrams.min as usize {
                out.push(block.tag(h));
            }
        }
    }
}

/// Character n-grams inside word boundaries: each token padded with a space on both
/// sides, as scikit-learn's `char_wb` analyser does (a token shorter than `n` yields
/// itself once).
pub(crate) fn char_ngrams(
    tokens: &TokenStream,
    ngrams: NgramRange,
    scratch: &mut NgramScratch,
    out: &mut Vec<u64>,
) {
    if ngrams.is_off() {
        return;
    }
    for tok in tokens.iter() {
        char_ngrams_of(tok.text, ngrams, scratch, |h| out.push(h));
    }
}

pub(crate) fn char_ngrams_of(
    text: &str,
    ngrams: NgramRange,
    scratch: &mut NgramScratch,
    mut emit: impl FnMut(u64),
) {
    let padded = &mut scratch.padded;
    padded.clear();
    padded.push(b' ');
    padded.extend_from_slice(text.as_bytes());
    padded.push(b' ');
    let starts = &mut scratch.char_starts;
    starts.clear();
    if text.is_ascii() {
        starts.extend(0..=padded.len());
    } else {
        starts.push(0);
        starts.extend(text.char_indices().map(|(i, _)| i + 1));
        starts.push(text.len() + 1);
        starts.push(padded.len());
    }
    let n_chars = starts.len() - 1;
    for n in ngrams.min as usize..=ngrams.max as usize {
        let mut offset = 0;
        let end = n.min(n_chars);
        emit(hash_char_gram(&padded[starts[0]..starts[end]]));
        while offset + n < n_chars {
            offset += 1;
            emit(hash_char_gram(&padded[starts[offset]..starts[offset + n]]));
        }
        if offset == 0 {
            break;
        }
    }
}

#[inline]
fn hash_char_gram(bytes: &[u8]) -> u64 {
    Block::Char.tag(xxh3_64_with_seed(bytes, SEED_CHAR))
}

/// Word unigrams and bigrams of the tokens outside quotation marks (`"` after quote
/// folding toggles in and out), plus a flag when the text quotes anyone. Tone is about
/// the writer's own voice, and a loaded word inside a quotation is not the writer's.
pub(crate) fn voice_ngrams(tokens: &TokenStream, out: &mut Vec<u64>) {
    voice_keys(tokens, |k, _| out.push(k));
}

/// Walks the writer's-voice keys: each with the token range it covers (empty for the
/// quotes flag). Shared by scoring and by explanations, so the two cannot drift apart.
fn voice_keys(tokens: &TokenStream, mut emit: impl FnMut(u64, std::ops::Range<usize>)) {
    const QUOTES: u64 = 0x7175_6f74_6573_0001;
    let mut inside = false;
    let mut prev: Option<(u64, usize)> = None;
    let mut quoted = false;
    for (i, t) in tokens.iter().enumerate() {
        if t.text == "\"" {
            inside = !inside;
            quoted = true;
            prev = None;
            continue;
        }
        if inside {
            continue;
        }
        let h = combine(token_hash(t.text), 0x766f_6963_6500_0001);
        emit(Block::Voice.tag(h), i..i + 1);
        if let Some((p, j)) = prev {
            emit(Block::Voice.tag(combine(p, h)), j..i + 1);
        }
        prev = Some((h, i));
    }
    if quoted {
        emit(Block::Voice.tag(QUOTES), 0..0);
    }
}

/// The voice block's keys with readable names (`voice:` + unigram or bigram, and the
/// quotes flag), for explanations; mirrors [`voice_ngrams`].
pub(crate) fn describe_voice(
    tokens: &TokenStream,
    mut emit: impl FnMut(u64, String, std::ops::Range<usize>),
) {
    voice_keys(tokens, |k, r| {
        let name = if r.is_empty() {
            "voice:<quotes someone>".to_string()
        } else {
            let words: Vec<&str> = r.clone().map(|i| tokens.get(i).text).collect();
            format!("voice:{}", words.join(" "))
        };
        emit(k, name, r);
    });
}

/// Every feature key of a document with a readable name, for explanations (`stance explain`): calls
/// `emit(key, name, token_range)` where `token_range` indexes `tokens`.
pub(crate) fn describe(
    tokens: &TokenStream,
    word: NgramRange,
    chars: NgramRange,
    mut emit: impl FnMut(u64, String, std::ops::Range<usize>),
) {
    if !word.is_off() {
        for start in 0..tokens.len() {
            let mut h = 0u64;
            for n in 1..=word.max as usize {
                if start + n > tokens.len() {
                    break;
                }
                let t = token_hash(tokens.get(start + n - 1).text);
                h = if n == 1 { t } else { combine(h, t) };
                if n >= word.min as usize {
                    let name = (start..start + n)
                        .map(|i| tokens.get(i).text)
                        .collect::<Vec<_>>()
                        .join(" ");
                    emit(Block::Word.tag(h), name, start..start + n);
                }
            }
        }
    }
    if !chars.is_off() {
        for (i, tok) in tokens.iter().enumerate() {
            let padded = format!(" {} ", tok.text);
            let cs: Vec<usize> = padded
                .char_indices()
                .map(|(i, _)| i)
                .chain(std::iter::once(padded.len()))
                .collect();
            let n_chars = cs.len() - 1;
            for n in chars.min as usize..=chars.max as usize {
                let mut offset = 0;
                let end = n.min(n_chars);
                let gram = &padded[cs[0]..cs[end]];
                emit(
                    hash_char_gram(gram.as_bytes()),
                    format!("[{gram}]"),
                    i..i + 1,
                );
                while offset + n < n_chars {
                    offset += 1;
                    let gram = &padded[cs[offset]..cs[offset + n]];
                    emit(
                        hash_char_gram(gram.as_bytes()),
                        format!("[{gram}]"),
                        i..i + 1,
                    );
                }
                if offset == 0 {
                    break;
                }
            }
        }
    }
}

/// Word n-grams of tokens `range` tagged with `block`, named for explanations (the
/// readable twin of [`word_ngrams`]): calls `emit(key, name, token_range)`.
pub(crate) fn describe_word_ngrams(
    tokens: &TokenStream,
    range: std::ops::Range<usize>,
    ngrams: NgramRange,
    block: Block,
    mut emit: impl FnMut(u64, String, std::ops::Range<usize>),
) {
    if ngrams.is_off() {
        return;
    }
    for start in range.clone() {
        let mut h = 0u64;
        for n in 1..=ngrams.max as usize {
            if start + n > range.end {
                break;
            }
            let t = token_hash(tokens.get(start + n - 1).text);
            h = if n == 1 { t } else { combine(h, t) };
            if n >= ngrams.min as usize {
                let name = (start..start + n)
                    .map(|i| tokens.get(i).text)
                    .collect::<Vec<_>>()
                    .join(" ");
                emit(block.tag(h), name, start..start + n);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenize::Tokenizer;

    fn stream(text: &str) -> TokenStream {
        let mut s = TokenStream::default();
        Tokenizer::default().tokenize_into(text, &mut s);
        s
    }

    #[test]
    fn word_ngrams_count_matches_formula() {
        let s = stream("a b c d");
        let mut out = Vec::new();
        word_ngrams(
            &s,
            0..4,
            NgramRange::new(1, 3),
            Block::Word,
            &mut Default::default(),
            &mut out,
        );
        assert_eq!(out.len(), 4 + 3 + 2);
        assert!(out.iter().all(|&k| Block::of(k) == Block::Word));
    }

    #[test]
    fn word_ngrams_are_order_sensitive() {
        let mut ab = Vec::new();
        let mut ba = Vec::new();
        word_ngrams(
            &stream("a b"),
            0..2,
            NgramRange::new(2, 2),
            Block::Word,
            &mut Default::default(),
            &mut ab,
        );
        word_ngrams(
            &stream("b a"),
            0..2,
            NgramRange::new(2, 2),
            Block::Word,
            &mut Default::default(),
            &mut ba,
        );
        assert_ne!(ab, ba);
    }

    #[test]
    fn char_ngrams_follow_sklearn_char_wb() {
        // sklearn: CountVectorizer(analyzer='char_wb', ngram_range=(2,3)) on "ab" gives
        // " a", "ab", "b ", " ab", "ab " (5 grams); on "a": " a", "a ", " a " (3 grams).
        let mut out = Vec::new();
        char_ngrams(
            &stream("ab"),
            NgramRange::new(2, 3),
            &mut Default::default(),
            &mut out,
        );
        assert_eq!(out.len(), 5);
        out.clear();
        char_ngrams(
            &stream("a"),
            NgramRange::new(2, 5),
            &mut Default::default(),
            &mut out,
        );
        assert_eq!(out.len(), 3);
    }

    #[test]
    fn hashes_are_stable_across_runs_and_builds() {
        // Pinned values: a change here silently breaks every saved model.
        assert_eq!(
            token_hash("withdrawal"),
            xxh3_64_with_seed(b"withdrawal", SEED_WORD)
        );
        let mut out = Vec::new();
        char_ngrams(
            &stream("é"),
            NgramRange::new(2, 2),
            &mut Default::default(),
            &mut out,
        );
        assert_eq!(
            out[0],
            Block::Char.tag(xxh3_64_with_seed(" é".as_bytes(), SEED_CHAR))
        );
    }

    #[test]
    fn describe_names_the_same_keys_as_the_fast_path() {
        let s = stream("the exit, déjà vu");
        let (w, c) = (NgramRange::new(1, 2), NgramRange::new(2, 4));
        let mut fast = Vec::new();
        let mut scratch = NgramScratch::default();
        word_ngrams(&s, 0..s.len(), w, Block::Word, &mut scratch, &mut fast);
        char_ngrams(&s, c, &mut scratch, &mut fast);
        let mut named = Vec::new();
        describe(&s, w, c, |k, _, _| named.push(k));
        assert_eq!(fast, named);
    }

    #[test]
    fn parses_ranges() {
        assert_eq!("2-5".parse::<NgramRange>().unwrap(), NgramRange::new(2, 5));
        assert_eq!(
            "1..=3".parse::<NgramRange>().unwrap(),
            NgramRange::new(1, 3)
        );
        assert_eq!("0".parse::<NgramRange>().unwrap(), NgramRange::OFF);
        assert!("3-1".parse::<NgramRange>().is_err());
    }
}
