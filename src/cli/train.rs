//! `stance train`: labelled data + recipe → model file.

use super::{DataArgs, ReadArgs, RecipeArgs, Ui};
use anyhow::Result;
use clap::Args;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, Args)]
pub struct TrainArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Where to write the model (written atomically).
    #[arg(long, value_name = "MODEL")]
    out: PathBuf,
    #[command(flatten)]
    recipe: RecipeArgs,
    #[command(flatten)]
    read: ReadArgs,
}

pub fn run(args: TrainArgs, ui: Ui) -> Result<()> {
    let recipe = args.recipe.recipe()?;
    let start = Instant::now();
    let data = args.data.load(&args.read, ui)?;
    let bar = ui.bar(0, "training");
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    let model = stance::model::train(&recipe, &data)?;
    bar.finish_and_clear();
    model.save(&args.out)?;
    let heads: Vec<String> = model
        .heads()
        .iter()
        .map(|h| format!("{} ({})", h.name, h.labels.join("/")))
        .collect();
    ui.note(format_args!(
        "trained on {} paragraphs, {} features, heads: {}; wrote {} in {:.2}s",
        data.len(),
        model.features().n_features(),
        heads.join(", "),
        args.out.display(),
        start.elapsed().as_secs_f64()
    ));
    Ok(())
}
