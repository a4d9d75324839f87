//! A run killed mid-write (SIGKILL, no chance to clean up) never leaves a partial file
//! under the final name: the output is written to a hidden temporary file beside it and
//! renamed only when complete.

mod common;
use common::*;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// Hidden temporary files beside `target` (`.NAME.tmpPID`).
fn temp_files(target: &Path) -> Vec<std::path::PathBuf> {
    let prefix = format!(".{}.tmp", target.file_name().unwrap().to_string_lossy());
    std::fs::read_dir(target.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(&prefix)
        })
        .collect()
}

/// Starts `stance score` on stdin into `out`, feeds rows until the temporary file holds
/// scored rows (so the kill lands mid-write: stdin stays open, the run cannot finish),
/// then SIGKILLs it.
fn kill_mid_write(model: &Path, out: &Path) {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("stance"))
        .args(["score", "--input-format", "csv", "--model"])
        .arg(model)
        .arg("-o")
        .arg(out)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let tiny = std::fs::read_to_string(fixture("tiny.csv")).unwrap();
    let rows: Vec<&str> = tiny.lines().skip(1).collect();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "id,text,stance,tone").unwrap();
    let mut written = false;
    for round in 0..10_000 {
        for row in &rows {
            writeln!(stdin, "{row}").unwrap();
        }
        if round % 50 == 49 {
            stdin.flush().unwrap();
            std::thread::sleep(std::time::Duration::from_millis(20));
            let tmp = temp_files(out);
            if tmp.iter().any(|p| std::fs::metadata(p).unwrap().len() > 0) {
                written = true;
                break;
            }
        }
    }
    assert!(written, "the temporary output never received data");
    child.kill().unwrap(); // SIGKILL on Unix
    let status = child.wait().unwrap();
    assert!(!status.success(), "the run was killed, not finished");
    drop(stdin);
}

#[test]
fn killed_score_leaves_no_partial_output_under_the_final_name() {
    let dir = tempfile::tempdir().unwrap();
    let model = tiny_model(dir.path());
    let out = dir.path().join("scored.csv");
    kill_mid_write(&model, &out);
    assert!(
        !out.exists(),
        "a partial file appeared under the final name"
    );
    // Only the hidden temporary file may remain.
    assert_eq!(temp_files(&out).len(), 1);
}

#[test]
fn killed_score_keeps_the_previous_output_intact() {
    let dir = tempfile::tempdir().unwrap();
    let model = tiny_model(dir.path());
    let out = dir.path().join("scored.csv");
    std::fs::write(&out, b"id,text\n1,the previous complete output\n").unwrap();
    kill_mid_write(&model, &out);
    assert_eq!(
        std::fs::read(&out).unwrap(),
        b"id,text\n1,the previous complete output\n"
    );
}
