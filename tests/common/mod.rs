//! Helpers for the integration tests: run the real binary in a temporary directory, and
//! find `../shared` when it is there.

#![allow(dead_code)]

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// The `stance` binary built by cargo for this test run.
pub fn stance() -> Command {
    Command::cargo_bin("stance").expect("binary is built")
}

/// Path of a fixture file.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Path of a file in the repository.
pub fn repo(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(name)
}

/// `../shared/corpora/<rel>` if present; otherwise prints why the test is skipped.
pub fn shared_corpus(rel: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpora")
        .join(rel);
    if p.exists() {
        Some(p)
    } else {
        eprintln!(
            "skipped: {} not found (the public corpora live in ../shared beside the repository)",
            p.display()
        );
        None
    }
}

/// Trains a model on the tiny fixture into `dir` and returns its path.
pub fn tiny_model(dir: &Path) -> PathBuf {
    let out = dir.join("tiny.stance");
    stance()
        .args(["train", "--data"])
        .arg(fixture("tiny.csv"))
        .args(["--label", "stance", "--label", "tone", "--out"])
        .arg(&out)
        .assert()
        .success();
    out
}

/// Stdout of a successful command, as a string.
pub fn stdout_of(cmd: &mut Command) -> String {
    let out = cmd.assert().success().get_output().stdout.clone();
    String::from_utf8(out).expect("utf-8 stdout")
}
