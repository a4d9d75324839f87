//! `stance tune`: search a grid of recipe settings by stratified cross-validation on the
//! training data only, print every setting's score, and train the best one on all rows.
//!
//! A grid file has one setting per line, `name = value, value, ...`; names are the
//! recipe flags of `stance train` without dashes (`c`, `loss`, `nb`, `nb-mix`,
//! `class-weight`, `word-ngrams`, `char-ngrams`, `word-min-df`, `char-min-df`,
//! `term-weight`, `target-mode`, `voice`); `#` starts a comment. Every combination is tried.

use super::cv::{evaluate_fold, load_folds};
use super::{CalibrateArg, ClassWeightArg, LossArg, NbCountsArg, TargetModeArg, TermWeightArg};
use super::{DataArgs, ReadArgs, RecipeArgs, Ui};
use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, ValueEnum};
use rayon::prelude::*;
use stance::features::NgramRange;
use stance::model::Recipe;
use stance::report::{cv_json, HeadReport};
use std::collections::HashMap;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct TuneArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Where to write the model trained with the best setting.
    #[arg(long, value_name = "MODEL")]
    out: PathBuf,
    /// Cross-validation folds per setting.
    #[arg(long, default_value_t = 5)]
    folds: usize,
    /// Grid file (default: c = 0.3, 1, 3 and nb = 0, 0.1).
    #[arg(long, value_name = "FILE")]
    grid: Option<PathBuf>,
    /// Metric to maximise, on the first label column's head.
    #[arg(long, value_enum, default_value = "macro-f1")]
    metric: Metric,
    /// Print the table as JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    recipe: RecipeArgs,
    #[command(flatten)]
    read: ReadArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Metric {
    MacroF1,
    Accuracy,
    /// Mean F1 of favor and against (SemEval-2016).
    FAvg,
}

impl Metric {
    fn key(self) -> &'static str {
        match self {
            Metric::MacroF1 => "macro_f1",
            Metric::Accuracy => "accuracy",
            Metric::FAvg => "f_avg",
        }
    }
}

const DEFAULT_GRID: &str = "c = 0.3, 1, 3\nnb = 0, 0.1\n";

pub fn run(args: TuneArgs, ui: Ui) -> Result<()> {
    let base = args.recipe.recipe()?;
    let grid_text = match &args.grid {
        Some(p) => std::fs::read_to_string(p)
            .with_context(|| format!("{}: cannot read grid", p.display()))?,
        None => DEFAULT_GRID.to_string(),
    };
    let grid = parse_grid(&grid_text).map_err(|e| match &args.grid {
        Some(p) => anyhow!("{}: {e}", p.display()),
        None => anyhow!(e),
    })?;
    let settings = expand(&grid);
    let recipes: Vec<Recipe> = settings
        .iter()
        .map(|s| {
            let mut r = base.clone();
            for (k, v) in s {
                apply(&mut r, k, v)?;
            }
            r.features.validate().map_err(anyhow::Error::msg)?;
            Ok(r)
        })
        .collect::<Result<_>>()?;
    let (data, folds) = load_folds(&args.data, &args.read, args.folds, base.seed, ui)?;
    // Feature keys depend only on what the analyser extracts: compute them once per kind.
    let mut keys: HashMap<String, Vec<Vec<u64>>> = HashMap::new();
    for r in &recipes {
        keys.entry(analysis_id(r))
            .or_insert_with(|| r.features.keys_of(data.texts.iter().map(|s| s.as_str())));
    }
    let jobs: Vec<(usize, usize)> = (0..recipes.len())
        .flat_map(|s| (0..folds.len()).map(move |f| (s, f)))
        .collect();
    let bar = ui.bar(jobs.len() as u64, "tuning");
    let results: Vec<Vec<HeadReport>> = jobs
        .par_iter()
        .map(|&(s, f)| {
            let r = evaluate_fold(
                &recipes[s],
                &data,
                &keys[&analysis_id(&recipes[s])],
                &folds[f],
            );
            bar.inc(1);
            r
        })
        .collect::<stance::Result<_>>()?;
    bar.finish_and_clear();
    let head = data.head_names().next().unwrap_or_default().to_string();
    let mut table = Vec::new();
    for (s, setting) in settings.iter().enumerate() {
        let per_fold = &results[s * folds.len()..(s + 1) * folds.len()];
        let summary = cv_json(per_fold);
        let h = &summary["heads"][&head];
        let score = h[args.metric.key()].as_f64();
        table.push((
            s,
            setting,
            score,
            h[format!("{}_std", args.metric.key())].as_f64(),
            summary,
        ));
    }
    let Some(best) = table
        .iter()
        .filter(|t| t.2.is_some())
        .max_by(|a, b| a.2.partial_cmp(&b.2).unwrap().then(b.0.cmp(&a.0)))
        .map(|t| t.0)
    else {
        bail!(
            "metric '{}' is undefined for head '{head}' (f-avg needs favor and against labels)",
            args.metric.key()
        );
    };
    // Save first: a closed stdout must not cost the user the model.
    let model = stance::model::train(&recipes[best], &data)?;
    model.save(&args.out)?;
    ui.note(format_args!(
        "trained the best setting (*) on all {} rows; wrote {}",
        data.len(),
        args.out.display()
    ));
    if args.json {
        let rows: Vec<serde_json::Value> = table
            .iter()
            .map(|(s, setting, _, _, summary)| {
                serde_json::json!({
                    "setting": setting.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect::<serde_json::Map<_, _>>(),
                    "best": *s == best,
                    "cv": summary,
                })
            })
            .collect();
        super::outln!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({ "metric": args.metric.key(), "head": head, "settings": rows })
            )?
        )?;
    } else {
        super::outln!("{:<48} {:>10} {:>8}", "setting", args.metric.key(), "std")?;
        for (s, setting, score, std, _) in &table {
            let name: Vec<String> = setting.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let mark = if *s == best { " *" } else { "" };
            match score {
                Some(v) => super::outln!(
                    "{:<48} {v:>10.4} {:>8.4}{mark}",
                    name.join(" "),
                    std.unwrap_or(0.0)
                )?,
                None => super::outln!("{:<48} {:>10} {:>8}", name.join(" "), "n/a", "")?,
            }
        }
    }
    Ok(())
}

