//! Tokenizer and feature analysis on arbitrary text: no panic, and every token's offsets
//! slice the input on character boundaries.

use stance::features::{Analysis, FeatureSpec};
use stance::tokenize::Tokenizer;

fn main() {
    let spec = FeatureSpec::default();
    let raw = Tokenizer::new(vec![]);
    let mut analysis = Analysis::default();
    afl::fuzz!(|data: &[u8]| {
        let text = String::from_utf8_lossy(data);
        for t in raw.tokenize(&text) {
            assert!(t.start < t.end && t.end <= text.len());
            assert!(text.is_char_boundary(t.start) && text.is_char_boundary(t.end));
            assert_eq!(t.text, &text[t.start..t.end]);
        }
        for t in Tokenizer::default().tokenize(&text) {
            assert!(text.get(t.start..t.end).is_some());
        }
        spec.analyze(&text, &mut analysis);
    });
}
