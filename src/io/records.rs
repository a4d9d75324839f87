//! Reading records from CSV, TSV, JSON Lines or plain text, streaming, with the line of
//! every record so that errors can name it.

use crate::error::{Error, Result};
use serde_json::{Map, Value};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// Input formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    Tsv,
    Jsonl,
    /// Plain text: paragraphs separated by blank lines (or one per line, see `LineMode`).
    Text,
}

impl Format {
    /// Format implied by a file name's extension (`None` when it implies nothing).
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(Format::Csv),
            "tsv" | "tab" => Some(Format::Tsv),
            "jsonl" | "ndjson" => Some(Format::Jsonl),
            "txt" | "text" | "md" => Some(Format::Text),
            _ => None,
        }
    }

    /// Guesses the format of headerless input (stdin, unknown extension) from its first
    /// line: `{` starts JSON Lines; a tab- or comma-separated header naming the text column
    /// is TSV or CSV; anything else is plain text.
    pub fn sniff(first_line: &str, text_column: &str) -> Format {
        let line = first_line.trim_start_matches('\u{feff}').trim_end();
        if line.starts_with('{') {
            return Format::Jsonl;
        }
        let names = |sep: char| line.split(sep).any(|f| f.trim_matches('"') == text_column);
        if line.contains('\t') && names('\t') {
            Format::Tsv
        } else if names(',') {
            Format::Csv
        } else {
            Format::Text
        }
    }
}

/// How plain text is split into paragraphs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LineMode {
    /// Paragraphs are separated by blank lines; lines within one are joined by a space.
    #[default]
    BlankLines,
    /// Every non-empty line is a paragraph.
    EachLine,
}

/// A record's fields: a row of strings (CSV, TSV, text) or a JSON object.
#[derive(Debug, Clone, PartialEq)]
pub enum Fields {
    Row(Vec<String>),
    Object(Map<String, Value>),
}

/// One input record and the line where it starts (1-based).
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub line: u64,
    pub fields: Fields,
}

/// Where a column is found in a record.
#[derive(Debug, Clone)]
pub enum Column {
    Index(usize),
    Key(String),
}

impl Record {
    /// The value of a column as text (`None` when absent; JSON numbers and booleans are
    /// written out, `null` counts as absent).
    pub fn get(&self, col: &Column) -> Option<std::borrow::Cow<'_, str>> {
        match (&self.fields, col) {
            (Fields::Row(r), Column::Index(i)) => r.get(*i).map(|s| s.as_str().into()),
            (Fields::Object(o), Column::Key(k)) => match o.get(k)? {
                Value::String(s) => Some(s.as_str().into()),
                Value::Null => None,
                v => Some(v.to_string().into()),
            },
            _ => None,
        }
    }
}

enum Inner {
    Csv(csv::Reader<QuoteTracker>, csv::ByteRecord),
    Jsonl(Box<dyn BufRead + Send>),
    Text(Box<dyn BufRead + Send>, LineMode),
}

/// A streaming reader of records.
pub struct RecordReader {
    path: PathBuf,
    format: Format,
    headers: Vec<String>,
    inner: Inner,
    line: u64,
    buf: Vec<u8>,
    next_id: u64,
    first: Option<Record>,
}

/// Opens `path` (`-` means standard input) for buffered reading.
pub fn open(path: &str) -> Result<(PathBuf, Box<dyn BufRead + Send>)> {
    if path == "-" {
        return Ok((
            PathBuf::from("<stdin>"),
            Box::new(BufReader::with_capacity(1 << 16, std::io::stdin())),
        ));
    }
    let p = PathBuf::from(path);
    let file = std::fs::File::open(&p).map_err(|e| Error::io(&p, e))?;
    if file.metadata().map(|m| m.is_dir()).unwrap_or(false) {
        return Err(Error::io(
            &p,
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "is a directory"),
        ));
    }
    Ok((p, Box::new(BufReader::with_capacity(1 << 16, file))))
}

impl RecordReader {
    /// Opens `path` as `format`, or as the format its extension or first line implies.
    pub fn open(
        path: &str,
        format: Option<Format>,
        text_column: &str,
        lines: LineMode,
    ) -> Result<Self> {
        let (name, mut reader) = open(path)?;
        let format = match format.or_else(|| Format::from_path(&name)) {
            Some(f) => f,
            None => {
                let buf = reader.fill_buf().map_err(|e| Error::io(&name, e))?;
                let end = buf.iter().position(|&b| b == b'\n').unwrap_or(buf.len());
                Format::sniff(&String::from_utf8_lossy(&buf[..end]), text_column)
            }
        };
        RecordReader::new(name, reader, format, lines)
    }

