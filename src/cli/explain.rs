//! `stance explain`: per paragraph and head, the label, its confidence, and the features
//! that pushed toward it and away from it, with their weights and the byte spans of text
//! they came from. Each head's listed rows (top features, the rest summed, the bias) add
//! up to the model's score for the label.

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use serde_json::json;
use stance::explain::{Contribution, HeadExplanation};
use stance::io::{Format, LineMode, RecordReader};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Model file (default: the built-in model).
    #[arg(long, value_name = "MODEL")]
    model: Option<PathBuf>,
    /// Column holding the text (CSV, TSV, JSONL input).
    #[arg(long, default_value = "text", value_name = "COL")]
    text_column: String,
    /// Features listed for and against each label.
    #[arg(long, default_value_t = 10, value_name = "K")]
    top: usize,
    /// Output format [default: table on a terminal, csv otherwise].
    #[arg(long, value_enum)]
    format: Option<ExplainFormat>,
    /// Input format [default: from the extension; stdin and other files are sniffed].
    #[arg(long, value_enum)]
    input_format: Option<Format>,
    /// Plain text: every line is a paragraph (default: paragraphs are separated by blank lines).
    #[arg(long)]
    lines: bool,
    /// Input files: .csv, .tsv, .jsonl or plain text; `-` or none for stdin.
    #[arg(value_name = "INPUT")]
    inputs: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ExplainFormat {
    /// A readable block per paragraph.
    Table,
    /// One row per listed feature.
    Csv,
    /// One JSON object per paragraph.
    Jsonl,
}

/// One listed line of a head's explanation.
struct Line<'a> {
    direction: &'static str,
    rank: usize,
    name: String,
    block: &'a str,
    value: Option<f32>,
    weight: Option<f32>,
    contribution: f32,
    spans: &'a [(usize, usize)],
}

/// The top features for and against, the rest summed, and the bias: they add up to the score.
fn lines(h: &HeadExplanation, k: usize) -> Vec<Line<'_>> {
    let mut out: Vec<Line> = Vec::new();
    let pro: Vec<&Contribution> = h.top_for(k).collect();
    let con: Vec<&Contribution> = h.top_against(k).collect();
    out.extend(
        pro.iter()
            .enumerate()
            .map(|(i, f)| feature("for", i + 1, f)),
    );
    out.extend(
        con.iter()
            .enumerate()
            .map(|(i, f)| feature("against", i + 1, f)),
    );
    let listed = pro.len() + con.len();
    // Features are sorted by contribution, so the listed ones are a prefix (for) and a
    // suffix (against); the rest is summed in f64 so the printed rows add up.
    let rest = h.features[pro.len()..h.features.len() - con.len()]
        .iter()
        .map(|f| f64::from(f.contribution))
        .sum::<f64>() as f32;
    let n_rest = h.features.len() - listed;
    if n_rest > 0 {
        out.push(Line {
            direction: "rest",
            rank: 0,
            name: format!("({n_rest} other features)"),
            block: "",
            value: None,
            weight: None,
            contribution: rest,
            spans: &[],
        });
    }
    out.push(Line {
        direction: "bias",
        rank: 0,
        name: "(bias)".into(),
        block: "",
        value: None,
        weight: None,
        contribution: h.bias,
        spans: &[],
    });
    out
}

fn feature<'a>(direction: &'static str, rank: usize, f: &'a Contribution) -> Line<'a> {
    Line {
        direction,
        rank,
        name: f.name.clone(),
        block: f.block,
        value: Some(f.value),
        weight: Some(f.weight),
        contribution: f.contribution,
        spans: &f.spans,
    }
}

fn spans_text(spans: &[(usize, usize)]) -> String {
    spans
        .iter()
        .map(|(a, b)| format!("{a}-{b}"))
        .collect::<Vec<_>>()
        .join(";")
}

