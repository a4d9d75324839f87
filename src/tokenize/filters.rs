//! Normalising filters. Each rewrites a token's text in place and never touches its
//! offsets, so a token always points back at the source it came from.

use super::TokenKind;
use serde::{Deserialize, Serialize};

/// One normalising step. Filters are data, not closures, so a model file can record
/// exactly which ones ran at training time.
///
/// ```
/// use stance::tokenize::{Filter, Tokenizer};
/// let tok = Tokenizer::new(vec![Filter::AsciiQuotes, Filter::Lowercase]);
/// let words: Vec<String> = tok.tokenize("Don\u{2019}t LEAVE").into_iter().map(|t| t.text).collect();
/// assert_eq!(words, ["don't", "leave"]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Filter {
    /// Unicode lower-casing (ASCII fast path).
    Lowercase,
    /// Curly quotes, apostrophes, primes and guillemets become `'` or `"`.
    AsciiQuotes,
    /// Digits become `d`, so `2,500` and `1,800` share the shape `d,ddd`.
    NumberShape,
}

impl Filter {
    /// Applies the filter to `text` (a token of kind `kind`), using `scratch` as workspace.
    pub(crate) fn apply(self, text: &mut String, kind: TokenKind, scratch: &mut String) {
        match self {
            Filter::Lowercase => lowercase(text, scratch),
            Filter::AsciiQuotes => ascii_quotes(text, scratch),
            Filter::NumberShape => {
                if kind == TokenKind::Number {
                    number_shape(text, scratch)
                }
            }
        }
    }

    /// What the filter makes of one ASCII byte. On ASCII text every filter maps byte to
    /// byte (a new filter must too, or keep ASCII tokens off the table), so a chain folds
    /// into one table (see `Tokenizer::new`).
    pub(crate) fn ascii_byte(self, b: u8, kind: TokenKind) -> u8 {
        match self {
            Filter::Lowercase => b.to_ascii_lowercase(),
            Filter::AsciiQuotes => match b {
                b'`' => b'\'',
                _ => b,
            },
            Filter::NumberShape => match kind {
                TokenKind::Number if b.is_ascii_digit() => b'd',
                _ => b,
            },
        }
    }
}

fn lowercase(text: &mut String, scratch: &mut String) {
    if text.is_ascii() {
        text.make_ascii_lowercase();
        return;
    }
    scratch.clear();
    for c in text.chars() {
        scratch.extend(c.to_lowercase());
    }
    std::mem::swap(text, scratch);
}

fn ascii_quote(c: char) -> Option<char> {
    match c {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{02BC}' | '`' => {
            Some('\'')
        }
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}'
        | '\u{00BB}' => Some('"'),
        _ => None,
    }
}

fn ascii_quotes(text: &mut String, scratch: &mut String) {
    if text.is_ascii() && !text.contains('`') {
        return;
    }
    scratch.clear();
    scratch.extend(text.chars().map(|c| ascii_quote(c).unwrap_or(c)));
    std::mem::swap(text, scratch);
}

fn number_shape(text: &mut String, scratch: &mut String) {
    scratch.clear();
    scratch.extend(text.chars().map(|c| if c.is_numeric() { 'd' } else { c }));
    std::mem::swap(text, scratch);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(filter: Filter, text: &str, kind: TokenKind) -> String {
        let mut s = text.to_string();
        filter.apply(&mut s, kind, &mut String::new());
        s
    }

    #[test]
    fn lowercases_non_ascii() {
        assert_eq!(run(Filter::Lowercase, "ÉLAN", TokenKind::Word), "élan");
        assert_eq!(
            run(Filter::Lowercase, "Русский", TokenKind::Word),
            "русский"
        );
    }

    #[test]
    fn folds_curly_quotes_and_apostrophes() {
        assert_eq!(
            run(Filter::AsciiQuotes, "it\u{2019}s", TokenKind::Word),
            "it's"
        );
        assert_eq!(run(Filter::AsciiQuotes, "\u{201C}", TokenKind::Punct), "\"");
        assert_eq!(run(Filter::AsciiQuotes, "\u{00AB}", TokenKind::Punct), "\"");
    }

    #[test]
    fn the_byte_map_agrees_with_the_filter_on_every_ascii_byte() {
        use TokenKind::*;
        for filter in [Filter::Lowercase, Filter::AsciiQuotes, Filter::NumberShape] {
            for kind in [Word, Number, Url, Mention, Hashtag, Punct] {
                for b in 0..128u8 {
                    let text = (b as char).to_string();
                    let want = run(filter, &text, kind);
                    let got = (filter.ascii_byte(b, kind) as char).to_string();
                    assert_eq!(got, want, "{filter:?} {kind:?} {b}");
                }
            }
        }
    }

    #[test]
    fn shapes_numbers_only() {
        assert_eq!(
            run(Filter::NumberShape, "2,500", TokenKind::Number),
            "d,ddd"
        );
        assert_eq!(run(Filter::NumberShape, "b52", TokenKind::Word), "b52");
    }
}
