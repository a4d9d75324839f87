//! Writing scored records: the input's columns plus, per head, `<head>` and
//! `<head>_confidence`, as CSV, TSV or JSON Lines, to a file (atomically) or stdout.

use super::atomic::AtomicFile;
use super::records::{Fields, Record};
use crate::error::{Error, Result};
use serde_json::{Map, Value};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutFormat {
    Csv,
    Tsv,
    Jsonl,
}

/// Standard output or an atomically written file.
pub enum Sink {
    Stdout(std::io::BufWriter<std::io::Stdout>),
    File(AtomicFile),
}

impl Sink {
    /// `None` or `-` is standard output.
    pub fn open(path: Option<&Path>) -> Result<Sink> {
        match path {
            None => Ok(Sink::stdout()),
            Some(p) if p == Path::new("-") => Ok(Sink::stdout()),
            Some(p) => Ok(Sink::File(AtomicFile::create(p)?)),
        }
    }

    fn stdout() -> Sink {
        Sink::Stdout(std::io::BufWriter::with_capacity(
            1 << 16,
            std::io::stdout(),
        ))
    }

    /// Flushes stdout, or commits the file under its final name.
    pub fn finish(self) -> Result<()> {
        match self {
            Sink::Stdout(mut w) => w.flush().map_err(|e| Error::io("<stdout>", e)),
            Sink::File(f) => f.commit(),
        }
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Sink::Stdout(w) => w.write(buf),
            Sink::File(f) => f.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Sink::Stdout(w) => w.flush(),
            Sink::File(f) => f.flush(),
        }
    }
}

/// `x` in `[0, 1]` with four decimals, as `format!("{x:.4}")` writes it (ties to even).
fn fixed4(x: f32) -> [u8; 6] {
    let scaled = x.clamp(0.0, 1.0) as f64 * 1e4; // exact: 24 + 14 bits of mantissa
    let mut r = scaled.round();
    if (r - scaled).abs() == 0.5 && (r as u32) % 2 == 1 {
        r -= 1.0;
    }
    let r = r as u32;
    let digit = |d: u32| b'0' + (d % 10) as u8;
    [
        digit(r / 10_000),
        b'.',
        digit(r / 1000),
        digit(r / 100),
        digit(r / 10),
        digit(r),
    ]
}

/// One head's decision, ready to write.
#[derive(Debug, Clone, Copy)]
pub struct Labelled<'a> {
    pub label: &'a str,
    pub confidence: f32,
}

/// Writes scored records.
pub struct ScoreWriter {
    input_columns: Vec<String>,
    /// Output names of each head's label and confidence columns.
    head_columns: Vec<(String, String)>,
    csv: Option<csv::Writer<Sink>>,
    /// The CSV header, until it is written with the first row (or at the end), so that
    /// input refused before any row leaves nothing on stdout.
    pending_header: Option<Vec<String>>,
    json: Option<Sink>,
    path: PathBuf,
}

impl ScoreWriter {
    /// `input_columns` are kept as they are; a head whose name is already an input column
    /// writes its label as `<head>_predicted` so no input value is overwritten.
    pub fn new(
        sink: Sink,
        path: PathBuf,
        format: OutFormat,
        input_columns: &[String],
        heads: &[String],
    ) -> Result<Self> {
        let head_columns: Vec<(String, String)> = heads
            .iter()
            .map(|h| {
                let label = if input_columns.contains(h) {
                    format!("{h}_predicted")
                } else {
                    h.clone()
                };
                (label, format!("{h}_confidence"))
            })
            .collect();
        let mut w = ScoreWriter {
            input_columns: input_columns.to_vec(),
            head_columns,
            csv: None,
            pending_header: None,
            json: None,
            path,
        };
        match format {
            OutFormat::Csv | OutFormat::Tsv => {
                let delim = if format == OutFormat::Tsv {
                    b'\t'
                } else {
                    b','
                };
                let csv = csv::WriterBuilder::new().delimiter(delim).from_writer(sink);
                let header: Vec<String> = w
                    .input_columns
                    .iter()
                    .cloned()
                    .chain(
                        w.head_columns
                            .iter()
                            .flat_map(|(a, b)| [a.clone(), b.clone()]),
                    )
                    .collect();
                w.pending_header = Some(header);
                w.csv = Some(csv);
            }
            OutFormat::Jsonl => w.json = Some(sink),
        }
        Ok(w)
    }