pub fn run(mut args: ExplainArgs) -> Result<()> {
    let model = super::load_model(args.model.as_ref())?;
    if args.inputs.is_empty() {
        args.inputs.push("-".into());
    }
    let stdout = std::io::stdout();
    let format = args.format.unwrap_or(if stdout.is_terminal() {
        ExplainFormat::Table
    } else {
        ExplainFormat::Csv
    });
    let mut out = std::io::BufWriter::new(stdout.lock());
    if format == ExplainFormat::Csv {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record([
            "input",
            "line",
            "head",
            "label",
            "confidence",
            "score",
            "direction",
            "rank",
            "feature",
            "block",
            "value",
            "weight",
            "contribution",
            "spans",
        ])?;
        out.write_all(&w.into_inner()?)?;
    }
    let lines_mode = if args.lines {
        LineMode::EachLine
    } else {
        LineMode::BlankLines
    };
    for input in &args.inputs {
        let mut reader =
            RecordReader::open(input, args.input_format, &args.text_column, lines_mode)?;
        let text_col = reader.column(&args.text_column)?;
        let target_col = match model.target() {
            Some(t) => Some(reader.column(&t.column).with_context(|| {
                format!(
                    "the model's heads are target-aware: the input needs a '{}' column",
                    t.column
                )
            })?),
            None => None,
        };
        let name = reader.path().display().to_string();
        while let Some(rec) = reader.next_record()? {
            let text = rec.get(&text_col).unwrap_or_default();
            let target = target_col.as_ref().and_then(|c| rec.get(c));
            let ex = stance::explain::explain(&model, &text, target.as_deref())
                .with_context(|| format!("{name}:{}", rec.line))?;
            match format {
                ExplainFormat::Csv => {
                    let mut w = csv::Writer::from_writer(Vec::new());
                    for h in &ex.heads {
                        for l in lines(h, args.top) {
                            let opt =
                                |v: Option<f32>| v.map_or(String::new(), |v| format!("{v:.6}"));
                            w.write_record([
                                name.as_str(),
                                &rec.line.to_string(),
                                &h.head,
                                &h.label,
                                &format!("{:.4}", h.confidence),
                                &format!("{:.6}", h.score),
                                l.direction,
                                &l.rank.to_string(),
                                &l.name,
                                l.block,
                                &opt(l.value),
                                &opt(l.weight),
                                &format!("{:.6}", l.contribution),
                                &spans_text(l.spans),
                            ])?;
                        }
                    }
                    out.write_all(&w.into_inner()?)?;
                }
                ExplainFormat::Jsonl => {
                    let heads: Vec<serde_json::Value> = ex
                        .heads
                        .iter()
                        .map(|h| {
                            let ls = lines(h, args.top);
                            let list = |dir: &str| -> Vec<serde_json::Value> {
                                ls.iter()
                                    .filter(|l| l.direction == dir)
                                    .map(|l| {
                                        json!({
                                            "feature": l.name,
                                            "block": l.block,
                                            "value": l.value,
                                            "weight": l.weight,
                                            "contribution": l.contribution,
                                            "spans": l.spans,
                                        })
                                    })
                                    .collect()
                            };
                            let rest = ls.iter().find(|l| l.direction == "rest");
                            json!({
                                "head": h.head,
                                "label": h.label,
                                "confidence": h.confidence,
                                "score": h.score,
                                "bias": h.bias,
                                "for": list("for"),
                                "against": list("against"),
                                "rest": rest.map_or(0.0, |l| l.contribution),
                                "n_features": h.features.len(),
                            })
                        })
                        .collect();
                    // Serialised first, so a closed pipe surfaces as an io::Error (exit 0).
                    let mut line = serde_json::to_string(
                        &json!({"input": name, "line": rec.line, "heads": heads}),
                    )?;
                    line.push('\n');
                    out.write_all(line.as_bytes())?;
                }
                ExplainFormat::Table => {
                    write_table(&mut out, &name, rec.line, &text, &ex.heads, args.top)?;
                }
            }
        }
    }
    out.flush()?;
    Ok(())
}

fn write_table(
    out: &mut impl Write,
    name: &str,
    line: u64,
    text: &str,
    heads: &[HeadExplanation],
    k: usize,
) -> Result<()> {
    let preview: String = text.chars().take(110).collect();
    let ellipsis = if preview.len() < text.len() {
        "…"
    } else {
        ""
    };
    writeln!(
        out,
        "── {name}:{line} ─ \"{}{ellipsis}\"",
        preview.replace('\n', " ")
    )?;
    for h in heads {
        writeln!(
            out,
            "  {} = {}  (confidence {:.3}, score {:+.4})",
            h.head, h.label, h.confidence, h.score
        )?;
        for l in lines(h, k) {
            let quoted: Vec<String> = l
                .spans
                .iter()
                .take(3)
                .map(|&(a, b)| format!("\"{}\"@{a}", text.get(a..b).unwrap_or("?")))
                .collect();
            writeln!(
                out,
                "    {:<8} {:+.4}  {:<28} {}",
                l.direction,
                l.contribution,
                l.name,
                quoted.join(" ")
            )?;
        }
    }
    writeln!(out)?;
    Ok(())
}
