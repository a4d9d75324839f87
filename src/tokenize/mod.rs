//! Text → tokens. A [`Tokenizer`] segments text by Unicode word boundaries (keeping URLs,
//! @mentions and #hashtags whole) and runs each token through its [`Filter`]s. Every
//! token keeps the byte offsets of its source text, so explanations can highlight it.
//!
//! ```
//! use stance::tokenize::{Tokenizer, TokenKind};
//! let text = "Was the exit a “disaster”? @analyst says no: https://ex.am/ple";
//! let tokens = Tokenizer::default().tokenize(text);
//! assert_eq!(tokens[4].text, "\"");          // curly quote folded to ASCII
//! assert_eq!(&text[tokens[5].start..tokens[5].end], "disaster");
//! assert!(tokens.iter().any(|t| t.kind == TokenKind::Mention && t.text == "@analyst"));
//! assert!(tokens.iter().any(|t| t.kind == TokenKind::Url));
//! ```

mod filters;
mod segment;

pub use filters::Filter;
use serde::{Deserialize, Serialize};

/// What a token is, decided from its source text before any filter runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TokenKind {
    Word,
    Number,
    Url,
    Mention,
    Hashtag,
    /// Punctuation and symbols, one character each (`?`, `!`, `"` carry tone).
    Punct,
}

/// A token: its normalised text and the byte range `start..end` of its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub text: String,
    pub start: usize,
    pub end: usize,
    pub kind: TokenKind,
}

/// Segmentation plus a chain of filters. Settings are plain data and serialise into models.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "TokenizerParts", into = "TokenizerParts")]
pub struct Tokenizer {
    filters: Vec<Filter>,
    /// The filter chain as a byte table per token kind, for ASCII tokens (derived).
    ascii: Box<[[u8; 128]; 6]>,
}

#[derive(Serialize, Deserialize)]
struct TokenizerParts {
    filters: Vec<Filter>,
}

impl From<TokenizerParts> for Tokenizer {
    fn from(p: TokenizerParts) -> Self {
        Tokenizer::new(p.filters)
    }
}

impl From<Tokenizer> for TokenizerParts {
    fn from(t: Tokenizer) -> Self {
        TokenizerParts { filters: t.filters }
    }
}

impl Default for Tokenizer {
    /// Quotes folded to ASCII, lower-cased, numbers shaped.
    fn default() -> Self {
        Tokenizer::new(vec![
            Filter::AsciiQuotes,
            Filter::Lowercase,
            Filter::NumberShape,
        ])
    }
}

impl Tokenizer {
    /// A tokenizer that applies `filters` in order.
    pub fn new(filters: Vec<Filter>) -> Self {
        use TokenKind::*;
        let mut ascii = Box::new([[0u8; 128]; 6]);
        for kind in [Word, Number, Url, Mention, Hashtag, Punct] {
            for (b, out) in ascii[kind as usize].iter_mut().enumerate() {
                *out = filters.iter().fold(b as u8, |b, f| f.ascii_byte(b, kind));
            }
        }
        Tokenizer { filters, ascii }
    }

    /// The filters, in the order they run.
    pub fn filters(&self) -> &[Filter] {
        &self.filters
    }

    /// Tokenizes `text` into owned tokens (convenient; the hot path uses [`TokenStream`]).
    pub fn tokenize(&self, text: &str) -> Vec<Token> {
        let mut stream = TokenStream::default();
        self.tokenize_into(text, &mut stream);
        stream
            .iter()
            .map(|t| Token {
                text: t.text.to_string(),
                start: t.start,
                end: t.end,
                kind: t.kind,
            })
            .collect()
    }

    /// Tokenizes `text` into `stream`, reusing its buffers (no allocation once warm).
    pub fn tokenize_into(&self, text: &str, stream: &mut TokenStream) {
        stream.clear();
        let TokenStream {
            arena,
            spans,
            word,
            scratch,
        } = stream;
        segment::segment(text, |span| {
            let source = &text[span.start..span.end];
            let from = arena.len();
            if source.is_ascii() {
                let map = &self.ascii[span.kind as usize];
                arena.extend(source.bytes().map(|b| map[b as usize] as char));
            } else {
                word.clear();
                word.push_str(source);
                for filter in &self.filters {
                    filter.apply(word, span.kind, scratch);
                }
                arena.push_str(word);
            }
            spans.push(StreamSpan {
                text_from: from as u32,
                text_to: arena.len() as u32,
                start: span.start,
                end: span.end,
                kind: span.kind,
            });
        });
    }
}