/// Settings that change which keys the analyser extracts (not how they are fitted).
fn analysis_id(r: &Recipe) -> String {
    format!(
        "{}|{}|{}",
        r.features.word_ngrams, r.features.char_ngrams, r.features.voice
    )
}

/// `name = a, b, c` lines into (name, values), in file order.
fn parse_grid(text: &str) -> Result<Vec<(String, Vec<String>)>, String> {
    let mut grid = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let (name, values) = line
            .split_once('=')
            .ok_or_else(|| format!("line {}: expected 'name = value, value, ...'", i + 1))?;
        let values: Vec<String> = values
            .split(',')
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect();
        if values.is_empty() {
            return Err(format!("line {}: no values for '{}'", i + 1, name.trim()));
        }
        grid.push((name.trim().replace('_', "-"), values));
    }
    if grid.is_empty() {
        return Err("the grid holds no settings".into());
    }
    Ok(grid)
}

/// Every combination of the grid's values.
fn expand(grid: &[(String, Vec<String>)]) -> Vec<Vec<(String, String)>> {
    let mut out = vec![Vec::new()];
    for (name, values) in grid {
        out = out
            .into_iter()
            .flat_map(|prefix: Vec<(String, String)>| {
                values.iter().map(move |v| {
                    let mut p = prefix.clone();
                    p.push((name.clone(), v.clone()));
                    p
                })
            })
            .collect();
    }
    out
}

/// Sets one named recipe field from its text value.
/// `value` parsed by the command-line flag's own value names, or the names it accepts.
fn choice<A: ValueEnum + Into<T>, T>(value: &str) -> Result<T, String> {
    A::from_str(value, false).map(Into::into).map_err(|_| {
        let names: Vec<String> = A::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value())
            .map(|p| p.get_name().to_string())
            .collect();
        format!("value ({})", names.join(", "))
    })
}

fn apply(r: &mut Recipe, name: &str, value: &str) -> Result<()> {
    let bad = |what: String| anyhow!("grid: '{value}' is not a valid {what} for '{name}'");
    let num = || value.parse::<f64>().map_err(|_| bad("number".into()));
    match name {
        "c" => r.c = num()?,
        "nb" => r.nb_alpha = Some(num()?).filter(|&a| a > 0.0),
        "nb-mix" => r.nb_mix = num()?,
        "nb-counts" => r.nb_counts = choice::<NbCountsArg, _>(value).map_err(bad)?,
        "loss" => r.loss = choice::<LossArg, _>(value).map_err(bad)?,
        "class-weight" => r.class_weight = choice::<ClassWeightArg, _>(value).map_err(bad)?,
        "word-ngrams" => r.features.word_ngrams = value.parse::<NgramRange>().map_err(anyhow::Error::msg)?,
        "char-ngrams" => r.features.char_ngrams = value.parse::<NgramRange>().map_err(anyhow::Error::msg)?,
        "word-min-df" => r.features.word_min_df = value.parse().map_err(|_| bad("count".into()))?,
        "char-min-df" => r.features.char_min_df = value.parse().map_err(|_| bad("count".into()))?,
        "term-weight" => r.features.term_weight = choice::<TermWeightArg, _>(value).map_err(bad)?,
        "target-mode" => r.target_mode = choice::<TargetModeArg, _>(value).map_err(bad)?,
        "calibrate" => r.calibrate = choice::<CalibrateArg, _>(value).map_err(bad)?,
        "voice" => r.features.voice = value.parse().map_err(|_| bad("boolean (true, false)".into()))?,
        _ => bail!("grid: unknown setting '{name}' (known: c, nb, nb-mix, nb-counts, loss, class-weight, word-ngrams, char-ngrams, word-min-df, char-min-df, term-weight, target-mode, calibrate, voice)"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_every_combination_in_order() {
        let grid = parse_grid("c = 1, 3  # costs\n\nnb = 0, 0.1\n").unwrap();
        let all = expand(&grid);
        assert_eq!(all.len(), 4);
        assert_eq!(
            all[1],
            vec![
                ("c".to_string(), "1".to_string()),
                ("nb".to_string(), "0.1".to_string())
            ]
        );
    }

    #[test]
    fn rejects_unknown_settings_and_bad_values() {
        let mut r = Recipe::default();
        assert!(apply(&mut r, "gamma", "1").is_err());
        assert!(apply(&mut r, "c", "lots").is_err());
        assert!(parse_grid("c 1, 2").is_err());
        apply(&mut r, "word_ngrams".replace('_', "-").as_str(), "1-2").unwrap();
        assert_eq!(r.features.word_ngrams, NgramRange::new(1, 2));
    }
}
