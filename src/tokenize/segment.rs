//! Splitting raw text into token spans: Unicode word boundaries (UAX #29), with URLs,
//! @mentions and #hashtags kept whole because they name things a word split would break.

use super::TokenKind;
use unicode_segmentation::UnicodeSegmentation;

/// A raw token: byte range into the source text and its kind. Text is not copied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub start: usize,
    pub end: usize,
    pub kind: TokenKind,
}

/// Calls `emit` for every non-whitespace token of `text`, in order.
pub(crate) fn segment(text: &str, mut emit: impl FnMut(Span)) {
    let bytes = text.as_bytes();
    let mut pos = 0;
    while pos < text.len() {
        // Skip whitespace between chunks.
        let rest = &text[pos..];
        let trimmed = rest.trim_start();
        pos += rest.len() - trimmed.len();
        if pos >= text.len() {
            break;
        }
        let chunk_len = trimmed.find(char::is_whitespace).unwrap_or(trimmed.len());
        let chunk_end = pos + chunk_len;
        if let Some(url_len) = url_len(&text[pos..chunk_end]) {
            emit(Span {
                start: pos,
                end: pos + url_len,
                kind: TokenKind::Url,
            });
            pos += url_len;
        }
        segment_chunk(text, pos, chunk_end, bytes, &mut emit);
        pos = chunk_end;
    }
}

/// Segments `text[from..to]`, which holds no whitespace, by word boundaries.
fn segment_chunk(text: &str, from: usize, to: usize, bytes: &[u8], emit: &mut impl FnMut(Span)) {
    if from >= to {
        return;
    }
    let mut pending_sigil: Option<(usize, TokenKind)> = None;
    let chunk = &text[from..to];
    // Most text is ASCII, where the word-boundary rules reduce to a byte table; the
    // general segmenter does a table search per character.
    let pieces: &mut dyn Iterator<Item = (usize, &str)> = if chunk.is_ascii() {
        &mut AsciiWords::new(chunk)
    } else {
        &mut chunk.split_word_bound_indices()
    };
    for (offset, piece) in pieces {
        let start = from + offset;
        let end = start + piece.len();
        let kind = classify(piece);
        if let Some((sigil_at, sigil_kind)) = pending_sigil.take() {
            if kind == TokenKind::Word || kind == TokenKind::Number {
                emit(Span {
                    start: sigil_at,
                    end,
                    kind: sigil_kind,
                });
                continue;
            }
            emit(Span {
                start: sigil_at,
                end: sigil_at + 1,
                kind: TokenKind::Punct,
            });
        }
        if piece == "@" || piece == "#" {
            // Only a sigil at the start of a chunk or after punctuation starts a unit.
            let at_word_start = start == from || !bytes[start - 1].is_ascii_alphanumeric();
            if at_word_start {
                let sigil_kind = if piece == "@" {
                    TokenKind::Mention
                } else {
                    TokenKind::Hashtag
                };
                pending_sigil = Some((start, sigil_kind));
                continue;
            }
        }
        emit(Span { start, end, kind });
    }
    if let Some((sigil_at, _)) = pending_sigil {
        emit(Span {
            start: sigil_at,
            end: sigil_at + 1,
            kind: TokenKind::Punct,
        });
    }
}

/// UAX #29 word boundaries for ASCII text without whitespace: the pieces
/// `split_word_bound_indices` yields there (a test compares the two on random input).
struct AsciiWords<'a> {
    text: &'a str,
    pos: usize,
}

/// The word-break classes that ASCII holds (whitespace aside).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Wb {
    /// Letters (`ALetter`).
    Letter,
    /// Digits (`Numeric`).
    Digit,
    /// `_` (`ExtendNumLet`).
    Connector,
    /// `:` (`MidLetter`): joins letters.
    MidLetter,
    /// `.` and `'` (`MidNumLet`, `Single_Quote`): join letters, and digits.
    MidNumLet,
    /// `,` and `;` (`MidNum`): join digits.
    MidNum,
    Other,
}

fn wb(b: u8) -> Wb {
    match b {
        b'a'..=b'z' | b'A'..=b'Z' => Wb::Letter,
        b'0'..=b'9' => Wb::Digit,
        b'_' => Wb::Connector,
        b':' => Wb::MidLetter,
        b'.' | b'\'' => Wb::MidNumLet,
        b',' | b';' => Wb::MidNum,
        _ => Wb::Other,
    }
}

impl<'a> AsciiWords<'a> {
    fn new(text: &'a str) -> Self {
        AsciiWords { text, pos: 0 }
    }

    /// Whether the rules keep bytes `i - 1` and `i` together (WB5-WB13b).
    fn joined(b: &[u8], i: usize) -> bool {
        use Wb::*;
        let word = |c| matches!(c, Letter | Digit | Connector);
        let (prev, cur) = (wb(b[i - 1]), wb(b[i]));
        let next = b.get(i + 1).map(|&x| wb(x));
        let before = i.checked_sub(2).map(|j| wb(b[j]));
        (word(prev) && word(cur))
            || (prev == Letter && matches!(cur, MidLetter | MidNumLet) && next == Some(Letter))
            || (before == Some(Letter) && matches!(prev, MidLetter | MidNumLet) && cur == Letter)
            || (prev == Digit && matches!(cur, MidNum | MidNumLet) && next == Some(Digit))
            || (before == Some(Digit) && matches!(prev, MidNum | MidNumLet) && cur == Digit)
    }
}

impl<'a> Iterator for AsciiWords<'a> {
    type Item = (usize, &'a str);

    fn next(&mut self) -> Option<(usize, &'a str)> {
        let b = self.text.as_bytes();
        let start = self.pos;
        if start >= b.len() {
            return None;
        }
        let mut end = start + 1;
        while end < b.len() && Self::joined(b, end) {
            end += 1;
        }
        self.pos = end;
        Some((start, &self.text[start..end]))
    }
}

fn classify(piece: &str) -> TokenKind {
    let first = piece.chars().next().unwrap_or(' ');
    if first.is_numeric() {
        TokenKind::Number
    } else if first.is_alphanumeric() || first == '_' {
        TokenKind::Word
    } else if piece.chars().any(char::is_alphanumeric) {
        // e.g. a word that starts with a combining mark
        TokenKind::Word
    } else {
        TokenKind::Punct
    }
}

/// Length of a URL at the start of `chunk`, without trailing punctuation.
fn url_len(chunk: &str) -> Option<usize> {
    let lower_starts = |p: &str| {
        chunk.len() >= p.len() && chunk.as_bytes()[..p.len()].eq_ignore_ascii_case(p.as_bytes())
    };
    if !(lower_starts("http://") || lower_starts("https://") || lower_starts("www.")) {
        return None;
    }
    let trimmed = chunk.trim_end_matches(|c: char| ".,;:!?)]}\"'\u{201d}\u{2019}".contains(c));
    Some(trimmed.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SplitMix64;

    #[test]
    fn ascii_words_match_the_unicode_segmenter() {
        // Random strings over the classes that matter, dense in the joiners.
        let alphabet = b"aZq09_:.',;\"!?-#@/()$%";
        let mut rng = SplitMix64::new(29);
        for _ in 0..200_000 {
            let len = 1 + (rng.next_u64() % 12) as usize;
            let text: String = (0..len)
                .map(|_| alphabet[(rng.next_u64() % alphabet.len() as u64) as usize] as char)
                .collect();
            let ours: Vec<_> = AsciiWords::new(&text).collect();
            let theirs: Vec<_> = text.split_word_bound_indices().collect();
            assert_eq!(ours, theirs, "{text:?}");
        }
    }
}
