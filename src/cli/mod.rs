//! The command line: one file per verb, each with its `Args` and `run`. Shared flag
//! groups (recipe, reading limits) are defined once here.

/// `println!` that returns the write error instead of panicking when stdout is closed
/// (`stance eval ... | head`): `main` then ends quietly with exit 0.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)
    }};
}
pub(crate) use outln;

mod cv;
mod eval;
mod explain;
mod inspect;
mod score;
mod train;
mod tune;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use stance::features::{FeatureSpec, NgramRange, TargetTerms, TermWeight};
use stance::io::ReadOptions;
use stance::model::{Calibration, ClassWeight, Loss, NbCounts, Recipe, TargetMode};
use stance::Model;
use std::path::PathBuf;

/// Label paragraphs of news and opinion text: stance toward a target, and tone.
#[derive(Debug, Parser)]
#[command(name = "stance", version, about, long_about = None, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Worker threads (default: every core).
    #[arg(long, global = true, value_name = "N")]
    threads: Option<usize>,
    /// No progress bars or notes on stderr.
    #[arg(long, short, global = true)]
    quiet: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Train a model on a labelled CSV, TSV or JSONL file.
    Train(train::TrainArgs),
    /// Label paragraphs (CSV, TSV, JSONL or plain text) with a model.
    Score(score::ScoreArgs),
    /// Evaluate a model on labelled data.
    Eval(eval::EvalArgs),
    /// Stratified k-fold cross-validation of a recipe.
    Cv(cv::CvArgs),
    /// Show why a model labelled each paragraph so: the features for and against.
    Explain(explain::ExplainArgs),
    /// Pick the best recipe from a grid by cross-validation, and train it.
    Tune(tune::TuneArgs),
    /// Print a model file's settings, heads and labels as JSON.
    Inspect(inspect::InspectArgs),
}

/// Parses the command line and runs the verb.
pub fn run() -> Result<()> {
    let cli = Cli::parse();
    if let Some(n) = cli.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global()
            .context("could not start the thread pool")?;
    }
    let ui = Ui { quiet: cli.quiet };
    match cli.command {
        Command::Train(a) => train::run(a, ui),
        Command::Score(a) => score::run(a, ui),
        Command::Eval(a) => eval::run(a, ui),
        Command::Cv(a) => cv::run(a, ui),
        Command::Explain(a) => explain::run(a),
        Command::Tune(a) => tune::run(a, ui),
        Command::Inspect(a) => inspect::run(a),
    }
}

/// Terminal feedback: progress bars and notes on stderr, only on a terminal.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ui {
    quiet: bool,
}

impl Ui {
    /// A progress bar over `len` items (hidden when stderr is not a terminal or --quiet).
    pub fn bar(&self, len: u64, what: &str) -> indicatif::ProgressBar {
        use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
        let target = if self.quiet {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        };
        let bar = ProgressBar::with_draw_target(Some(len), target);
        let style = if len == 0 {
            ProgressStyle::with_template("{spinner} {msg}: {human_pos} [{elapsed}] {per_sec}")
        } else {
            ProgressStyle::with_template(
                "{msg}: {wide_bar} {human_pos}/{human_len} [{elapsed}<{eta}] {per_sec}",
            )
        };
        bar.set_style(style.expect("valid template"));
        bar.set_message(what.to_string());
        bar
    }

    /// Says how many rows `--skip-invalid` skipped in `path`, and where the first was.
    pub fn note_skipped(&self, path: &str, rows: &stance::io::LabelledRows) {
        if let Some(line) = rows.first_skipped {
            let s = if rows.skipped == 1 { "" } else { "s" };
            self.note(format_args!(
                "skipped {} row{s} with invalid UTF-8 (the first at {path}:{line})",
                rows.skipped
            ));
        }
    }

