//! Writing a report directory: `report.html`, `report.md` with its chart files, and
//! `report.json`, each written atomically.

use super::atomic::AtomicFile;
use crate::error::{Error, Result};
use crate::report::{render, Report};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes every report file into `dir` (created if missing); returns the paths written.
pub fn write_report(dir: &Path, report: &Report) -> Result<Vec<PathBuf>> {
    if dir.exists() && !dir.is_dir() {
        return Err(Error::Settings(format!(
            "{}: exists and is not a directory; --report needs a directory",
            dir.display()
        )));
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let (md, charts) = render::markdown(report);
    let json = serde_json::to_string_pretty(&report.to_json())
        .map_err(|e| Error::Settings(format!("report could not be encoded as JSON: {e}")))?;
    let mut files: Vec<(PathBuf, String)> = vec![
        (dir.join("report.html"), render::html(report)),
        (dir.join("report.md"), md),
        (dir.join("report.json"), json + "\n"),
    ];
    files.extend(charts.into_iter().map(|c| (dir.join(c.name), c.svg)));
    let mut written = Vec::with_capacity(files.len());
    for (path, text) in files {
        let mut f = AtomicFile::create(&path)?;
        f.write_all(text.as_bytes())
            .map_err(|e| Error::io(&path, e))?;
        f.commit()?;
        written.push(path);
    }
    Ok(written)
}
