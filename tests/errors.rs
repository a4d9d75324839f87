//! Bad input gets one clear line on stderr naming the file and line, a non-zero exit, and
//! leaves no output behind.

mod common;
use common::*;
use predicates::prelude::*;

fn write(dir: &std::path::Path, name: &str, body: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p
}

#[test]
fn missing_text_column_lists_the_columns_found() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "d.csv", b"id,body,stance\n1,x,favor\n");
    let out = dir.path().join("m.stance");
    stance()
        .args(["train", "--label", "stance", "--data"])
        .arg(&data)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "no column 'text' (columns found: id, body, stance)",
        ));
    assert!(!out.exists());
}

#[test]
fn ragged_row_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(
        dir.path(),
        "d.csv",
        b"text,stance\na,favor\nb,favor,extra\n",
    );
    stance()
        .args(["train", "--label", "stance", "--out", "m", "--data"])
        .arg(&data)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "d.csv:3: row has 3 fields but the header has 2",
        ));
}

#[test]
fn invalid_utf8_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(
        dir.path(),
        "d.csv",
        b"text,stance\nok,favor\ncaf\xe9,against\n",
    );
    stance()
        .args(["train", "--label", "stance", "--out", "m", "--data"])
        .arg(&data)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("d.csv:3: invalid UTF-8"));
}

#[test]
fn single_class_training_set_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "d.csv", b"text,stance\na,favor\nb,favor\n");
    let out = dir.path().join("m.stance");
    stance()
        .args(["train", "--label", "stance", "--data"])
        .arg(&data)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("only one class ('favor')"));
    assert!(!out.exists());
}

#[test]
fn empty_text_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let model = tiny_model(dir.path());
    let data = write(dir.path(), "in.csv", b"text\nfine\n\"  \"\n");
    stance()
        .args(["score", "--model"])
        .arg(&model)
        .arg(&data)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "in.csv:3: empty text in column 'text'",
        ));
}

#[test]
fn unknown_label_at_eval_lists_the_known_ones() {
    let dir = tempfile::tempdir().unwrap();
    let model = tiny_model(dir.path());
    let data = write(
        dir.path(),
        "gold.csv",
        b"text,stance,tone\nhello,maybe,analytic\n",
    );
    stance()
        .args(["eval", "--model"])
        .arg(&model)
        .arg("--data")
        .arg(&data)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "gold.csv:2: label 'maybe' in column 'stance' is not one of: against, favor, none",
        ));
}

#[test]
fn truncated_and_foreign_model_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let model = tiny_model(dir.path());
    let bytes = std::fs::read(&model).unwrap();
    let cut = write(dir.path(), "cut.stance", &bytes[..bytes.len() / 2]);
    stance()
        .args(["score", "--model"])
        .arg(&cut)
        .write_stdin("text\n")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("model file is truncated"));
    stance()
        .args(["score", "--model"])
        .arg(fixture("tiny.csv"))
        .write_stdin("text\n")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not a stance model file"));
}

#[test]
fn output_in_a_missing_directory_is_refused_before_work() {
    let dir = tempfile::tempdir().unwrap();
    stance()
        .args(["train", "--label", "stance", "--data"])
        .arg(fixture("tiny.csv"))
        .arg("--out")
        .arg(dir.path().join("nope/m.stance"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("does not exist"));
}

#[test]
fn a_failed_score_leaves_no_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let model = tiny_model(dir.path());
    let data = write(dir.path(), "in.csv", b"text\nfine\n\n\"\"\n");
    let out = dir.path().join("out.csv");
    stance()
        .args(["score", "--model"])
        .arg(&model)
        .arg(&data)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(1);
    assert!(!out.exists());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        leftovers
            .iter()
            .all(|n| !n.to_string_lossy().contains(".tmp")),
        "{leftovers:?}"
    );
}

#[test]
fn skip_mode_skips_bad_rows_and_reports_them() {
    let dir = tempfile::tempdir().unwrap();
    let model = tiny_model(dir.path());
    let data = write(dir.path(), "in.csv", b"text\nfine\n\"\"\nalso fine\n");
    let out = stance()
        .args(["score", "--on-error", "skip", "--model"])
        .arg(&model)
        .arg(&data)
        .assert()
        .success()
        .stderr(predicate::str::contains("skipped 1 bad rows"))
        .get_output()
        .stdout
        .clone();
    assert_eq!(
        String::from_utf8(out).unwrap().lines().count(),
        3,
        "header and two rows"
    );
}

#[test]
fn usage_errors_exit_2() {
    stance().args(["train", "--data", "x.csv"]).assert().code(2);
}
