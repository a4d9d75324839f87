//! The record readers (CSV, TSV, JSON Lines, plain text) on arbitrary bytes: every input
//! ends in records or a typed error, never a panic.

use stance::io::{Format, LineMode, RecordReader};
use std::io::BufRead;

fn main() {
    afl::fuzz!(|data: &[u8]| {
        // The first byte picks the format and line mode, as the CLI's flags would.
        let Some((&sel, body)) = data.split_first() else {
            return;
        };
        let format = [Format::Csv, Format::Tsv, Format::Jsonl, Format::Text][(sel & 3) as usize];
        let mode = if sel & 4 == 0 {
            LineMode::BlankLines
        } else {
            LineMode::EachLine
        };
        let input: Box<dyn BufRead + Send> = Box::new(std::io::Cursor::new(body.to_vec()));
        let Ok(mut reader) = RecordReader::new("fuzz".into(), input, format, mode) else {
            return;
        };
        let text = reader.column("text");
        for _ in 0..10_000 {
            match reader.next_record() {
                Ok(Some(record)) => {
                    if let Ok(col) = &text {
                        let _ = record.get(col);
                    }
                }
                Ok(None) => break,
                // Row-level errors may be skipped (--on-error skip): keep reading.
                Err(e) => {
                    let _ = e.to_string();
                }
            }
        }
    });
}
