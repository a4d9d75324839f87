//! The bad-input catalogue: every bad input gets one clear line on stderr naming the file
//! (and the line, where there is one), a non-zero exit, and leaves no output or model
//! file behind. One test per case; the README's troubleshooting table lists them.

mod common;
use common::*;
use predicates::prelude::*;
use std::path::{Path, PathBuf};

fn write(dir: &Path, name: &str, body: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p
}

/// Runs `cmd`, expects exit code `code` with `message` in a single-line stderr and nothing
/// on stdout; returns stderr.
fn fails(cmd: &mut assert_cmd::Command, code: i32, message: &str) -> String {
    let out = cmd.assert().code(code).get_output().clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains(message),
        "expected {message:?} in stderr:\n{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "one line on stderr:\n{stderr}");
    assert!(stderr.starts_with("stance: error: "), "{stderr}");
    assert!(
        out.stdout.is_empty(),
        "nothing on stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    stderr
}

/// Asserts that `target` does not exist and that no temporary file was left beside it.
fn nothing_left(target: &Path) {
    assert!(!target.exists(), "{} was left behind", target.display());
    let dir = target.parent().unwrap();
    let leftovers: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

/// `stance train --label stance --data DATA --out OUT`.
fn train(data: &Path, out: &Path) -> assert_cmd::Command {
    let mut cmd = stance();
    cmd.args(["train", "--label", "stance", "--data"])
        .arg(data)
        .arg("--out")
        .arg(out);
    cmd
}

/// `stance score --model MODEL INPUT -o OUT`.
fn score(model: &Path, input: &Path, out: &Path) -> assert_cmd::Command {
    let mut cmd = stance();
    cmd.args(["score", "--model"])
        .arg(model)
        .arg(input)
        .arg("-o")
        .arg(out);
    cmd
}

#[test]
fn missing_input_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let model_out = dir.path().join("m.stance");
    let err = fails(
        &mut train(&dir.path().join("nope.csv"), &model_out),
        1,
        "nope.csv: No such file or directory",
    );
    assert_eq!(
        err.matches("No such file").count(),
        1,
        "the cause is said once: {err}"
    );
    nothing_left(&model_out);
    let model = tiny_model(dir.path());
    let out = dir.path().join("out.csv");
    fails(
        &mut score(&model, &dir.path().join("nope.txt"), &out),
        1,
        "nope.txt: No such file or directory",
    );
    nothing_left(&out);
}

#[test]
fn empty_file_says_the_file_is_empty() {
    let dir = tempfile::tempdir().unwrap();
    let model = tiny_model(dir.path());
    let out = dir.path().join("out.csv");
    for name in ["empty.csv", "empty.jsonl", "empty.txt", "blank.txt"] {
        let body: &[u8] = if name == "blank.txt" {
            b"\n  \n\n"
        } else {
            b""
        };
        let input = write(dir.path(), name, body);
        let err = fails(&mut score(&model, &input, &out), 1, "the file is empty");
        assert_eq!(
            err.trim_end(),
            format!("stance: error: {}: the file is empty", input.display())
        );
        nothing_left(&out);
    }
    let data = write(dir.path(), "empty.csv", b"");
    let model_out = dir.path().join("m.stance");
    fails(
        &mut train(&data, &model_out),
        1,
        "empty.csv: the file is empty",
    );
    nothing_left(&model_out);
}

#[test]
fn empty_stdin_says_the_input_is_empty() {
    let dir = tempfile::tempdir().unwrap();
    let model = tiny_model(dir.path());
    fails(
        stance()
            .args(["score", "--model"])
            .arg(&model)
            .write_stdin(""),
        1,
        "<stdin>: the file is empty",
    );
}

#[test]
fn header_only_file_says_no_data_rows_and_lists_the_header() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "head.csv", b"text,stance\n");
    let model_out = dir.path().join("m.stance");
    fails(
        &mut train(&data, &model_out),
        1,
        "head.csv: no data rows, only a header (text, stance)",
    );
    nothing_left(&model_out);
    let model = tiny_model(dir.path());
    let out = dir.path().join("out.csv");
    fails(
        &mut score(&model, &data, &out),
        1,
        "head.csv: no data rows, only a header (text, stance)",
    );
    nothing_left(&out);
    // On stdout too, not even the output header is written.
    fails(
        stance().args(["score", "--model"]).arg(&model).arg(&data),
        1,
        "no data rows",
    );
}

