//! Target-aware features. Stance is about what a paragraph says of its target, so given
//! the words and phrases that denote the target (withdrawal, pull-out, Doha deal, ...),
//! this marks whether the paragraph mentions it, and adds the n-grams of the sentences
//! that do (and unigrams of their neighbours) as a separate feature block.

use super::ngrams::{self, Block, NgramRange, NgramScratch};
use crate::tokenize::{TokenKind, TokenStream, Tokenizer};
use serde::{Deserialize, Serialize};

const MENTION: u64 = 0x6d65_6e74_696f_6e01;
const NO_MENTION: u64 = 0x6d65_6e74_696f_6e00;
const NEAR_SALT: u64 = 0x6e65_6172_0000_0001;

/// Target terms as sequences of token hashes (tokenised like the text they must match).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetTerms {
    /// The terms as written, for the model card and `inspect`.
    terms: Vec<String>,
    /// Each term's token hashes, longest first so the longest match wins.
    sequences: Vec<Vec<u64>>,
}

impl TargetTerms {
    /// Parses a terms file: one word or phrase per line; blank lines and `#` comments skipped.
    pub fn parse(text: &str, tokenizer: &Tokenizer) -> Result<Self, String> {
        let mut terms = Vec::new();
        let mut sequences = Vec::new();
        for line in text.lines() {
            let term = line.split('#').next().unwrap_or("").trim();
            if term.is_empty() {
                continue;
            }
            let seq: Vec<u64> = tokenizer
                .tokenize(term)
                .iter()
                .map(|t| ngrams::token_hash(&t.text))
                .collect();
            if !seq.is_empty() && !sequences.contains(&seq) {
                terms.push(term.to_string());
                sequences.push(seq);
            }
        }
        if sequences.is_empty() {
            return Err("the target-terms file holds no terms".into());
        }
        sequences.sort_by_key(|s| std::cmp::Reverse(s.len()));
        Ok(TargetTerms { terms, sequences })
    }

    pub fn terms(&self) -> &[String] {
        &self.terms
    }

    /// Emits the target block's keys for `tokens` into `out`.
    pub(crate) fn features(
        &self,
        tokens: &TokenStream,
        ngrams: NgramRange,
        scratch: &mut NgramScratch,
        hashes: &mut Vec<u64>,
        out: &mut Vec<u64>,
    ) {
        hashes.clear();
        hashes.extend(tokens.iter().map(|t| ngrams::token_hash(t.text)));
        let sentences = sentence_bounds(tokens);
        let mentions: Vec<bool> = sentences
            .iter()
            .map(|r| (r.start..r.end).any(|i| self.matches_at(hashes, i, r.end)))
            .collect();
        let any = mentions.iter().any(|&m| m);
        out.push(Block::Target.tag(if any { MENTION } else { NO_MENTION }));
        for (s, range) in sentences.iter().enumerate() {
            if mentions[s] {
                ngrams::word_ngrams(tokens, range.clone(), ngrams, Block::Target, scratch, out);
            } else if (s > 0 && mentions[s - 1]) || mentions.get(s + 1) == Some(&true) {
                for &h in &hashes[range.clone()] {
                    out.push(
                        Block::Target.tag((h ^ NEAR_SALT).wrapping_mul(0x9E37_79B9_7F4A_7C15)),
                    );
                }
            }
        }
    }

    fn matches_at(&self, hashes: &[u64], i: usize, end: usize) -> bool {
        self.sequences
            .iter()
            .any(|seq| i + seq.len() <= end && hashes[i..i + seq.len()] == seq[..])
    }
}

impl TargetTerms {
    /// The target block's keys with readable names (`tgt:` + n-gram for mentioning
    /// sentences, `tgt~:` + word for their neighbours, and the mention flag), for
    /// explanations; mirrors [`TargetTerms::features`].
    pub(crate) fn describe(
        &self,
        tokens: &TokenStream,
        ngrams: NgramRange,
        mut emit: impl FnMut(u64, String, std::ops::Range<usize>),
    ) {
        let hashes: Vec<u64> = tokens.iter().map(|t| ngrams::token_hash(t.text)).collect();
        let sentences = sentence_bounds(tokens);
        let mentions: Vec<bool> = sentences
            .iter()
            .map(|r| (r.start..r.end).any(|i| self.matches_at(&hashes, i, r.end)))
            .collect();
        let mut flag = 0..0;
        for (s, r) in sentences.iter().enumerate() {
            if mentions[s] {
                flag = r.clone();
                break;
            }
        }
        match mentions.iter().any(|&m| m) {
            true => emit(
                Block::Target.tag(MENTION),
                "tgt:<mentions target>".into(),
                flag,
            ),
            false => emit(
                Block::Target.tag(NO_MENTION),
                "tgt:<no target mention>".into(),
                0..0,
            ),
        }
        for (s, range) in sentences.iter().enumerate() {
            if mentions[s] {
                ngrams::describe_word_ngrams(
                    tokens,
                    range.clone(),
                    ngrams,
                    Block::Target,
                    |k, name, r| emit(k, format!("tgt:{name}"), r),
                );
            } else if (s > 0 && mentions[s - 1]) || mentions.get(s + 1) == Some(&true) {
                for i in range.clone() {
                    let key = Block::Target
                        .tag((hashes[i] ^ NEAR_SALT).wrapping_mul(0x9E37_79B9_7F4A_7C15));
                    emit(key, format!("tgt~:{}", tokens.get(i).text), i..i + 1);
                }
            }
        }
    }
}

/// Token ranges of sentences: a sentence ends after `.`, `!` or `?`.
fn sentence_bounds(tokens: &TokenStream) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, t) in tokens.iter().enumerate() {
        if t.kind == TokenKind::Punct && matches!(t.text, "." | "!" | "?") {
            out.push(start..i + 1);
            start = i + 1;
        }
    }
    if start < tokens.len() {
        out.push(start..tokens.len());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(terms: &str, text: &str) -> Vec<u64> {
        let tok = Tokenizer::default();
        let terms = TargetTerms::parse(terms, &tok).unwrap();
        let mut s = TokenStream::default();
        tok.tokenize_into(text, &mut s);
        let mut out = Vec::new();
        terms.features(
            &s,
            NgramRange::new(1, 2),
            &mut Default::default(),
            &mut Vec::new(),
            &mut out,
        );
        out
    }

    #[test]
    fn flags_a_mention_of_a_multiword_term() {
        let out = keys(
            "Doha deal\n# comment\n",
            "Critics hated the Doha deal. It rained.",
        );
        assert_eq!(out[0], Block::Target.tag(MENTION));
        assert!(
            out.len() > 1,
            "n-grams of the mentioning sentence follow the flag"
        );
    }

    #[test]
    fn no_mention_gives_only_the_flag() {
        let out = keys("withdrawal", "ISIS-K attacked a concert hall.");
        assert_eq!(out, vec![Block::Target.tag(NO_MENTION)]);
    }

    #[test]
    fn matches_regardless_of_case_and_quotes() {
        let out = keys("pull-out", "The PULL-OUT was right.");
        assert_eq!(out[0], Block::Target.tag(MENTION));
    }

    #[test]
    fn rejects_an_empty_terms_file() {
        assert!(TargetTerms::parse("# nothing\n\n", &Tokenizer::default()).is_err());
    }
}
