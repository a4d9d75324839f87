//! Inputs saved from fuzzing (`fuzz/regressions/<target>/`): each is run through the same
//! checks as its fuzz target, so a crash once found stays fixed. To add one, copy the
//! crashing input from `fuzz/out/<target>/default/crashes/` into the folder (see
//! fuzz/README.md).

use stance::io::{Format, LineMode, RecordReader};
use stance::tokenize::Tokenizer;
use stance::Model;
use std::io::BufRead;
use std::path::{Path, PathBuf};

fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target);
    let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    files
        .into_iter()
        .filter(|p| p.is_file())
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect()
}

#[test]
fn saved_tokenizer_inputs_keep_offsets_on_char_boundaries() {
    for (path, data) in inputs("tokenize") {
        let text = String::from_utf8_lossy(&data);
        for t in Tokenizer::new(vec![]).tokenize(&text) {
            assert_eq!(t.text, &text[t.start..t.end], "{}", path.display());
        }
        stance::features::FeatureSpec::default()
            .analyze(&text, &mut stance::features::Analysis::default());
    }
}

#[test]
fn saved_reader_inputs_end_in_records_or_errors() {
    for (path, data) in inputs("records") {
        // As in the fuzz target: the first byte picks the format and line mode.
        let Some((&sel, body)) = data.split_first() else {
            continue;
        };
        let format = [Format::Csv, Format::Tsv, Format::Jsonl, Format::Text][(sel & 3) as usize];
        let mode = if sel & 4 == 0 {
            LineMode::BlankLines
        } else {
            LineMode::EachLine
        };
        let input: Box<dyn BufRead + Send> = Box::new(std::io::Cursor::new(body.to_vec()));
        let Ok(mut reader) = RecordReader::new("fuzz".into(), input, format, mode) else {
            continue;
        };
        let mut steps = 0;
        loop {
            steps += 1;
            assert!(steps < 100_000, "{}: the reader never ends", path.display());
            match reader.next_record() {
                Ok(Some(_)) => {}
                Ok(None) | Err(stance::Error::UnclosedQuote { .. }) => break,
                Err(e) => {
                    // Every error names the input.
                    assert!(e.to_string().starts_with("fuzz"), "{}: {e}", path.display());
                }
            }
        }
    }
}

#[test]
fn saved_model_inputs_load_or_are_refused() {
    for (path, data) in inputs("model") {
        // As in the fuzz target: as saved, and with the checksum repaired.
        let mut fixed = data.clone();
        if fixed.len() >= 24 {
            let end = fixed.len() - 8;
            let sum = xxhash_rust::xxh3::xxh3_64(&fixed[..end]);
            fixed[end..].copy_from_slice(&sum.to_le_bytes());
        }
        for bytes in [&data, &fixed] {
            match Model::from_bytes(bytes, Path::new("m")) {
                Ok(model) => {
                    let mut scorer = model.scorer();
                    for target in [None, Some("x"), Some("A")] {
                        let _ = scorer.score("the withdrawal was a disaster", target);
                    }
                }
                Err(e) => assert!(
                    matches!(e, stance::Error::BadModel { .. }),
                    "{}: {e}",
                    path.display()
                ),
            }
        }
    }
}