#[test]
fn missing_text_column_lists_the_columns_found() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "d.csv", b"id,body,stance\n1,x,favor\n");
    let out = dir.path().join("m.stance");
    fails(
        &mut train(&data, &out),
        1,
        "d.csv: no column 'text' (columns found: id, body, stance)",
    );
    nothing_left(&out);
}

#[test]
fn missing_label_column_lists_the_columns_found() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "d.csv", b"id,text,tone\n1,x,analytic\n");
    let out = dir.path().join("m.stance");
    fails(
        &mut train(&data, &out),
        1,
        "d.csv: no column 'stance' (columns found: id, text, tone)",
    );
    nothing_left(&out);
    // At eval, the model's heads name the label columns.
    let model = tiny_model(dir.path());
    fails(
        stance()
            .args(["eval", "--model"])
            .arg(&model)
            .arg("--data")
            .arg(&data),
        1,
        "d.csv: no column 'stance' (columns found: id, text, tone)",
    );
}

#[test]
fn ragged_row_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(
        dir.path(),
        "d.csv",
        b"text,stance\na,favor\nb,favor,extra\n",
    );
    let out = dir.path().join("m.stance");
    fails(
        &mut train(&data, &out),
        1,
        "d.csv:3: row has 3 fields but the header has 2",
    );
    nothing_left(&out);
}

#[test]
fn unclosed_quote_names_the_line_where_it_opened() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.stance");
    // The quote swallows the rest of the file: as a ragged row, and as a row that has
    // the right number of fields (which the csv crate alone would accept silently).
    for body in [
        &b"text,stance\nok,favor\n\"abc,favor\nx,against\ny,none\n"[..],
        &b"text,stance\nok,favor\nabc,\"favor\nx,against\ny,none\n"[..],
    ] {
        let data = write(dir.path(), "d.csv", body);
        fails(
            &mut train(&data, &out),
            1,
            "d.csv:3: a quote opened on this line is never closed",
        );
        nothing_left(&out);
    }
    let model = tiny_model(dir.path());
    let input = write(
        dir.path(),
        "in.csv",
        b"id,text\n1,fine\n2,\"never\n3,closed\n",
    );
    let scored = dir.path().join("out.csv");
    fails(
        &mut score(&model, &input, &scored),
        1,
        "in.csv:3: a quote opened on this line is never closed",
    );
    nothing_left(&scored);
}

#[test]
fn invalid_utf8_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(
        dir.path(),
        "d.csv",
        b"text,stance\nok,favor\ncaf\xe9,against\n",
    );
    let out = dir.path().join("m.stance");
    fails(
        &mut train(&data, &out),
        1,
        "d.csv:3: invalid UTF-8 (use --skip-invalid to skip such rows)",
    );
    nothing_left(&out);
    let model = tiny_model(dir.path());
    let input = write(
        dir.path(),
        "in.txt",
        b"fine\n\ncaf\xe9 au lait\n\nalso fine\n",
    );
    let scored = dir.path().join("out.csv");
    fails(
        &mut score(&model, &input, &scored),
        1,
        "in.txt:3: invalid UTF-8",
    );
    nothing_left(&scored);
}

#[test]
fn skip_invalid_skips_and_counts_invalid_rows() {
    let dir = tempfile::tempdir().unwrap();
    let model = tiny_model(dir.path());
    let input = write(
        dir.path(),
        "in.csv",
        b"id,text\n1,fine\n2,caf\xe9\n3,also fine\n4,na\xefve\n",
    );
    let assert = stance()
        .args(["score", "--skip-invalid", "--model"])
        .arg(&model)
        .arg(&input)
        .assert()
        .success()
        .stderr(predicate::str::contains("skipped 2 bad rows (the first: "))
        .stderr(predicate::str::contains("in.csv:3: invalid UTF-8"));
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    let ids: Vec<&str> = stdout.lines().skip(1).map(|l| &l[..1]).collect();
    assert_eq!(ids, ["1", "3"]);
    // Training counts them too.
    let mut data = std::fs::read(fixture("tiny.csv")).unwrap();
    data.extend_from_slice(b"31,caf\xe9,none,analytic\n");
    let data = write(dir.path(), "d.csv", &data);
    stance()
        .args(["train", "--skip-invalid", "--label", "stance", "--data"])
        .arg(&data)
        .arg("--out")
        .arg(dir.path().join("m.stance"))
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "skipped 1 row with invalid UTF-8 (the first at",
        ));
}

