//! Reading a labelled file (text column, label columns, optional target column) into
//! memory for training and evaluation, with every bad row reported by file and line.

use super::records::{Format, LineMode, RecordReader};
use crate::error::{Error, Result};

/// Limits and options for reading texts.
#[derive(Debug, Clone, Copy)]
pub struct ReadOptions {
    /// Longest text accepted, in bytes (`0` = no limit).
    pub max_text_bytes: usize,
    /// Skip rows with invalid UTF-8 instead of failing.
    pub skip_invalid: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            max_text_bytes: 1_000_000,
            skip_invalid: false,
        }
    }
}

/// Labelled rows read from a file.
#[derive(Debug, Clone, Default)]
pub struct LabelledRows {
    pub texts: Vec<String>,
    /// One vector per label column, in the order asked for.
    pub labels: Vec<Vec<String>>,
    pub targets: Option<Vec<String>>,
    /// One vector per extra column asked for (e.g. `--group-by`), values trimmed; an
    /// empty value stays empty.
    pub extra: Vec<Vec<String>>,
    /// Line where each row starts.
    pub lines: Vec<u64>,
    /// Rows skipped for invalid UTF-8 (with `skip_invalid`).
    pub skipped: usize,
    /// Line of the first skipped row.
    pub first_skipped: Option<u64>,
}

/// Checks a text against the limits: not empty, not too long.
pub fn check_text(
    text: &str,
    path: &std::path::Path,
    line: u64,
    column: &str,
    opts: &ReadOptions,
) -> Result<()> {
    if text.trim().is_empty() {
        return Err(Error::EmptyText {
            path: path.to_path_buf(),
            line,
            column: column.to_string(),
        });
    }
    if opts.max_text_bytes > 0 && text.len() > opts.max_text_bytes {
        return Err(Error::TextTooLong {
            path: path.to_path_buf(),
            line,
            bytes: text.len(),
            limit: opts.max_text_bytes,
        });
    }
    Ok(())
}

/// Reads `path`: the text column, each label column and the optional target column.
pub fn read_labelled(
    path: &str,
    text_column: &str,
    label_columns: &[String],
    target_column: Option<&str>,
    opts: ReadOptions,
) -> Result<LabelledRows> {
    read_labelled_with(path, text_column, label_columns, target_column, &[], opts)
}

/// [`read_labelled`], plus the values of `extra_columns` (kept as they are, for grouping).
pub fn read_labelled_with(
    path: &str,
    text_column: &str,
    label_columns: &[String],
    target_column: Option<&str>,
    extra_columns: &[String],
    opts: ReadOptions,
) -> Result<LabelledRows> {
    let mut reader = RecordReader::open(path, None, text_column, LineMode::default())?;
    if reader.format() == Format::Text {
        return Err(Error::Settings(format!(
            "{path}: labelled data must be CSV, TSV or JSON Lines with a header naming the columns"
        )));
    }
    let text_col = reader.column(text_column)?;
    let label_cols = label_columns
        .iter()
        .map(|c| reader.column(c))
        .collect::<Result<Vec<_>>>()?;
    let target_col = target_column.map(|c| reader.column(c)).transpose()?;
    let extra_cols = extra_columns
        .iter()
        .map(|c| reader.column(c))
        .collect::<Result<Vec<_>>>()?;
    let mut out = LabelledRows {
        labels: vec![Vec::new(); label_columns.len()],
        extra: vec![Vec::new(); extra_columns.len()],
        targets: target_col.as_ref().map(|_| Vec::new()),
        ..Default::default()
    };
    loop {
        let record = match reader.next_record() {
            Ok(Some(r)) => r,
            Ok(None) => break,
            Err(Error::InvalidUtf8 { line, .. }) if opts.skip_invalid => {
                out.skipped += 1;
                out.first_skipped.get_or_insert(line);
                continue;
            }
            Err(e) => return Err(e),
        };
        let line = record.line;
        let p = reader.path().to_path_buf();
        let field = |col, name: &str| -> Result<String> {
            record
                .get(col)
                .map(|s| s.into_owned())
                .ok_or_else(|| Error::Parse {
                    path: p.clone(),
                    line,
                    message: format!("no value in column '{name}'"),
                })
        };
        let text = field(&text_col, text_column)?;
        check_text(&text, reader.path(), line, text_column, &opts)?;
        for ((col, name), labels) in label_cols.iter().zip(label_columns).zip(&mut out.labels) {
            let label = field(col, name)?.trim().to_string();
            if label.is_empty() {
                return Err(Error::Parse {
                    path: p.clone(),
                    line,
                    message: format!("empty label in column '{name}'"),
                });
            }
            labels.push(label);
        }
        if let (Some(col), Some(targets)) = (&target_col, &mut out.targets) {
            targets.push(
                field(col, target_column.unwrap_or_default())?
                    .trim()
                    .to_string(),
            );
        }
        for (col, values) in extra_cols.iter().zip(&mut out.extra) {
            values.push(
                record
                    .get(col)
                    .map_or(String::new(), |v| v.trim().to_string()),
            );
        }
        out.texts.push(text);
        out.lines.push(line);
    }
    if out.texts.is_empty() {
        if out.skipped > 0 {
            return Err(Error::Settings(format!(
                "{}: no valid rows: all {} rows were skipped as invalid UTF-8",
                reader.path().display(),
                out.skipped
            )));
        }
        return Err(reader.no_rows_error());
    }
    Ok(out)
}
