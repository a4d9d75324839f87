//! `stance score`: label paragraphs in a stream. A reader thread parses batches, the
//! batches are scored on every core, and a writer thread writes them in input order, so
//! memory stays bounded by a few batches however long the input is.

use super::{ReadArgs, Ui};
use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use rayon::prelude::*;
use stance::io::{
    Column, Format, Labelled, LineMode, OutFormat, ReadOptions, Record, RecordReader, ScoreWriter,
    Sink,
};
use stance::Model;
use std::path::PathBuf;
use std::sync::mpsc::sync_channel;

#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// Model file (default: the built-in model).
    #[arg(long, value_name = "MODEL")]
    model: Option<PathBuf>,
    /// Column holding the text (CSV, TSV, JSONL input).
    #[arg(long, default_value = "text", value_name = "COL")]
    text_column: String,
    /// Output format [default: the input's (csv for plain text)].
    #[arg(long, value_enum)]
    format: Option<OutFormat>,
    /// Write here instead of stdout (written atomically).
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Input format [default: from the extension; stdin and other files are sniffed].
    #[arg(long, value_enum)]
    input_format: Option<Format>,
    /// Plain text: every line is a paragraph (default: paragraphs are separated by blank lines).
    #[arg(long)]
    lines: bool,
    /// What to do with a bad row (empty or too long text, unknown target, invalid UTF-8, a
    /// ragged CSV row or a bad JSON line): stop with an error (exit 1), or skip it and say
    /// on stderr how many were skipped and where the first was (exit 0).
    #[arg(long, value_enum, default_value = "fail")]
    on_error: OnError,
    /// Write `uncertain` instead of a head's label when its confidence is below P.
    #[arg(long, value_name = "P", value_parser = super::probability)]
    abstain_below: Option<f32>,
    /// Paragraphs per batch handed to the worker threads.
    #[arg(long, default_value_t = 2048, hide = true)]
    batch_size: usize,
    #[command(flatten)]
    read: ReadArgs,
    /// Input files: .csv, .tsv, .jsonl or plain text; `-` or none for stdin.
    #[arg(value_name = "INPUT")]
    inputs: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OnError {
    Fail,
    Skip,
}

pub fn run(mut args: ScoreArgs, ui: Ui) -> Result<()> {
    let model = super::load_model(args.model.as_ref())?;
    if args.inputs.is_empty() {
        args.inputs.push("-".into());
    }
    let mut opts = args.read.options();
    opts.skip_invalid |= args.on_error == OnError::Skip;
    let lines = if args.lines {
        LineMode::EachLine
    } else {
        LineMode::BlankLines
    };
    let first = RecordReader::open(&args.inputs[0], args.input_format, &args.text_column, lines)?;
    let format = args.format.unwrap_or(match first.format() {
        Format::Tsv => OutFormat::Tsv,
        Format::Jsonl => OutFormat::Jsonl,
        Format::Csv | Format::Text => OutFormat::Csv,
    });
    let heads: Vec<String> = model.heads().iter().map(|h| h.name.clone()).collect();
    let columns = first.headers().to_vec();
    let out_path = args.output.clone().unwrap_or_else(|| "<stdout>".into());
    let sink = Sink::open(args.output.as_deref())?;
    let writer = ScoreWriter::new(sink, out_path, format, &columns, &heads)?;
    let bar = ui.bar(0, "scoring");
    let mut stats = Stats::default();
    let result = pipeline(&model, &args, first, lines, opts, writer, &bar, &mut stats);
    bar.finish_and_clear();
    result?;
    if stats.skipped > 0 {
        ui.note(format_args!(
            "skipped {} bad row{} (the first: {}); scored {}",
            stats.skipped,
            if stats.skipped == 1 { "" } else { "s" },
            stats.first_skipped.as_deref().unwrap_or("?"),
            stats.scored
        ));
    }
    Ok(())
}

#[derive(Debug, Default)]
struct Stats {
    scored: u64,
    skipped: u64,
    first_skipped: Option<String>,
}

/// A batch of records (with the index of their input), or a bad row to report.
enum Item {
    Batch(usize, Vec<Record>),
    Bad(stance::Error),
}