#[test]
fn empty_text_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let model = tiny_model(dir.path());
    let data = write(dir.path(), "in.csv", b"text\nfine\n\"  \"\n");
    let out = dir.path().join("out.csv");
    fails(
        &mut score(&model, &data, &out),
        1,
        "in.csv:3: empty text in column 'text'",
    );
    nothing_left(&out);
}

#[test]
fn whitespace_only_paragraph_in_training_data_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(
        dir.path(),
        "d.jsonl",
        b"{\"text\":\"fine\",\"stance\":\"favor\"}\n{\"text\":\" \\t \",\"stance\":\"none\"}\n",
    );
    let out = dir.path().join("m.stance");
    fails(
        &mut train(&data, &out),
        1,
        "d.jsonl:2: empty text in column 'text'",
    );
    nothing_left(&out);
}

#[test]
fn ten_megabyte_paragraph_is_refused_by_default_and_scored_without_a_limit() {
    let dir = tempfile::tempdir().unwrap();
    let model = tiny_model(dir.path());
    let words = ["kabul ", "withdrawal ", "was ", "a ", "disaster ", "right "];
    let mut text = String::new();
    let mut i = 0;
    while text.len() < 10_000_000 {
        text.push_str(words[i % words.len()]);
        i += 7;
    }
    let body = format!("id,text\n1,short one\n2,{text}\n3,another short one\n");
    let body = body.as_bytes();
    let input = write(dir.path(), "big.csv", body);
    let out = dir.path().join("out.csv");
    fails(
        &mut score(&model, &input, &out),
        1,
        "big.csv:3: text is 10000",
    );
    nothing_left(&out);
    score(&model, &input, &out)
        .args(["--max-text-bytes", "0"])
        .assert()
        .success();
    let scored = std::fs::read_to_string(&out).unwrap();
    let mut rows = csv::Reader::from_reader(scored.as_bytes());
    assert_eq!(rows.records().count(), 3, "every row is scored");
}

#[test]
fn unknown_label_at_eval_lists_the_known_ones() {
    let dir = tempfile::tempdir().unwrap();
    let model = tiny_model(dir.path());
    let data = write(
        dir.path(),
        "gold.csv",
        b"text,stance,tone\nhello,favor,analytic\nhello,maybe,analytic\n",
    );
    fails(
        stance()
            .args(["eval", "--model"])
            .arg(&model)
            .arg("--data")
            .arg(&data),
        1,
        "gold.csv:3: label 'maybe' in column 'stance' is not one of: against, favor, none",
    );
}

#[test]
fn single_class_training_set_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "d.csv", b"text,stance\na,favor\nb,favor\n");
    let out = dir.path().join("m.stance");
    fails(
        &mut train(&data, &out),
        1,
        "column 'stance': only one class ('favor')",
    );
    nothing_left(&out);
}

#[test]
fn class_with_one_example_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(
        dir.path(),
        "d.csv",
        b"text,stance\na,favor\nb,favor\nc,against\n",
    );
    let out = dir.path().join("m.stance");
    fails(
        &mut train(&data, &out),
        1,
        "column 'stance': class 'against' has only 1 example; every class needs at least 2",
    );
    nothing_left(&out);
}

/// tiny.csv with a `target` column alternating A and B.
fn targeted_data(dir: &Path) -> PathBuf {
    let mut rdr = csv::Reader::from_path(fixture("tiny.csv")).unwrap();
    let mut w = csv::Writer::from_path(dir.join("targeted.csv")).unwrap();
    let mut header: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    header.push("target".into());
    w.write_record(&header).unwrap();
    for (i, r) in rdr.records().enumerate() {
        let mut row: Vec<String> = r.unwrap().iter().map(String::from).collect();
        row.push(if i % 2 == 0 { "A" } else { "B" }.into());
        w.write_record(&row).unwrap();
    }
    w.flush().unwrap();
    dir.join("targeted.csv")
}

