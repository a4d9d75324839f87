//! The fuzz targets' bodies, shared by the AFL++ binaries (`src/bin/<target>.rs`) and by
//! `replay`, which runs saved inputs (a crash, a corpus) through them without AFL.

use stance::features::{Analysis, FeatureSpec};
use stance::io::{Format, LineMode, RecordReader};
use stance::tokenize::Tokenizer;
use stance::Model;
use std::io::BufRead;
use std::path::Path;

/// Tokenizer and feature analysis on arbitrary text: no panic, and every token's offsets
/// slice the input on character boundaries.
pub fn tokenize(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    for t in Tokenizer::new(vec![]).tokenize(&text) {
        assert!(t.start < t.end && t.end <= text.len());
        assert!(text.is_char_boundary(t.start) && text.is_char_boundary(t.end));
        assert_eq!(t.text, &text[t.start..t.end]);
    }
    for t in Tokenizer::default().tokenize(&text) {
        assert!(text.get(t.start..t.end).is_some());
    }
    // The default features, and every optional block (target terms, writer's voice).
    let mut analysis = Analysis::default();
    FeatureSpec::default().analyze(&text, &mut analysis);
    full_spec().analyze(&text, &mut analysis);
}

fn full_spec() -> &'static FeatureSpec {
    static SPEC: std::sync::OnceLock<FeatureSpec> = std::sync::OnceLock::new();
    SPEC.get_or_init(|| {
        let tokenizer = Tokenizer::default();
        let terms = "# the withdrawal\nwithdrawal\npull-out\nUS exit\nKabul\n";
        FeatureSpec {
            target_terms: Some(stance::features::TargetTerms::parse(terms, &tokenizer).unwrap()),
            voice: true,
            ..FeatureSpec::default()
        }
    })
}

/// The record readers (CSV, TSV, JSON Lines, plain text) on arbitrary bytes: every input
/// ends in records or typed errors, never a panic. The first byte picks the format and
/// line mode, as the CLI's flags would. Returns (records, row errors).
pub fn records(data: &[u8]) -> (usize, usize) {
    let Some((&sel, body)) = data.split_first() else {
        return (0, 0);
    };
    let format = [Format::Csv, Format::Tsv, Format::Jsonl, Format::Text][(sel & 3) as usize];
    let mode = if sel & 4 == 0 {
        LineMode::BlankLines
    } else {
        LineMode::EachLine
    };
    let input: Box<dyn BufRead + Send> = Box::new(std::io::Cursor::new(body.to_vec()));
    let Ok(mut reader) = RecordReader::new("fuzz".into(), input, format, mode) else {
        return (0, 1);
    };
    let text = reader.column("text");
    let (mut ok, mut bad) = (0, 0);
    // Row errors may be skipped (--on-error skip): keep reading past them, but stop if
    // the reader makes no progress.
    for _ in 0..10_000 {
        match reader.next_record() {
            Ok(Some(record)) => {
                ok += 1;
                if let Ok(col) = &text {
                    let _ = record.get(col);
                }
            }
            Ok(None) => break,
            Err(e) => {
                bad += 1;
                let _ = e.to_string();
                if matches!(e, stance::Error::UnclosedQuote { .. }) {
                    break;
                }
            }
        }
    }
    if ok == 0 && bad == 0 {
        let _ = reader.no_rows_error().to_string();
    }
    (ok, bad)
}

/// What the model loader made of an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Loaded {
    /// Refused before the checksum (magic, version, lengths).
    Refused,
    /// Refused by the checksum.
    Corrupted,
    /// Past the checksum, refused by the decoder or the consistency checks.
    DecodeError,
    /// Loaded, and scored without panic.
    Model,
}

/// The model loader on arbitrary bytes, as they are and with their checksum repaired (so
/// the decoder behind the checksum is reached too); a model that loads must score.
pub fn model(data: &[u8]) -> [Loaded; 2] {
    let raw = try_load(data);
    let mut fixed = data.to_vec();
    if fixed.len() >= 24 {
        let end = fixed.len() - 8;
        let sum = xxhash_rust::xxh3::xxh3_64(&fixed[..end]);
        fixed[end..].copy_from_slice(&sum.to_le_bytes());
    }
    [raw, try_load(&fixed)]
}

fn try_load(bytes: &[u8]) -> Loaded {
    use stance::error::ModelProblem;
    match Model::from_bytes(bytes, Path::new("fuzz.stance")) {
        Ok(model) => {
            let _ = model.summary();
            let mut scorer = model.scorer();
            for target in [None, Some("x"), Some("A")] {
                if let Ok(preds) = scorer.score("The withdrawal from Kabul was a disaster!", target)
                {
                    for (p, head) in preds.iter().zip(model.heads()) {
                        assert!(p.label < head.labels.len());
                    }
                }
            }
            Loaded::Model
        }
        Err(stance::Error::BadModel { problem, .. }) => match problem {
            ModelProblem::Corrupted => Loaded::Corrupted,
            ModelProblem::Decode(_) => Loaded::DecodeError,
            _ => Loaded::Refused,
        },
        Err(e) => panic!("unexpected error kind: {e}"),
    }
}
