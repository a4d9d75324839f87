//! `stance cv`: stratified k-fold cross-validation of a recipe. Every text is featurised
//! once; folds train in parallel; metrics are averaged over folds with their spread.

use super::{DataArgs, ReadArgs, RecipeArgs, Ui};
use anyhow::{bail, Result};
use clap::Args;
use rayon::prelude::*;
use stance::report::{cv_json, stratified_folds, HeadReport};

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
    read: ReadArgs,
}

pub fn run(args: CvArgs, ui: Ui) -> Result<()> {
    let recipe = args.recipe.recipe()?;
    let (data, folds) = load_folds(&args.data, &args.read, args.folds, recipe.seed, ui)?;
    let keys = recipe
        .features
        .keys_of(data.texts.iter().map(|s| s.as_str()));
    let bar = ui.bar(args.folds as u64, "cross-validating");
    let reports: Vec<Vec<HeadReport>> = folds
        .par_iter()
        .map(|test| {
            let r = evaluate_fold(&recipe, &data, &keys, test);
            bar.inc(1);
            r
        })
        .collect::<stance::Result<_>>()?;
    bar.finish_and_clear();
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
    for &i in test {
        let target = tix.zip(targets).map(|(t, v)| v[t[i] as usize].as_str());
        let preds = scorer
            .score(&data.texts[i], target)
            .expect("training targets are known");
        for (h, (r, p)) in reports.iter_mut().zip(preds).enumerate() {
            r.confusion.add(data.head_labels(h).1[i], p.label);
        }
    }
    Ok(reports)
}
