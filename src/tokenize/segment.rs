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
    for (offset, piece) in text[from..to].split_word_bound_indices() {
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