#[test]
fn unseen_target_is_refused_by_a_per_target_model() {
    let dir = tempfile::tempdir().unwrap();
    let data = targeted_data(dir.path());
    let model = dir.path().join("pt.stance");
    train(&data, &model)
        .args(["--target-column", "target", "--target-mode", "per-target"])
        .assert()
        .success();
    let input = write(
        dir.path(),
        "in.csv",
        b"text,target\nthe exit was right,A\nthe exit was right,C\n",
    );
    let out = dir.path().join("out.csv");
    fails(
        &mut score(&model, &input, &out),
        1,
        "in.csv:3: target 'C' was not seen in training (known: A, B)",
    );
    nothing_left(&out);
    // A crossed model scores it with the shared weights.
    let crossed = dir.path().join("crossed.stance");
    train(&data, &crossed)
        .args(["--target-column", "target", "--target-mode", "crossed"])
        .assert()
        .success();
    score(&crossed, &input, &out).assert().success();
}

#[test]
fn truncated_model_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let model = tiny_model(dir.path());
    let bytes = std::fs::read(&model).unwrap();
    let out = dir.path().join("out.csv");
    for cut in [4, 30, bytes.len() / 2, bytes.len() - 1] {
        let cut_model = write(dir.path(), "cut.stance", &bytes[..cut]);
        fails(
            &mut score(&cut_model, &fixture("tiny.csv"), &out),
            1,
            "cut.stance: model file is truncated",
        );
        nothing_left(&out);
    }
}

#[test]
fn model_from_a_newer_format_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let model = tiny_model(dir.path());
    let mut bytes = std::fs::read(&model).unwrap();
    let newer = stance::model::FORMAT_VERSION + 1;
    bytes[8..12].copy_from_slice(&newer.to_le_bytes());
    let newer_model = write(dir.path(), "newer.stance", &bytes);
    let out = dir.path().join("out.csv");
    fails(
        &mut score(&newer_model, &fixture("tiny.csv"), &out),
        1,
        &format!("newer.stance: model format version {newer} is not supported by this build"),
    );
    nothing_left(&out);
}

#[test]
fn file_that_is_not_a_model_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.csv");
    fails(
        &mut score(&fixture("tiny.csv"), &fixture("tiny.csv"), &out),
        1,
        "tiny.csv: not a stance model file",
    );
    nothing_left(&out);
    let empty = write(dir.path(), "empty.stance", b"");
    fails(
        stance().args(["inspect", "--model"]).arg(&empty),
        1,
        "empty.stance: model file is truncated",
    );
}

#[test]
fn output_in_a_missing_directory_is_refused_before_work() {
    let dir = tempfile::tempdir().unwrap();
    let model_out = dir.path().join("nope/m.stance");
    fails(
        stance()
            .args(["train", "--label", "stance", "--data"])
            .arg(fixture("tiny.csv"))
            .arg("--out")
            .arg(&model_out),
        1,
        "nope' does not exist",
    );
    let model = tiny_model(dir.path());
    fails(
        &mut score(
            &model,
            &fixture("tiny.csv"),
            &dir.path().join("nope/out.csv"),
        ),
        1,
        "nope' does not exist",
    );
    assert!(!dir.path().join("nope").exists());
}

#[test]
fn read_only_output_file_is_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let model = tiny_model(dir.path());
    let out = write(dir.path(), "out.csv", b"precious\n");
    let mut perms = std::fs::metadata(&out).unwrap().permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&out, perms).unwrap();
    fails(
        &mut score(&model, &fixture("tiny.csv"), &out),
        1,
        "out.csv: the file is read-only",
    );
    assert_eq!(std::fs::read(&out).unwrap(), b"precious\n");
    let model_out = write(dir.path(), "kept.stance", b"old model");
    let mut perms = std::fs::metadata(&model_out).unwrap().permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&model_out, perms).unwrap();
    fails(
        &mut train(&fixture("tiny.csv"), &model_out),
        1,
        "kept.stance: the file is read-only",
    );
    assert_eq!(std::fs::read(&model_out).unwrap(), b"old model");
}

#[cfg(unix)]
#[test]
fn read_only_output_directory_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let model = tiny_model(dir.path());
    let ro = dir.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    if std::fs::write(ro.join("probe"), b"").is_ok() {
        // Root (as in some containers) may write anywhere: nothing to test here.
        eprintln!("skipped: this user can write into a read-only directory");
        return;
    }
    let out = ro.join("out.csv");
    fails(
        &mut score(&model, &fixture("tiny.csv"), &out),
        1,
        "out.csv: Permission denied",
    );
    assert_eq!(std::fs::read_dir(&ro).unwrap().count(), 0);
}