    /// Wraps an open reader.
    pub fn new(
        path: PathBuf,
        reader: Box<dyn BufRead + Send>,
        format: Format,
        lines: LineMode,
    ) -> Result<Self> {
        let mut rr = RecordReader {
            path,
            format,
            headers: Vec::new(),
            inner: Inner::Text(Box::new(std::io::empty()), lines),
            line: 0,
            buf: Vec::new(),
            next_id: 1,
            first: None,
        };
        match format {
            Format::Csv | Format::Tsv => {
                let delim = if format == Format::Tsv { b'\t' } else { b',' };
                let mut csv = csv::ReaderBuilder::new()
                    .delimiter(delim)
                    .has_headers(true)
                    .from_reader(QuoteTracker::new(Box::new(reader), delim));
                let headers = match csv.byte_headers() {
                    Ok(h) => h.clone(),
                    Err(e) => return Err(csv_error(&rr.path, 1, &csv, e)),
                };
                if let Some(line) = unclosed_quote(&csv) {
                    return Err(Error::UnclosedQuote {
                        path: rr.path.clone(),
                        line,
                    });
                }
                // The csv crate skips blank lines: no header means nothing but blank lines.
                if headers.is_empty() || (headers.len() == 1 && headers[0].is_empty()) {
                    return Err(Error::EmptyFile {
                        path: rr.path.clone(),
                    });
                }
                rr.headers = headers
                    .iter()
                    .map(|h| {
                        std::str::from_utf8(h)
                            .map(|s| s.trim_start_matches('\u{feff}').to_string())
                            .map_err(|_| Error::InvalidUtf8 {
                                path: rr.path.clone(),
                                line: 1,
                            })
                    })
                    .collect::<Result<_>>()?;
                rr.inner = Inner::Csv(csv, csv::ByteRecord::new());
            }
            Format::Jsonl => {
                rr.inner = Inner::Jsonl(reader);
                // Headers are the keys of the first object.
                rr.first = rr.next_record()?;
                if let Some(Record {
                    fields: Fields::Object(o),
                    ..
                }) = &rr.first
                {
                    rr.headers = o.keys().cloned().collect();
                }
            }
            Format::Text => {
                rr.inner = Inner::Text(reader, lines);
                rr.headers = vec!["id".into(), "text".into()];
            }
        }
        Ok(rr)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn format(&self) -> Format {
        self.format
    }

    /// Column names: the CSV header, the first JSON object's keys, or `id,text`.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// Finds a column by name, or says which columns there are.
    pub fn column(&self, name: &str) -> Result<Column> {
        match self.format {
            Format::Jsonl => {
                if self.first.is_none() || self.headers.iter().any(|h| h == name) {
                    Ok(Column::Key(name.to_string()))
                } else {
                    Err(self.missing(name))
                }
            }
            _ => self
                .headers
                .iter()
                .position(|h| h == name)
                .map(Column::Index)
                .ok_or_else(|| self.missing(name)),
        }
    }

    fn missing(&self, name: &str) -> Error {
        Error::MissingColumn {
            path: self.path.clone(),
            column: name.to_string(),
            found: self.headers.clone(),
        }
    }

    /// The error to report when the input held no record: an empty file, or (CSV, TSV)
    /// a header with nothing under it.
    pub fn no_rows_error(&self) -> Error {
        match self.format {
            Format::Csv | Format::Tsv => Error::NoRows {
                path: self.path.clone(),
                columns: self.headers.clone(),
            },
            Format::Jsonl | Format::Text => Error::EmptyFile {
                path: self.path.clone(),
            },
        }
    }

    /// The next record, `None` at the end of input.
    pub fn next_record(&mut self) -> Result<Option<Record>> {
        if let Some(first) = self.first.take() {
            return Ok(Some(first));
        }
        match &mut self.inner {
            Inner::Csv(csv, rec) => {
                let more = match csv.read_byte_record(rec) {
                    Ok(more) => more,
                    Err(e) => return Err(csv_error(&self.path, self.line, csv, e)),
                };
                if !more {
                    return Ok(None);
                }
                let line = rec.position().map_or(0, |p| p.line());
                self.line = line;
                if let Some(quote_line) = unclosed_quote(csv) {
                    return Err(Error::UnclosedQuote {
                        path: self.path.clone(),
                        line: quote_line,
                    });
                }
                let mut row = Vec::with_capacity(rec.len());
                for field in rec.iter() {
                    match std::str::from_utf8(field) {
                        Ok(s) => row.push(s.to_string()),
                        Err(_) => {
                            return Err(Error::InvalidUtf8 {
                                path: self.path.clone(),
                                line,
                            })
                        }
                    }
                }
                Ok(Some(Record {
                    line,
                    fields: Fields::Row(row),
                }))
            }
            Inner::Jsonl(reader) => loop {
                self.buf.clear();
                let n = reader
                    .read_until(b'\n', &mut self.buf)
                    .map_err(|e| Error::io(&self.path, e))?;
                if n == 0 {
                    return Ok(None);
                }
                self.line += 1;
                let line = self.line;
                let text = std::str::from_utf8(&self.buf).map_err(|_| Error::InvalidUtf8 {
                    path: self.path.clone(),
                    line,
                })?;
                if text.trim().is_empty() {
                    continue;
                }
                let value: Value = serde_json::from_str(text).map_err(|e| Error::Parse {
                    path: self.path.clone(),
                    line,
                    message: format!("invalid JSON: {e}"),
                })?;
                let Value::Object(obj) = value else {
                    return Err(Error::Parse {
                        path: self.path.clone(),
                        line,
                        message: "each line must be a JSON object".into(),
                    });
                };
                return Ok(Some(Record {
                    line,
                    fields: Fields::Object(obj),
                }));
            },
            Inner::Text(reader, mode) => {
                let mode = *mode;
                let mut para = String::new();
                let mut start = None;
                // A paragraph with an invalid line is reported (and skipped) whole.
                let mut invalid = None;
                loop {
                    self.buf.clear();
                    let n = reader
                        .read_until(b'\n', &mut self.buf)
                        .map_err(|e| Error::io(&self.path, e))?;
                    if n == 0 {
                        break;
                    }
                    self.line += 1;
                    let line = self.line;
                    let text = std::str::from_utf8(&self.buf).map(str::trim);
                    if text.is_ok_and(str::is_empty) {
                        if start.is_none() {
                            continue;
                        }
                        break;
                    }
                    start.get_or_insert(line);
                    match text {
                        Ok(text) if invalid.is_none() => {
                            if !para.is_empty() {
                                para.push(' ');
                            }
                            para.push_str(text);
                        }
                        Ok(_) => {}
                        Err(_) => {
                            invalid.get_or_insert(line);
                        }
                    }
                    if mode == LineMode::EachLine {
                        break;
                    }
                }
                let Some(start) = start else {
                    return Ok(None);
                };
                // Ids count paragraphs in the file, skipped ones included.
                let id = self.next_id;
                self.next_id += 1;
                if let Some(line) = invalid {
                    return Err(Error::InvalidUtf8 {
                        path: self.path.clone(),
                        line,
                    });
                }
                Ok(Some(Record {
                    line: start,
                    fields: Fields::Row(vec![id.to_string(), para]),
                }))
            }
        }
    }
}

/// A csv crate error as a parse error naming the line, or an unclosed quote.
fn csv_error(
    path: &Path,
    fallback_line: u64,
    csv: &csv::Reader<QuoteTracker>,
    e: csv::Error,
) -> Error {
    let line = e.position().map_or(fallback_line, |p| p.line());
    if let Some(line) = unclosed_quote(csv) {
        return Error::UnclosedQuote {
            path: path.to_path_buf(),
            line,
        };
    }
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            let end = csv.position().line().saturating_sub(1);
            let span = if end > line {
                format!(" (the row spans lines {line}-{end}: check its quotes)")
            } else {
                String::new()
            };
            format!("row has {len} fields but the header has {expected_len}{span}")
        }
        csv::ErrorKind::Io(io) => io.to_string(),
        _ => e.to_string(),
    };
    Error::Parse {
        path: path.to_path_buf(),
        line,
        message,
    }
}