    fn err(path: &Path, e: csv::Error) -> Error {
        match e.into_kind() {
            csv::ErrorKind::Io(io) => Error::io(path, io),
            other => Error::Settings(format!("{}: {other:?}", path.display())),
        }
    }

    /// Writes the CSV header if it is still pending.
    fn write_header(&mut self) -> Result<()> {
        if let (Some(csv), Some(header)) = (&mut self.csv, self.pending_header.take()) {
            csv.write_record(&header)
                .map_err(|e| Self::err(&self.path, e))?;
        }
        Ok(())
    }

    /// Writes one record with its heads' labels.
    pub fn write(&mut self, record: &Record, heads: &[Labelled]) -> Result<()> {
        self.write_header()?;
        if let Some(csv) = &mut self.csv {
            // Borrowed fields and confidences formatted on the stack: the writer thread
            // must keep up with every scoring core.
            let confidences: Vec<[u8; 6]> = heads.iter().map(|h| fixed4(h.confidence)).collect();
            let scored = || {
                heads
                    .iter()
                    .zip(&confidences)
                    .flat_map(|(h, c)| [h.label.as_bytes(), &c[..]])
            };
            let result = match &record.fields {
                Fields::Row(r) => csv.write_record(r.iter().map(|f| f.as_bytes()).chain(scored())),
                Fields::Object(o) => {
                    let values: Vec<String> = self
                        .input_columns
                        .iter()
                        .map(|c| match o.get(c) {
                            Some(Value::String(s)) => s.clone(),
                            Some(Value::Null) | None => String::new(),
                            Some(v) => v.to_string(),
                        })
                        .collect();
                    csv.write_record(values.iter().map(|f| f.as_bytes()).chain(scored()))
                }
            };
            return result.map_err(|e| Self::err(&self.path, e));
        }
        let sink = self.json.as_mut().expect("one writer is set");
        let mut obj: Map<String, Value> = match &record.fields {
            Fields::Object(o) => o.clone(),
            Fields::Row(r) => self
                .input_columns
                .iter()
                .cloned()
                .zip(r.iter().map(|s| Value::String(s.clone())))
                .collect(),
        };
        for ((label_col, conf_col), h) in self.head_columns.iter().zip(heads) {
            obj.insert(label_col.clone(), Value::String(h.label.to_string()));
            let conf = (h.confidence as f64 * 1e4).round() / 1e4;
            obj.insert(conf_col.clone(), serde_json::json!(conf));
        }
        serde_json::to_writer(&mut *sink, &obj).map_err(|e| Error::io(&self.path, e.into()))?;
        sink.write_all(b"\n").map_err(|e| Error::io(&self.path, e))
    }

    /// Flushes and commits the output.
    pub fn finish(mut self) -> Result<()> {
        self.write_header()?;
        let path = self.path.clone();
        let sink = match (self.csv, self.json) {
            (Some(csv), _) => csv
                .into_inner()
                .map_err(|e| Error::io(&path, std::io::Error::other(e.to_string())))?,
            (None, Some(s)) => s,
            (None, None) => unreachable!("one writer is set"),
        };
        sink.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::fixed4;

    #[test]
    fn confidences_are_written_as_format_writes_them() {
        // Ties (1/32 = 0.03125 is exact) round to even, as `format!` does.
        let special = [
            0.0f32, 1.0, 0.5, 0.03125, 0.09375, 0.99995, 1e-9, 0.33333334,
        ];
        let steps = (0..=100_000).map(|i| i as f32 / 100_000.0);
        for x in special.into_iter().chain(steps) {
            let ours = String::from_utf8(fixed4(x).to_vec()).unwrap();
            assert_eq!(ours, format!("{x:.4}"), "{x}");
        }
    }
}
