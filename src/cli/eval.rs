//! `stance eval`: a model against labelled data: per head accuracy, per-class
//! precision/recall/F1, macro-F1, F_avg and the confusion matrix; with `--report DIR`, the
//! full report (intervals, calibration, groups, errors); with two `--model`s, a paired
//! comparison.

use super::{ReadArgs, ReportArgs, Ui};
use anyhow::{bail, Result};
use clap::Args;
use rayon::prelude::*;
use stance::io::LabelledRows;
use stance::report::{heads_json, HeadData, HeadReport, HeadSection, ModelSection, Report};
use stance::Model;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Model file (default: the built-in model); give it twice (A, then B) to compare two
    /// models on the same data with a paired bootstrap.
    #[arg(long = "model", value_name = "MODEL")]
    models: Vec<PathBuf>,
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
    report: ReportArgs,
    #[command(flatten)]
    read: ReadArgs,
}

/// A loaded model and its display name.
struct Named {
    name: String,
    model: Model,
}

pub fn run(args: EvalArgs, ui: Ui) -> Result<()> {
    if args.models.len() > 2 {
        bail!(
            "--model was given {} times; eval compares at most two models",
            args.models.len()
        );
    }
    let models: Vec<Named> = if args.models.is_empty() {
        vec![Named {
            name: "built-in default model".into(),
            model: super::load_model(None)?,
        }]
    } else {
        args.models
            .iter()
            .map(|p| {
                Ok(Named {
                    name: p.display().to_string(),
                    model: super::load_model(Some(p))?,
                })
            })
            .collect::<Result<_>>()?
    };
    let first = &models[0].model;
    let text_column =
        pick_text_column(&args.data, args.text_column.as_deref(), first.text_column())?;
    // Every model's heads are label columns; target columns and --group-by are extras.
    let mut label_columns: Vec<String> = Vec::new();
    let mut extra: Vec<String> = Vec::new();
    for m in &models {
        for h in m.model.heads() {
            if !label_columns.contains(&h.name) {
                label_columns.push(h.name.clone());
            }
        }
        if let Some(t) = m.model.target() {
            if !extra.contains(&t.column) {
                extra.push(t.column.clone());
            }
        }
    }
    if let Some(g) = &args.report.group_by {
        if !extra.contains(g) {
            extra.push(g.clone());
        }
    }
    let rows = stance::io::read_labelled_with(
        &args.data,
        &text_column,
        &label_columns,
        None,
        &extra,
        args.read.options(),
    )?;
    ui.note_skipped(&args.data, &rows);
    let column = |name: &str| -> &[String] {
        let i = extra.iter().position(|c| c == name).expect("asked for");
        &rows.extra[i]
    };
    let mut evaluated = Vec::new();
    for m in &models {
        let targets = m.model.target().map(|t| column(&t.column));
        let heads = head_data(&m.model, &rows, &label_columns, targets, &args, ui)?;
        evaluated.push((m, targets, heads));
    }

    if let Some(dir) = &args.report.report {
        let started = std::time::Instant::now();
        let opts = args.report.options();
        let mut report = Report::new(&format!("Evaluation of {}", file_name(&args.data)), &opts);
        report.meta.push(("data".into(), args.data.clone()));
        report
            .meta
            .push(("paragraphs".into(), rows.texts.len().to_string()));
        for (i, m) in models.iter().enumerate() {
            let key = if models.len() > 1 {
                format!("model {}", ["A", "B"][i])
            } else {
                "model".into()
            };
            report.meta.push((key, m.name.clone()));
        }
        for (i, m) in models.iter().enumerate() {
            let key = if models.len() > 1 {
                format!("confidence of {}", ["A", "B"][i])
            } else {
                "confidence".into()
            };
            report.meta.push((key, super::confidence_meaning(&m.model)));
        }
        if let Some(p) = args.report.abstain_below {
            report.meta.push((
                "abstain below".into(),
                format!("{p} (such paragraphs are counted apart, not in the metrics)"),
            ));
        }
        let groups = args.report.group_by.as_deref().map(|g| (g, column(g)));
        for (m, targets, heads) in &evaluated {
            let sections = heads
                .par_iter()
                .enumerate()
                .map(|(h, data)| {
                    HeadSection::build(
                        data,
                        groups,
                        &rows.texts,
                        Some(&rows.lines),
                        &opts,
                        &|row| {
                            highlights(
                                &m.model,
                                h,
                                &rows.texts[row],
                                targets.map(|t| t[row].as_str()),
                            )
                        },
                    )
                })
                .collect();
            report.models.push(ModelSection {
                name: m.name.clone(),
                heads: sections,
            });
        }
        if evaluated.len() == 2 {
            report.compare(
                &evaluated[0].0.name,
                &evaluated[1].0.name,
                &evaluated[0].2,
                &evaluated[1].2,
                &opts,
            );
        }
        stance::io::write_report(dir, &report)?;
        ui.note(format_args!(
            "wrote {} (report built in {:.0} ms)",
            dir.join("report.html").display(),
            started.elapsed().as_secs_f64() * 1000.0
        ));
    }

    let reports: Vec<Vec<HeadReport>> = evaluated
        .iter()
        .map(|(_, _, heads)| heads.iter().map(head_report).collect())
        .collect();
    if args.json {
        let mut v = heads_json(&reports[0]);
        if args.report.abstain_below.is_some() {
            for (h, d) in evaluated[0].2.iter().enumerate() {
                let abstained = d.predicted.iter().filter(|p| p.is_none()).count();
                v["heads"][&reports[0][h].name]["abstained"] = abstained.into();
            }
        }
        if models.len() == 2 {
            v["models"] = serde_json::json!([
                {"name": models[0].name, "heads": heads_json(&reports[0])["heads"]},
                {"name": models[1].name, "heads": heads_json(&reports[1])["heads"]},
            ]);
        }
        super::outln!("{}", serde_json::to_string_pretty(&v)?)?;
    } else {
        for (m, rs) in models.iter().zip(&reports) {
            if models.len() > 1 {
                super::outln!("model: {}\n", m.name)?;
            }
            for r in rs {
                super::outln!("{}", r.to_text())?;
            }
        }
        if evaluated.len() == 2 {
            print_comparison(&evaluated[0].2, &evaluated[1].2, &args)?;
        }
    }
    Ok(())
}

