//! Files in and out: streaming record readers (CSV, TSV, JSON Lines, plain text),
//! labelled-data loading, score writers, and atomic file output. Only this module and
//! `cli` touch files.

mod atomic;
mod dataset;
mod output;
mod records;
mod report_dir;

pub use atomic::AtomicFile;
pub use dataset::{check_text, read_labelled, read_labelled_with, LabelledRows, ReadOptions};
pub use output::{Labelled, OutFormat, ScoreWriter, Sink};
pub use records::{open, Column, Fields, Format, LineMode, Record, RecordReader};
pub use report_dir::write_report;