#[derive(Debug, Clone, Copy)]
struct StreamSpan {
    text_from: u32,
    text_to: u32,
    start: usize,
    end: usize,
    kind: TokenKind,
}

/// Reusable token buffer: normalised texts live in one arena string.
#[derive(Debug, Default)]
pub struct TokenStream {
    arena: String,
    spans: Vec<StreamSpan>,
    word: String,
    scratch: String,
}

/// A borrowed token from a [`TokenStream`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenRef<'a> {
    pub text: &'a str,
    pub start: usize,
    pub end: usize,
    pub kind: TokenKind,
}

impl TokenStream {
    fn clear(&mut self) {
        self.arena.clear();
        self.spans.clear();
    }

    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// True when the text held no tokens.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The tokens in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = TokenRef<'_>> + '_ {
        self.spans.iter().map(move |s| self.get_span(s))
    }

    /// The `i`-th token.
    pub fn get(&self, i: usize) -> TokenRef<'_> {
        self.get_span(&self.spans[i])
    }

    fn get_span(&self, s: &StreamSpan) -> TokenRef<'_> {
        TokenRef {
            text: &self.arena[s.text_from as usize..s.text_to as usize],
            start: s.start,
            end: s.end,
            kind: s.kind,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Asserts one token's normalised text and byte offsets.
    fn assert_token(tok: &Token, text: &str, start: usize, end: usize) {
        assert_eq!(
            (tok.text.as_str(), tok.start, tok.end),
            (text, start, end),
            "token {tok:?}"
        );
    }

    #[test]
    fn keeps_byte_offsets_on_non_ascii_text() {
        let tokens = Tokenizer::default().tokenize("Русский текст");
        assert_token(&tokens[0], "русский", 0, 14);
        assert_token(&tokens[1], "текст", 15, 25);
    }

    #[test]
    fn offsets_slice_the_source_even_after_folding() {
        let text = "Kabul’s “fall” — déjà vu?";
        let tokens = Tokenizer::default().tokenize(text);
        let sources: Vec<&str> = tokens.iter().map(|t| &text[t.start..t.end]).collect();
        assert_eq!(
            sources,
            ["Kabul’s", "“", "fall", "”", "—", "déjà", "vu", "?"]
        );
        assert_eq!(tokens[0].text, "kabul's");
        assert_eq!(tokens[1].text, "\"");
    }

    #[test]
    fn keeps_urls_mentions_and_hashtags_whole() {
        let text = "See https://www.state.gov/report. via @AP_news #Afghanistan!";
        let tokens = Tokenizer::default().tokenize(text);
        let kinds: Vec<(TokenKind, &str)> =
            tokens.iter().map(|t| (t.kind, t.text.as_str())).collect();
        assert!(kinds.contains(&(TokenKind::Url, "https://www.state.gov/report")));
        assert!(kinds.contains(&(TokenKind::Punct, ".")));
        assert!(kinds.contains(&(TokenKind::Mention, "@ap_news")));
        assert!(kinds.contains(&(TokenKind::Hashtag, "#afghanistan")));
        assert_eq!(tokens.last().unwrap().text, "!");
    }

    #[test]
    fn email_at_sign_is_not_a_mention() {
        let tokens = Tokenizer::default().tokenize("mail a@b.org");
        assert!(tokens.iter().all(|t| t.kind != TokenKind::Mention));
    }

    #[test]
    fn lone_sigil_is_punctuation() {
        let tokens = Tokenizer::default().tokenize("# @ ?");
        assert!(tokens.iter().all(|t| t.kind == TokenKind::Punct));
        assert_eq!(tokens.len(), 3);
    }

    #[test]
    fn shapes_numbers_and_keeps_tone_punctuation() {
        let tokens = Tokenizer::default().tokenize("13 troops, $2,500!?");
        let texts: Vec<&str> = tokens.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(texts, ["dd", "troops", ",", "$", "d,ddd", "!", "?"]);
    }

    #[test]
    fn no_filters_keeps_source_text() {
        let text = "Don’t GO";
        let tokens = Tokenizer::new(vec![]).tokenize(text);
        assert!(tokens.iter().all(|t| t.text == text[t.start..t.end]));
    }

    #[test]
    fn whitespace_only_gives_no_tokens() {
        assert!(Tokenizer::default().tokenize(" \n\t ").is_empty());
    }
}
