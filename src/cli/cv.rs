//! `stance cv`: stratified k-fold cross-validation of a recipe. Every text is featurised
//! once; folds train in parallel; metrics are averaged over folds with their spread.

use super::{DataArgs, ReadArgs, RecipeArgs, ReportArgs, Ui};
use anyhow::{bail, Result};
use clap::Args;
use rayon::prelude::*;
use stance::report::{
    cv_json, fold_rows, stratified_folds, HeadData, HeadReport, HeadSection, ModelSection, Report,
};

#[derive(Debug, Args)]
pub struct CvArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Number of folds.
    #[arg(long, default_value_t = 10)]
    folds: usize,
    /// Print one JSON object instead of tables.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    recipe: RecipeArgs,
    #[command(flatten)]
    report: ReportArgs,
    #[command(flatten)]
    read: ReadArgs,
}

/// One fold's out-of-fold predictions: `(row, per head (label, confidence))`.
type FoldPredictions = Vec<(usize, Vec<(usize, f32)>)>;

pub fn run(args: CvArgs, ui: Ui) -> Result<()> {
    let recipe = args.recipe.recipe()?;
    let (data, folds) = load_folds(&args.data, &args.read, args.folds, recipe.seed, ui)?;
    let keys = recipe
        .features
        .keys_of(data.texts.iter().map(|s| s.as_str()));
    let bar = ui.bar(args.folds as u64, "cross-validating");
    let results: Vec<(Vec<HeadReport>, FoldPredictions)> = folds
        .par_iter()
        .map(|test| {
            let r = evaluate_fold_scored(&recipe, &data, &keys, test);
            bar.inc(1);
            r
        })
        .collect::<stance::Result<_>>()?;
    bar.finish_and_clear();
    let (reports, predictions): (Vec<Vec<HeadReport>>, Vec<FoldPredictions>) =
        results.into_iter().unzip();
    if let Some(dir) = &args.report.report {
        write_report(&args, &data, &reports, &predictions, dir, ui)?;
    }
    if args.json {
        super::outln!("{}", serde_json::to_string_pretty(&cv_json(&reports))?)?;
    } else {
        let summary = cv_json(&reports);
        for (name, h) in summary["heads"].as_object().into_iter().flatten() {
            super::outln!("head: {name}  ({} folds, n = {})", args.folds, h["n"])?;
            for key in ["accuracy", "macro_f1", "f_avg"] {
                match h[key].as_f64() {
                    Some(v) => super::outln!(
                        "  {key:<9} {v:.4} ± {:.4}",
                        h[format!("{key}_std")].as_f64().unwrap_or(0.0)
                    )?,
                    None => super::outln!("  {key:<9} n/a")?,
                }
            }
        }
    }
    Ok(())
}

/// Loads the labelled data and splits it into `k` folds stratified by the first head's
/// labels.
pub(super) fn load_folds(
    data: &DataArgs,
    read: &ReadArgs,
    k: usize,
    seed: u64,
    ui: Ui,
) -> Result<(stance::model::TrainingSet, Vec<Vec<usize>>)> {
    let data = data.load(read, ui)?;
    if k < 2 || k > data.len() {
        bail!(
            "--folds must be between 2 and the number of rows ({}), got {k}",
            data.len()
        );
    }
    let (_, classes) = data.head_labels(0);
    let folds = stratified_folds(classes, k, seed);
    Ok((data, folds))
}

/// Trains on every row outside `test` and evaluates on `test`.
pub(super) fn evaluate_fold(
    recipe: &stance::model::Recipe,
    data: &stance::model::TrainingSet,
    keys: &[Vec<u64>],
    test: &[usize],
) -> stance::Result<Vec<HeadReport>> {
    Ok(evaluate_fold_scored(recipe, data, keys, test)?.0)
}