#[allow(clippy::too_many_arguments)]
fn pipeline(
    model: &Model,
    args: &ScoreArgs,
    first: RecordReader,
    lines: LineMode,
    opts: ReadOptions,
    mut writer: ScoreWriter,
    bar: &indicatif::ProgressBar,
    stats: &mut Stats,
) -> Result<()> {
    let text_col = first.column(&args.text_column)?;
    let target_col = match model.target() {
        Some(t) => Some(first.column(&t.column).with_context(|| {
            format!(
                "the model's heads are target-aware: the input needs a '{}' column",
                t.column
            )
        })?),
        None => None,
    };
    let columns = first.headers().to_vec();
    let skip = args.on_error == OnError::Skip;
    let batch_size = args.batch_size.max(1);
    // Names of the inputs, for errors that name a row's file.
    let paths: Vec<PathBuf> = args
        .inputs
        .iter()
        .map(|i| PathBuf::from(if i == "-" { "<stdin>" } else { i }))
        .collect();
    std::thread::scope(|scope| -> Result<()> {
        let (to_score, scored_rx) = sync_channel::<Item>(4);
        let (to_write, write_rx) = sync_channel::<(Vec<Record>, Vec<Option<Vec<(usize, f32)>>>)>(4);
        // Reader: parses records into batches.
        let inputs = &args.inputs;
        let input_format = args.input_format;
        let text_column = &args.text_column;
        let reader = scope.spawn(move || -> Result<()> {
            let mut first = Some(first);
            let mut batch = Vec::with_capacity(batch_size);
            for (i, input) in inputs.iter().enumerate() {
                let mut rr = if let Some(rr) = first.take().filter(|_| i == 0) {
                    rr
                } else {
                    let rr = RecordReader::open(input, input_format, text_column, lines)?;
                    if rr.headers() != columns.as_slice() {
                        anyhow::bail!(
                            "{input}: columns ({}) differ from the first input's ({})",
                            rr.headers().join(", "),
                            columns.join(", ")
                        );
                    }
                    rr
                };
                let mut seen = 0u64;
                loop {
                    match rr.next_record() {
                        Ok(Some(r)) => {
                            seen += 1;
                            batch.push(r);
                            if batch.len() == batch_size
                                && to_score
                                    .send(Item::Batch(i, std::mem::take(&mut batch)))
                                    .is_err()
                            {
                                return Ok(());
                            }
                        }
                        Ok(None) if seen == 0 => return Err(rr.no_rows_error().into()),
                        Ok(None) => break,
                        // Invalid UTF-8 (with --skip-invalid), or a ragged row or bad JSON
                        // line (with --on-error skip): the row is skipped, in its place.
                        Err(e @ stance::Error::InvalidUtf8 { .. }) if opts.skip_invalid => {
                            seen += 1;
                            let bad = [Item::Batch(i, std::mem::take(&mut batch)), Item::Bad(e)];
                            if bad.into_iter().any(|item| to_score.send(item).is_err()) {
                                return Ok(());
                            }
                        }
                        Err(e @ stance::Error::Parse { .. }) if skip => {
                            seen += 1;
                            let bad = [Item::Batch(i, std::mem::take(&mut batch)), Item::Bad(e)];
                            if bad.into_iter().any(|item| to_score.send(item).is_err()) {
                                return Ok(());
                            }
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
                // Batches do not span inputs, so that row errors name the right file.
                if !batch.is_empty()
                    && to_score
                        .send(Item::Batch(i, std::mem::take(&mut batch)))
                        .is_err()
                {
                    return Ok(());
                }
            }
            Ok(())
        });
        // Writer: writes scored batches in order.
        let heads = model.heads();
        let abstain = args.abstain_below;
        let writer_thread = scope.spawn(move || -> Result<ScoreWriter> {
            let mut labelled = Vec::with_capacity(heads.len());
            for (records, preds) in write_rx {
                for (rec, p) in records.iter().zip(preds) {
                    let Some(p) = p else { continue };
                    labelled.clear();
                    labelled.extend(heads.iter().zip(&p).map(|(h, &(label, confidence))| {
                        Labelled {
                            label: match abstain {
                                Some(p) if confidence < p => "uncertain",
                                _ => &h.labels[label],
                            },
                            confidence,
                        }
                    }));
                    writer.write(rec, &labelled)?;
                }
            }
            Ok(writer)
        });
        // Scoring, on the rayon pool, with scorers (and their caches) kept across batches.
        let scorers = model.scorer_pool();
        let mut failure: Option<anyhow::Error> = None;
        for item in scored_rx {
            let (input, records) = match item {
                Item::Batch(_, b) if b.is_empty() => continue,
                Item::Batch(i, b) => (i, b),
                Item::Bad(e) => {
                    stats.skipped += 1;
                    stats.first_skipped.get_or_insert_with(|| e.to_string());
                    continue;
                }
            };
            let results: Vec<Result<Vec<(usize, f32)>, stance::Error>> = records
                .par_iter()
                .map_init(
                    || scorers.get(),
                    |scorer, rec| {
                        let path = &paths[input];
                        score_record(
                            scorer,
                            rec,
                            path,
                            &text_col,
                            target_col.as_ref(),
                            &opts,
                            args,
                        )
                    },
                )
                .collect();
            let mut preds = Vec::with_capacity(results.len());
            for r in results {
                match r {
                    Ok(p) => {
                        stats.scored += 1;
                        preds.push(Some(p));
                    }
                    Err(e) if skip => {
                        stats.skipped += 1;
                        stats.first_skipped.get_or_insert_with(|| e.to_string());
                        preds.push(None);
                    }
                    Err(e) => {
                        failure = Some(e.into());
                        break;
                    }
                }
            }
            if failure.is_some() {
                break;
            }
            bar.inc(records.len() as u64);
            if to_write.send((records, preds)).is_err() {
                break;
            }
        }
        drop(to_write);
        let written = writer_thread.join().expect("writer thread panicked");
        if let Some(e) = failure {
            return Err(e);
        }
        let writer = written?;
        reader.join().expect("reader thread panicked")?;
        // Only a complete run puts the output under its final name.
        writer.finish()?;
        Ok(())
    })
}

fn score_record(
    scorer: &mut stance::model::Scorer,
    rec: &Record,
    path: &std::path::Path,
    text_col: &Column,
    target_col: Option<&Column>,
    opts: &ReadOptions,
    args: &ScoreArgs,
) -> Result<Vec<(usize, f32)>, stance::Error> {
    let text = rec.get(text_col).ok_or_else(|| stance::Error::Parse {
        path: path.to_path_buf(),
        line: rec.line,
        message: format!("no value in column '{}'", args.text_column),
    })?;
    stance::io::check_text(&text, path, rec.line, &args.text_column, opts)?;
    let target = target_col.and_then(|c| rec.get(c));
    let preds = scorer
        .score(&text, target.as_deref())
        .map_err(|e| stance::Error::Parse {
            path: path.to_path_buf(),
            line: rec.line,
            message: e.to_string(),
        })?;
    Ok(preds.iter().map(|p| (p.label, p.confidence)).collect())
}