#[test]
fn closed_stdout_ends_quietly_with_exit_0() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let model = tiny_model(dir.path());
    // Far more output than a pipe holds, so the reader closes it mid-stream.
    let tiny = std::fs::read_to_string(fixture("tiny.csv")).unwrap();
    let rows: Vec<&str> = tiny.lines().skip(1).collect();
    let mut body = String::from("id,text,stance,tone\n");
    for i in 0..20_000 {
        body.push_str(rows[i % rows.len()]);
        body.push('\n');
    }
    let input = write(dir.path(), "big.csv", body.as_bytes());
    // Like `stance score big.csv | head -1`.
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("stance"))
        .args(["score", "--model"])
        .arg(&model)
        .arg(&input)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("id,text,stance,tone"), "{first}");
    // The pipe is closed here, when the reader is dropped.
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "", "no message");
}

#[test]
fn closed_stdout_does_not_panic_inspect_eval_or_cv() {
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let model = tiny_model(dir.path());
    let tiny = fixture("tiny.csv");
    let model_arg = model.to_str().unwrap();
    let data_arg = tiny.to_str().unwrap();
    for args in [
        vec!["inspect", "--model", model_arg],
        vec!["eval", "--model", model_arg, "--data", data_arg],
        vec![
            "cv", "--folds", "2", "--label", "stance", "--data", data_arg,
        ],
    ] {
        // Like `stance inspect | true`: stdout is closed before anything is written.
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("stance"))
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{args:?}");
    }
}

#[test]
fn a_failed_score_leaves_no_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let model = tiny_model(dir.path());
    let data = write(dir.path(), "in.csv", b"text\nfine\n\n\"\"\n");
    let out = dir.path().join("out.csv");
    score(&model, &data, &out).assert().code(1);
    nothing_left(&out);
}

#[test]
fn skip_mode_skips_bad_rows_and_reports_the_count_and_first_location() {
    let dir = tempfile::tempdir().unwrap();
    let model = tiny_model(dir.path());
    let data = write(
        dir.path(),
        "in.csv",
        b"text\nfine\n\"\"\nalso fine\nragged,row\nstill fine\n",
    );
    let out = stance()
        .args(["score", "--on-error", "skip", "--model"])
        .arg(&model)
        .arg(&data)
        .assert()
        .success()
        .stderr(predicate::str::contains("skipped 2 bad rows (the first: "))
        .stderr(predicate::str::contains(
            "in.csv:3: empty text in column 'text'); scored 3",
        ))
        .get_output()
        .stdout
        .clone();
    assert_eq!(
        String::from_utf8(out).unwrap().lines().count(),
        4,
        "header and three rows"
    );
}

#[test]
fn row_errors_name_the_input_they_come_from() {
    let dir = tempfile::tempdir().unwrap();
    let model = tiny_model(dir.path());
    let a = write(dir.path(), "a.csv", b"text\nfine\nalso fine\n");
    let b = write(dir.path(), "b.csv", b"text\nfine\n\"\"\n");
    fails(
        stance()
            .args(["score", "--batch-size", "64", "--model"])
            .arg(&model)
            .arg(&a)
            .arg(&b)
            .arg("-o")
            .arg(dir.path().join("out.csv")),
        1,
        "b.csv:3: empty text in column 'text'",
    );
    nothing_left(&dir.path().join("out.csv"));
}

#[test]
fn jsonl_row_without_the_text_field_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let model = tiny_model(dir.path());
    let input = write(
        dir.path(),
        "in.jsonl",
        b"{\"text\":\"fine\"}\n{\"id\":2}\n{\"text\":null}\n",
    );
    let out = dir.path().join("out.jsonl");
    fails(
        &mut score(&model, &input, &out),
        1,
        "in.jsonl:2: no value in column 'text'",
    );
    nothing_left(&out);
}

#[test]
fn a_column_given_twice_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.stance");
    fails(
        train(&fixture("tiny.csv"), &out).args(["--label", "stance"]),
        1,
        "--label stance is given twice",
    );
    fails(
        train(&fixture("tiny.csv"), &out).args(["--text-column", "stance"]),
        1,
        "column 'stance' cannot be both a label and the text or target",
    );
    nothing_left(&out);
}

#[test]
fn usage_errors_exit_2() {
    stance().args(["train", "--data", "x.csv"]).assert().code(2);
    stance()
        .args(["score", "--on-error", "maybe"])
        .assert()
        .code(2);
}