/// [`evaluate_fold`], also returning each test row's predictions (for reports).
fn evaluate_fold_scored(
    recipe: &stance::model::Recipe,
    data: &stance::model::TrainingSet,
    keys: &[Vec<u64>],
    test: &[usize],
) -> stance::Result<(Vec<HeadReport>, FoldPredictions)> {
    let mut in_test = vec![false; data.len()];
    test.iter().for_each(|&i| in_test[i] = true);
    let train: Vec<usize> = (0..data.len()).filter(|&i| !in_test[i]).collect();
    let model = stance::model::train_rows(recipe, data, keys, &train)?;
    let mut reports: Vec<HeadReport> = model
        .heads()
        .iter()
        .map(|h| HeadReport::new(&h.name, h.labels.clone()))
        .collect();
    let targets = data.target_values().map(|(_, v)| v);
    let tix = data.target_indices();
    let mut scorer = model.scorer();
    let mut predictions = Vec::with_capacity(test.len());
    for &i in test {
        let target = tix.zip(targets).map(|(t, v)| v[t[i] as usize].as_str());
        let preds = scorer
            .score(&data.texts[i], target)
            .expect("training targets are known");
        for (h, (r, p)) in reports.iter_mut().zip(preds).enumerate() {
            r.confusion.add(data.head_labels(h).1[i], p.label);
        }
        predictions.push((i, preds.iter().map(|p| (p.label, p.confidence)).collect()));
    }
    Ok((reports, predictions))
}

/// The report over the pooled out-of-fold predictions, with the per-fold spread.
fn write_report(
    args: &CvArgs,
    data: &stance::model::TrainingSet,
    reports: &[Vec<HeadReport>],
    predictions: &[FoldPredictions],
    dir: &std::path::Path,
    ui: Ui,
) -> Result<()> {
    let started = std::time::Instant::now();
    let opts = args.report.options();
    let groups: Option<Vec<String>> = match &args.report.group_by {
        Some(col) => {
            let rows = stance::io::read_labelled_with(
                &args.data.data,
                &args.data.text_column,
                &args.data.labels,
                args.data.target_column.as_deref(),
                std::slice::from_ref(col),
                args.read.options(),
            )?;
            Some(rows.extra.into_iter().next().unwrap_or_default())
        }
        None => None,
    };
    let n = data.len();
    let heads: Vec<HeadData> = reports[0]
        .iter()
        .enumerate()
        .map(|(h, r)| {
            let mut label = vec![0; n];
            let mut confidence = vec![0f32; n];
            for (i, p) in predictions.iter().flatten() {
                label[*i] = p[h].0;
                confidence[*i] = p[h].1;
            }
            let predicted = label
                .iter()
                .zip(&confidence)
                .map(|(&l, &c)| {
                    args.report
                        .abstain_below
                        .map_or(true, |a| c >= a)
                        .then_some(l)
                })
                .collect();
            HeadData {
                name: r.name.clone(),
                labels: r.confusion.labels().to_vec(),
                gold: data.head_labels(h).1.to_vec(),
                label,
                predicted,
                confidence,
            }
        })
        .collect();
    let mut report = Report::new(
        &format!(
            "{}-fold cross-validation on {}",
            reports.len(),
            args.data.data
        ),
        &opts,
    );
    report.meta.push(("data".into(), args.data.data.clone()));
    report.meta.push(("paragraphs".into(), n.to_string()));
    report.meta.push((
        "protocol".into(),
        format!(
            "stratified {}-fold cross-validation (seed {}); metrics below pool every fold's out-of-fold predictions",
            reports.len(),
            args.recipe.seed
        ),
    ));
    report.meta.push((
        "highlights".into(),
        "not shown: each fold's model is discarded after scoring its fold".into(),
    ));
    let group_arg = args.report.group_by.as_deref().zip(groups.as_deref());
    let sections = heads
        .par_iter()
        .map(|d| HeadSection::build(d, group_arg, &data.texts, None, &opts, &|_| Vec::new()))
        .collect();
    report.models.push(ModelSection {
        name: "cross-validation".into(),
        heads: sections,
    });
    report.folds = reports[0]
        .iter()
        .enumerate()
        .map(|(h, r)| (r.name.clone(), fold_rows(reports, h)))
        .collect();
    stance::io::write_report(dir, &report)?;
    ui.note(format_args!(
        "wrote {} (report built in {:.0} ms)",
        dir.join("report.html").display(),
        started.elapsed().as_secs_f64() * 1000.0
    ));
    Ok(())
}
