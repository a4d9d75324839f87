//! The library's error type. Every variant carries what a user needs to fix the
//! problem (file, line, the value found, what was expected); the binary prints it once.

use std::path::PathBuf;

/// Result alias used across the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the library.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Opening, reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A record could not be parsed (malformed CSV or JSON, ragged row, unclosed quote).
    #[error("{}:{line}: {message}", path.display())]
    Parse {
        path: PathBuf,
        line: u64,
        message: String,
    },

    /// A column the command needs is not in the header.
    #[error("{}: no column '{column}' (columns found: {})", path.display(), found.join(", "))]
    MissingColumn {
        path: PathBuf,
        column: String,
        found: Vec<String>,
    },

    /// A row's text or a field is not valid UTF-8.
    #[error("{}:{line}: invalid UTF-8", path.display())]
    InvalidUtf8 { path: PathBuf, line: u64 },

    /// A text is empty or holds only whitespace.
    #[error("{}:{line}: empty text in column '{column}'", path.display())]
    EmptyText {
        path: PathBuf,
        line: u64,
        column: String,
    },

    /// A text is longer than the configured limit.
    #[error("{}:{line}: text is {bytes} bytes, over the limit of {limit}", path.display())]
    TextTooLong {
        path: PathBuf,
        line: u64,
        bytes: usize,
        limit: usize,
    },

    /// A label value is empty, or not one the model knows.
    #[error("{}:{line}: label '{label}' in column '{head}' is not one of: {}", path.display(), known.join(", "))]
    UnknownLabel {
        path: PathBuf,
        line: u64,
        head: String,
        label: String,
        known: Vec<String>,
    },

    /// A target value the model was not trained on (per-target heads cannot score it).
    #[error("{}:{line}: target '{target}' was not seen in training (known: {})", path.display(), known.join(", "))]
    UnknownTarget {
        path: PathBuf,
        line: u64,
        target: String,
        known: Vec<String>,
    },

    /// A quoted CSV field that is never closed: the rest of the file would be one field.
    #[error("{}:{line}: a quote opened on this line is never closed (the rest of the file would be one field)", path.display())]
    UnclosedQuote { path: PathBuf, line: u64 },

    /// The file holds nothing at all (or only blank lines).
    #[error("{}: the file is empty", path.display())]
    EmptyFile { path: PathBuf },

    /// The file has a header but no data rows under it.
    #[error("{}: no data rows, only a header ({})", path.display(), columns.join(", "))]
    NoRows { path: PathBuf, columns: Vec<String> },

    /// A training set where a head cannot be learned.
    #[error("column '{head}': {message}")]
    BadTrainingSet { head: String, message: String },

    /// A file that is not a stance model, a damaged one, or one from another format version.
    #[error("{}: {problem}", path.display())]
    BadModel {
        path: PathBuf,
        problem: ModelProblem,
    },

    /// Invalid settings (hyper-parameters, flags).
    #[error("{0}")]
    Settings(String),

    /// An error raised by linfa itself.
    #[error(transparent)]
    Linfa(#[from] linfa::Error),
}

/// Why a model file was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ModelProblem {
    #[error("not a stance model file (wrong magic bytes)")]
    NotAModel,
    #[error("model file is truncated ({found} bytes, expected {expected})")]
    Truncated { found: u64, expected: u64 },
    #[error("model file is corrupted (checksum mismatch)")]
    Corrupted,
    #[error("model format version {found} is not supported by this build (it reads version {supported}); upgrade stance or retrain")]
    UnsupportedVersion { found: u32, supported: u32 },
    #[error("model file could not be decoded: {0}")]
    Decode(String),
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