/// The line of a quote that the csv parser is still inside at the end of the input, when
/// the record just read (or failed) is the one that ran into the end because of it.
fn unclosed_quote(csv: &csv::Reader<QuoteTracker>) -> Option<u64> {
    let t = csv.get_ref();
    (t.eof && t.state == QuoteState::Quoted && csv.position().byte() == t.bytes)
        .then_some(t.quote_line)
}

/// Where the CSV parser is within a field, following the csv crate's rules: a quote opens
/// a quoted field only at the start of a field, `""` inside one is an escaped quote, and
/// bytes after a closing quote continue the field unquoted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QuoteState {
    FieldStart,
    Unquoted,
    Quoted,
    QuoteInQuoted,
}

/// Passes the input through to the csv parser while following its quoting, so that a
/// quote never closed is reported as such (the csv crate silently ends the field at the
/// end of the input) with the line where it was opened.
struct QuoteTracker {
    inner: Box<dyn Read + Send>,
    delimiter: u8,
    state: QuoteState,
    line: u64,
    quote_line: u64,
    bytes: u64,
    eof: bool,
}

impl QuoteTracker {
    fn new(inner: Box<dyn Read + Send>, delimiter: u8) -> Self {
        QuoteTracker {
            inner,
            delimiter,
            state: QuoteState::FieldStart,
            line: 1,
            quote_line: 0,
            bytes: 0,
            eof: false,
        }
    }