/// The paired comparison as a table on stdout.
fn print_comparison(a: &[HeadData], b: &[HeadData], args: &EvalArgs) -> std::io::Result<()> {
    let opts = args.report.options();
    let mut r = Report::new("", &opts);
    r.compare("A", "B", a, b, &opts);
    for c in &r.comparisons {
        super::outln!(
            "paired bootstrap, head {} (n = {}, {} resamples): B − A",
            c.head,
            c.n,
            opts.bootstrap.resamples
        )?;
        let m = &c.metrics;
        let rows = [
            ("accuracy", Some(&m.accuracy)),
            ("macro_f1", Some(&m.macro_f1)),
            ("f_avg", m.f_avg.as_ref()),
        ];
        for (name, d) in rows {
            if let Some(d) = d {
                super::outln!(
                    "  {name:<9} A {:.4}  B {:.4}  diff {:+.4} [{:+.4}, {:+.4}]  p = {:.4}",
                    d.a,
                    d.b,
                    d.diff.value,
                    d.diff.lo,
                    d.diff.hi,
                    d.p_value
                )?;
            }
        }
        super::outln!()?;
    }
    Ok(())
}

/// Scores every row with `model` and checks the gold labels: one [`HeadData`] per head.
fn head_data(
    model: &Model,
    rows: &LabelledRows,
    label_columns: &[String],
    targets: Option<&[String]>,
    args: &EvalArgs,
    ui: Ui,
) -> Result<Vec<HeadData>> {
    let mut gold: Vec<Vec<usize>> = Vec::new();
    for head in model.heads() {
        let col = label_columns
            .iter()
            .position(|c| c == &head.name)
            .expect("every head is a label column");
        let mut ids = Vec::with_capacity(rows.texts.len());
        for (i, label) in rows.labels[col].iter().enumerate() {
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
    let scorers = model.scorer_pool();
    let predicted: Vec<Result<Vec<(usize, f32)>, stance::Error>> = (0..rows.texts.len())
        .into_par_iter()
        .map_init(
            || scorers.get(),
            |scorer, i| {
                let target = targets.map(|t| t[i].as_str());
                let out = scorer
                    .score(&rows.texts[i], target)
                    .map(|p| p.iter().map(|h| (h.label, h.confidence)).collect())
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
    let mut heads: Vec<HeadData> = model
        .heads()
        .iter()
        .zip(gold)
        .map(|(h, gold)| HeadData {
            name: h.name.clone(),
            labels: h.labels.clone(),
            label: Vec::with_capacity(gold.len()),
            predicted: Vec::with_capacity(gold.len()),
            confidence: Vec::with_capacity(gold.len()),
            gold,
        })
        .collect();
    let abstain = args.report.abstain_below;
    for p in predicted {
        for (d, (label, conf)) in heads.iter_mut().zip(p?) {
            d.label.push(label);
            d.predicted
                .push(abstain.map_or(true, |a| conf >= a).then_some(label));
            d.confidence.push(conf);
        }
    }
    Ok(heads)
}

/// The confusion matrix of the answered paragraphs (the `--json` and table contract).
fn head_report(d: &HeadData) -> HeadReport {
    let mut r = HeadReport::new(&d.name, d.labels.clone());
    for (&g, p) in d.gold.iter().zip(&d.predicted) {
        if let Some(p) = p {
            r.confusion.add(g, *p);
        }
    }
    r
}

/// Each token of `text` with its share of head `h`'s score for the predicted label.
pub(crate) fn highlights(
    model: &Model,
    h: usize,
    text: &str,
    target: Option<&str>,
) -> Vec<(usize, usize, f32)> {
    match stance::explain::explain(model, text, target) {
        Ok(ex) => ex
            .tokens
            .iter()
            .zip(ex.token_attribution(h))
            .map(|(&(a, b), w)| (a, b, w))
            .collect(),
        Err(_) => Vec::new(),
    }
}

fn file_name(path: &str) -> String {
    std::path::Path::new(path)
        .file_name()
        .map_or(path.to_string(), |n| n.to_string_lossy().into_owned())
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
