//! `stance inspect`: a model's settings, heads and labels as JSON.

use anyhow::Result;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Model file (default: the built-in model).
    #[arg(long, value_name = "MODEL")]
    model: Option<PathBuf>,
}

pub fn run(args: InspectArgs) -> Result<()> {
    let model = super::load_model(args.model.as_ref())?;
    super::outln!("{}", serde_json::to_string_pretty(&model.summary())?)?;
    Ok(())
}