    fn step(&mut self, b: u8) {
        use QuoteState::*;
        let ends_field = b == self.delimiter || b == b'\n' || b == b'\r';
        self.state = match (self.state, b) {
            (FieldStart, b'"') => {
                self.quote_line = self.line;
                Quoted
            }
            (Quoted, b'"') => QuoteInQuoted,
            (Quoted, _) => Quoted,
            (QuoteInQuoted, b'"') => Quoted,
            (_, _) if ends_field => FieldStart,
            (_, _) => Unquoted,
        };
        if b == b'\n' {
            self.line += 1;
        }
    }

    /// Steps through `bytes`, jumping with `memchr` over runs that leave the state as it
    /// is: inside quotes only `"` and newlines matter, in an unquoted field only the
    /// delimiter and line ends.
    fn scan(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let next = match self.state {
                QuoteState::Quoted => memchr::memchr2(b'"', b'\n', bytes),
                QuoteState::Unquoted => memchr::memchr3(self.delimiter, b'\n', b'\r', bytes),
                _ => Some(0),
            };
            let Some(i) = next else { return };
            self.step(bytes[i]);
            bytes = &bytes[i + 1..];
        }
    }
}

impl Read for QuoteTracker {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            self.eof = true;
        }
        self.scan(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

impl Iterator for RecordReader {
    type Item = Result<Record>;
    fn next(&mut self) -> Option<Self::Item> {
        self.next_record().transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_tracking_that_skips_runs_agrees_with_stepping_each_byte() {
        let alphabet = b"ab,\"\n\r\t ";
        let mut rng = crate::model::SplitMix64::new(5);
        for _ in 0..20_000 {
            let len = (rng.next_u64() % 24) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|_| alphabet[(rng.next_u64() % alphabet.len() as u64) as usize])
                .collect();
            let delimiter = if rng.next_u64() % 2 == 0 { b',' } else { b'\t' };
            let mut fast = QuoteTracker::new(Box::new(std::io::empty()), delimiter);
            let mut slow = QuoteTracker::new(Box::new(std::io::empty()), delimiter);
            // In two reads, as a reader would hand them over.
            let cut = bytes.len() / 2;
            fast.scan(&bytes[..cut]);
            fast.scan(&bytes[cut..]);
            bytes.iter().for_each(|&b| slow.step(b));
            let state = |t: &QuoteTracker| (t.state, t.line, t.quote_line);
            assert_eq!(
                state(&fast),
                state(&slow),
                "{:?}",
                String::from_utf8_lossy(&bytes)
            );
        }
    }

    fn reader(data: &str, format: Format, mode: LineMode) -> RecordReader {
        let r: Box<dyn BufRead + Send> = Box::new(std::io::Cursor::new(data.as_bytes().to_vec()));
        RecordReader::new("t".into(), r, format, mode).unwrap()
    }

    #[test]
    fn reads_csv_with_line_numbers() {
        let mut r = reader(
            "id,text\n1,\"a\nb\"\n2,c\n",
            Format::Csv,
            LineMode::default(),
        );
        let col = r.column("text").unwrap();
        let a = r.next_record().unwrap().unwrap();
        let b = r.next_record().unwrap().unwrap();
        assert_eq!((a.line, a.get(&col).unwrap().as_ref()), (2, "a\nb"));
        assert_eq!((b.line, b.get(&col).unwrap().as_ref()), (4, "c"));
        assert!(r.next_record().unwrap().is_none());
    }

    #[test]
    fn ragged_csv_names_the_line() {
        let mut r = reader("a,b\n1,2\n3\n", Format::Csv, LineMode::default());
        r.next_record().unwrap();
        let err = r.next_record().unwrap_err().to_string();
        assert!(err.starts_with("t:3:") && err.contains("1 fields"), "{err}");
    }

    #[test]
    fn missing_column_lists_the_columns() {
        let r = reader("id,body\n1,x\n", Format::Csv, LineMode::default());
        let err = r.column("text").unwrap_err().to_string();
        assert_eq!(err, "t: no column 'text' (columns found: id, body)");
    }

    #[test]
    fn invalid_utf8_names_the_line() {
        let data = b"id,text\n1,ok\n2,caf\xe9\n".to_vec();
        let r: Box<dyn BufRead + Send> = Box::new(std::io::Cursor::new(data));
        let mut r = RecordReader::new("t".into(), r, Format::Csv, LineMode::default()).unwrap();
        r.next_record().unwrap();
        assert!(matches!(
            r.next_record(),
            Err(Error::InvalidUtf8 { line: 3, .. })
        ));
    }

    #[test]
    fn invalid_utf8_in_plain_text_spoils_its_whole_paragraph_only() {
        let data = b"ok\n\ncaf\xe9\nau lait\n\nfine\n".to_vec();
        let r: Box<dyn BufRead + Send> = Box::new(std::io::Cursor::new(data));
        let mut r = RecordReader::new("t".into(), r, Format::Text, LineMode::BlankLines).unwrap();
        r.next_record().unwrap();
        assert!(matches!(
            r.next_record(),
            Err(Error::InvalidUtf8 { line: 3, .. })
        ));
        let next = r.next_record().unwrap().unwrap();
        assert_eq!(
            (next.line, next.fields),
            (6, Fields::Row(vec!["3".into(), "fine".into()]))
        );
    }

    #[test]
    fn unclosed_quote_is_reported_at_the_line_it_opened() {
        for data in ["a,b\n1,2\n\"3,4\n5,6\n", "a,b\n1,2\n3,\"4\n5,6\n"] {
            let mut r = reader(data, Format::Csv, LineMode::default());
            r.next_record().unwrap();
            assert!(
                matches!(r.next_record(), Err(Error::UnclosedQuote { line: 3, .. })),
                "{data:?}"
            );
        }
        // Quotes closed, escaped, or inside an unquoted field are fine.
        let mut r = reader(
            "a,b\n\"x\ny\",\"say \"\"hi\"\"\"\nun\"quoted,\"\"\n",
            Format::Csv,
            LineMode::default(),
        );
        assert_eq!(r.by_ref().filter(|rec| rec.is_ok()).count(), 2);
    }

    #[test]
    fn empty_and_header_only_inputs_say_so() {
        for format in [Format::Csv, Format::Tsv] {
            let r: Box<dyn BufRead + Send> = Box::new(std::io::Cursor::new(b"\n\n".to_vec()));
            let Err(err) = RecordReader::new("t".into(), r, format, LineMode::default()) else {
                panic!("an empty file was accepted");
            };
            assert!(matches!(err, Error::EmptyFile { .. }), "{err}");
        }
        let mut r = reader("id,text\n", Format::Csv, LineMode::default());
        assert!(r.next_record().unwrap().is_none());
        assert_eq!(
            r.no_rows_error().to_string(),
            "t: no data rows, only a header (id, text)"
        );
        let r = reader("", Format::Jsonl, LineMode::default());
        assert_eq!(r.no_rows_error().to_string(), "t: the file is empty");
    }

    #[test]
    fn reads_jsonl_and_takes_headers_from_first_object() {
        let mut r = reader(
            "{\"id\":7,\"text\":\"hi\"}\n\n{\"text\":\"yo\",\"id\":8}\n",
            Format::Jsonl,
            LineMode::default(),
        );
        assert_eq!(r.headers(), ["id", "text"]);
        let col = r.column("text").unwrap();
        assert_eq!(r.next_record().unwrap().unwrap().get(&col).unwrap(), "hi");
        let second = r.next_record().unwrap().unwrap();
        assert_eq!(
            (
                second.line,
                second.get(&Column::Key("id".into())).unwrap().as_ref()
            ),
            (3, "8")
        );
    }

    #[test]
    fn splits_plain_text_on_blank_lines() {
        let mut r = reader(
            "first line\ncontinues\n\n\nsecond\n",
            Format::Text,
            LineMode::BlankLines,
        );
        let a = r.next_record().unwrap().unwrap();
        assert_eq!(
            a.fields,
            Fields::Row(vec!["1".into(), "first line continues".into()])
        );
        let b = r.next_record().unwrap().unwrap();
        assert_eq!(
            (b.line, b.fields),
            (5, Fields::Row(vec!["2".into(), "second".into()]))
        );
    }

    #[test]
    fn sniffs_formats() {
        assert_eq!(Format::sniff("{\"text\": 1}", "text"), Format::Jsonl);
        assert_eq!(Format::sniff("id,text,label", "text"), Format::Csv);
        assert_eq!(Format::sniff("id\ttext", "text"), Format::Tsv);
        assert_eq!(
            Format::sniff("The Taliban entered Kabul, and", "text"),
            Format::Text
        );
    }
}
