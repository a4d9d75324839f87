//! `stance eval`: a model against labelled data: per head accuracy, per-class
//! precision/recall/F1, macro-F1, F_avg and the confusion matrix.

use super::{ReadArgs, Ui};
use anyhow::{bail, Result};
use clap::Args;
use rayon::prelude::*;
use stance::report::{heads_json, HeadReport};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Model file (default: the built-in model).
    #[arg(long, value_name = "MODEL")]
    model: Option<PathBuf>,
    /// Labelled data with the text column and a column named after each head.
    #[arg(long, value_name = "FILE")]
    data: String,
    /// Column holding the text [default: text, or the model's training text column when
    /// the data has no `text` column].
    #[arg(long, value_name = "COL")]
    text_column: Option<String>,
    /// Print one JSON object instead of tables.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    read: ReadArgs,
}

pub fn run(args: EvalArgs, ui: Ui) -> Result<()> {
    let model = super::load_model(args.model.as_ref())?;
    let heads: Vec<String> = model.heads().iter().map(|h| h.name.clone()).collect();
    let text_column =
        pick_text_column(&args.data, args.text_column.as_deref(), model.text_column())?;
    let target_column = model.target().map(|t| t.column.clone());
    let rows = stance::io::read_labelled(
        &args.data,
        &text_column,
        &heads,
        target_column.as_deref(),
        args.read.options(),
    )?;
    ui.note_skipped(&args.data, &rows);
    // Gold labels must be ones the model knows.
    let mut gold: Vec<Vec<usize>> = Vec::new();
    for (h, head) in model.heads().iter().enumerate() {
        let mut ids = Vec::with_capacity(rows.texts.len());
        for (i, label) in rows.labels[h].iter().enumerate() {
            match head.labels.iter().position(|l| l == label) {
                Some(c) => ids.push(c),
                None => {
                    return Err(stance::Error::UnknownLabel {
                        path: args.data.clone().into(),
                        line: rows.lines[i],
                        head: head.name.clone(),
                        label: label.clone(),
                        known: head.labels.clone(),
                    }
                    .into())
                }
            }
        }
        gold.push(ids);
    }
    let bar = ui.bar(rows.texts.len() as u64, "scoring");
    let predicted: Vec<Result<Vec<usize>, stance::Error>> = (0..rows.texts.len())
        .into_par_iter()
        .map_init(
            || model.scorer(),
            |scorer, i| {
                let target = rows.targets.as_ref().map(|t| t[i].as_str());
                let out = scorer
                    .score(&rows.texts[i], target)
                    .map(|p| p.iter().map(|h| h.label).collect())
                    .map_err(|e| stance::Error::Parse {
                        path: args.data.clone().into(),
                        line: rows.lines[i],
                        message: e.to_string(),
                    });
                bar.inc(1);
                out
            },
        )
        .collect();
    bar.finish_and_clear();
    let mut reports: Vec<HeadReport> = model
        .heads()
        .iter()
        .map(|h| HeadReport::new(&h.name, h.labels.clone()))
        .collect();
    for (i, p) in predicted.into_iter().enumerate() {
        let p = p?;
        for (h, r) in reports.iter_mut().enumerate() {
            r.confusion.add(gold[h][i], p[h]);
        }
    }
    if args.json {
        super::outln!("{}", serde_json::to_string_pretty(&heads_json(&reports))?)?;
    } else {
        for r in &reports {
            super::outln!("{}", r.to_text())?;
        }
    }
    Ok(())
}

/// `--text-column` if given; else `text`, or the model's training column when the data
/// has no `text` column but has that one.
fn pick_text_column(data: &str, given: Option<&str>, model_column: &str) -> Result<String> {
    if let Some(c) = given {
        return Ok(c.to_string());
    }
    if model_column == "text" {
        return Ok("text".into());
    }
    let reader = stance::io::RecordReader::open(data, None, "text", Default::default())?;
    let headers = reader.headers();
    if headers.iter().any(|h| h == "text") {
        Ok("text".into())
    } else if headers.iter().any(|h| h == model_column) {
        Ok(model_column.to_string())
    } else {
        bail!(
            "{data}: no column 'text' or '{model_column}' (columns found: {}); name one with --text-column",
            headers.join(", ")
        )
    }
}