    /// A note for the user on stderr (skipped with --quiet).
    pub fn note(&self, msg: impl std::fmt::Display) {
        if !self.quiet {
            eprintln!("stance: {msg}");
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LossArg {
    /// L2-loss linear SVM (scikit-learn's LinearSVC); confidence is sigmoid of the margin.
    Svm,
    /// Logistic regression: confidence is the model's probability.
    Logistic,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ClassWeightArg {
    Uniform,
    Balanced,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum TermWeightArg {
    Sublinear,
    Raw,
    Binary,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum TargetModeArg {
    /// A separate classifier per target value (refuses targets unseen in training).
    PerTarget,
    /// Shared weights plus per-target weights for every feature (scores unseen targets
    /// with the shared weights).
    Crossed,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum NbCountsArg {
    /// Sum TF-IDF values (a strong prior for a given alpha; best on small problems).
    Values,
    /// Count the rows a feature occurs in (Wang and Manning; a light prior, best on large
    /// sentence sets).
    Binary,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum CalibrateArg {
    /// Confidences straight from the scores.
    None,
    /// Fit one scale per head on 5-fold out-of-fold scores of the training data (5 more
    /// fits); labels never change, only confidences.
    Temperature,
}

/// Each flag's value enum maps onto the library's type; `tune`'s grid parses the same names.
macro_rules! value_into {
    ($($arg:ident => $ty:ident { $($from:ident => $to:ident),+ })+) => {$(
        impl From<$arg> for $ty {
            fn from(a: $arg) -> $ty {
                match a {
                    $($arg::$from => $ty::$to),+
                }
            }
        }
    )+};
}

value_into! {
    LossArg => Loss { Svm => SquaredHinge, Logistic => Logistic }
    ClassWeightArg => ClassWeight { Uniform => Uniform, Balanced => Balanced }
    TermWeightArg => TermWeight { Sublinear => Sublinear, Raw => Raw, Binary => Binary }
    TargetModeArg => TargetMode { PerTarget => PerTarget, Crossed => Crossed }
    NbCountsArg => NbCounts { Values => Values, Binary => Binary }
    CalibrateArg => Calibration { None => None, Temperature => Temperature }
}

/// The training recipe, shared by `train` and `cv`.
#[derive(Debug, Args)]
struct RecipeArgs {
    /// Classifier loss.
    #[arg(long, value_enum, default_value = "svm")]
    loss: LossArg,
    /// Inverse regularisation strength C.
    #[arg(long = "c", value_name = "C", default_value_t = 1.0)]
    c: f64,
    /// Class weights: `balanced` up-weights rare classes (n / (k * n_class)); `uniform`
    /// weighs every example alike.
    #[arg(long, value_enum, default_value = "balanced")]
    class_weight: ClassWeightArg,
    /// Weight of the examples of one label, as LABEL=WEIGHT (repeatable); e.g. to train on
    /// balanced data for text where a label is rarer. Replaces --class-weight for heads
    /// that have the label.
    #[arg(long = "label-weight", value_name = "LABEL=WEIGHT", value_parser = parse_label_weight)]
    label_weights: Vec<(String, f64)>,
    /// Word n-gram lengths, like 1-3 (0 = off).
    #[arg(long, default_value = "1-3", value_name = "MIN-MAX")]
    word_ngrams: NgramRange,
    /// Character n-gram lengths inside word boundaries, like 3-5 (0 = off).
    #[arg(long, default_value = "3-5", value_name = "MIN-MAX")]
    char_ngrams: NgramRange,
    /// Keep word n-grams found in at least this many training texts.
    #[arg(long, default_value_t = 1, value_name = "COUNT")]
    word_min_df: u32,
    /// Keep character n-grams found in at least this many training texts.
    #[arg(long, default_value_t = 2, value_name = "COUNT")]
    char_min_df: u32,
    /// Term frequency weighting.
    #[arg(long, value_enum, default_value = "sublinear")]
    term_weight: TermWeightArg,
    /// Hash features into 2^BITS columns per block instead of fitting a vocabulary (8-20).
    #[arg(long, value_name = "BITS")]
    hash_bits: Option<u8>,
    /// File of words and phrases that denote the stance target, one per line: adds
    /// features of the sentences that mention it.
    #[arg(long, value_name = "FILE")]
    target_terms: Option<PathBuf>,
    /// Add features of the writer's own voice: word n-grams outside quotation marks
    /// (helps tone, where a quoted loaded word is not the writer's judgement).
    #[arg(long)]
    voice: bool,
    /// How heads use --target-column.
    #[arg(long, value_enum, default_value = "per-target")]
    target_mode: TargetModeArg,
    /// Naive Bayes log-count-ratio feature scaling (NBSVM) with this smoothing alpha; 0 = off.
    #[arg(long, default_value_t = 0.1, value_name = "ALPHA")]
    nb: f64,
    /// Weight of the NB-scaled model when averaged with the plain one (1 = NB only).
    #[arg(long, default_value_t = 0.5, value_name = "WEIGHT")]
    nb_mix: f64,
    /// What the NB ratios count per class: feature values or presence.
    #[arg(long, value_enum, default_value = "values")]
    nb_counts: NbCountsArg,
    /// Calibrate confidences so that a 0.8 means right 8 times in 10.
    #[arg(long, value_enum, default_value = "none")]
    calibrate: CalibrateArg,
    /// Solver stopping tolerance (LIBLINEAR's default for its dual solvers).
    #[arg(long, default_value_t = 0.1)]
    tol: f64,
    /// Solver passes at most.
    #[arg(long, default_value_t = 1000)]
    max_iter: usize,
    /// Seed of the solver's update order (and of cross-validation folds).
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

impl RecipeArgs {
    fn recipe(&self) -> Result<Recipe> {
        let tokenizer = stance::tokenize::Tokenizer::default();
        let target_terms = match &self.target_terms {
            None => None,
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("{}: cannot read target terms", p.display()))?;
                Some(
                    TargetTerms::parse(&text, &tokenizer)
                        .map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?,
                )
            }
        };
        let features = FeatureSpec {
            tokenizer,
            word_ngrams: self.word_ngrams,
            char_ngrams: self.char_ngrams,
            word_min_df: self.word_min_df,
            char_min_df: self.char_min_df,
            term_weight: self.term_weight.into(),
            hash_bits: self.hash_bits,
            target_terms,
            voice: self.voice,
        };
        features.validate().map_err(anyhow::Error::msg)?;
        Ok(Recipe {
            features,
            loss: self.loss.into(),
            c: self.c,
            class_weight: self.class_weight.into(),
            tol: self.tol,
            max_iter: self.max_iter,
            seed: self.seed,
            target_mode: self.target_mode.into(),
            nb_alpha: (self.nb > 0.0).then_some(self.nb),
            nb_mix: self.nb_mix,
            nb_counts: self.nb_counts.into(),
            label_weights: self.label_weights.clone(),
            calibrate: self.calibrate.into(),
        })
    }
}

fn parse_label_weight(s: &str) -> Result<(String, f64), String> {
    let (label, w) = s
        .split_once('=')
        .ok_or_else(|| format!("'{s}' is not LABEL=WEIGHT"))?;
    let w: f64 = w
        .trim()
        .parse()
        .map_err(|_| format!("'{w}' is not a number"))?;
    if !(w.is_finite() && w > 0.0) {
        return Err(format!("weight for '{label}' must be positive"));
    }
    Ok((label.trim().to_string(), w))
}

/// Limits on input texts, shared by every verb that reads them.
#[derive(Debug, Args)]
struct ReadArgs {
    /// Longest text accepted, in bytes; longer ones are an error (0 = no limit).
    #[arg(long, default_value_t = 1_000_000, value_name = "BYTES")]
    max_text_bytes: usize,
    /// Skip rows that are not valid UTF-8 (and count them) instead of failing.
    #[arg(long)]
    skip_invalid: bool,
}

impl ReadArgs {
    fn options(&self) -> ReadOptions {
        ReadOptions {
            max_text_bytes: self.max_text_bytes,
            skip_invalid: self.skip_invalid,
        }
    }
}

/// Report flags shared by `eval` and `cv`.
#[derive(Debug, Args)]
struct ReportArgs {
    /// Write report.html, report.md (with SVG charts) and report.json into this directory.
    #[arg(long, value_name = "DIR")]
    report: Option<PathBuf>,
    /// Break the report's metrics down by this column (genre, source, target ...).
    #[arg(long, value_name = "COL")]
    group_by: Option<String>,
    /// Bootstrap resamples for the 95% intervals.
    #[arg(long, default_value_t = stance::report::bootstrap::DEFAULT_RESAMPLES, value_name = "N")]
    resamples: usize,
    /// Seed of the bootstrap resampling (fixed, so reports are reproducible).
    #[arg(long, default_value_t = stance::report::bootstrap::DEFAULT_SEED, value_name = "N")]
    bootstrap_seed: u64,
    /// Most confident errors listed per head in the report.
    #[arg(long, default_value_t = stance::report::DEFAULT_ERRORS, value_name = "N")]
    errors: usize,
    /// Count a paragraph as abstained ("uncertain") when its confidence is below P; such
    /// paragraphs are reported apart and left out of the metrics.
    #[arg(long, value_name = "P", value_parser = probability)]
    abstain_below: Option<f32>,
}

impl ReportArgs {
    fn options(&self) -> stance::report::ReportOptions {
        let mut o = stance::report::ReportOptions::default();
        o.bootstrap.resamples = self.resamples.max(1);
        o.bootstrap.seed = self.bootstrap_seed;
        o.max_errors = self.errors;
        o
    }
}

/// Parses a probability in [0, 1].
fn probability(s: &str) -> Result<f32, String> {
    match s.parse::<f32>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(format!("'{s}' is not a probability between 0 and 1")),
    }
}

/// The labelled-data flags shared by `train` and `cv`.
#[derive(Debug, Args)]
struct DataArgs {
    /// Labelled data: CSV, TSV or JSONL with a header.
    #[arg(long, value_name = "FILE")]
    data: String,
    /// Column holding the text.
    #[arg(long, default_value = "text", value_name = "COL")]
    text_column: String,
    /// Label column; repeat for several heads (one classifier each).
    #[arg(long = "label", value_name = "COL", required = true)]
    labels: Vec<String>,
    /// Column naming each row's stance target: makes the heads target-aware.
    #[arg(long, value_name = "COL")]
    target_column: Option<String>,
}

impl DataArgs {
    fn load(&self, read: &ReadArgs, ui: Ui) -> Result<stance::model::TrainingSet> {
        for (i, label) in self.labels.iter().enumerate() {
            if self.labels[..i].contains(label) {
                anyhow::bail!("--label {label} is given twice");
            }
            if *label == self.text_column || self.target_column.as_ref() == Some(label) {
                anyhow::bail!("column '{label}' cannot be both a label and the text or target");
            }
        }
        let rows = stance::io::read_labelled(
            &self.data,
            &self.text_column,
            &self.labels,
            self.target_column.as_deref(),
            read.options(),
        )?;
        ui.note_skipped(&self.data, &rows);
        let heads = self.labels.iter().cloned().zip(rows.labels).collect();
        let target = self.target_column.clone().zip(rows.targets);
        let set = stance::model::TrainingSet::new(rows.texts, heads, target)
            .with_context(|| format!("{}: cannot train", self.data))?;
        Ok(set.with_text_column(&self.text_column))
    }
}

/// What a model's confidence is, for the report's reader.
fn confidence_meaning(model: &Model) -> String {
    if model.recipe().calibrate == Calibration::Temperature {
        let scales: Vec<String> = model
            .heads()
            .iter()
            .map(|h| format!("{} {:.2}", h.name, h.scale()))
            .collect();
        return format!(
            "probability from the scores times a per-head scale fitted on out-of-fold training scores (temperature scaling: {}); check the reliability diagrams on data like yours",
            scales.join(", ")
        );
    }
    match model.recipe().loss {
        Loss::SquaredHinge => "sigmoid of the SVM margin, normalised over classes: a ranking score, not a calibrated probability (see the reliability diagrams)".into(),
        Loss::Logistic => "the logistic model's probability of the label".into(),
    }
}

/// Loads `--model`, or the built-in default model.
fn load_model(path: Option<&PathBuf>) -> Result<Model> {
    Ok(match path {
        Some(p) => Model::load(p)?,
        None => stance::default_model()?,
    })
}
