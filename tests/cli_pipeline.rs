//! Train → score → eval → cv through the real binary, on a small fixture.

mod common;
use common::*;
use predicates::prelude::*;

#[test]
fn train_writes_a_model_that_inspect_describes() {
    let dir = tempfile::tempdir().unwrap();
    let model = tiny_model(dir.path());
    let json: serde_json::Value = serde_json::from_str(&stdout_of(
        stance().args(["inspect", "--model"]).arg(&model),
    ))
    .unwrap();
    assert_eq!(json["heads"][0]["name"], "stance");
    assert_eq!(
        json["heads"][0]["labels"],
        serde_json::json!(["against", "favor", "none"])
    );
    assert_eq!(
        json["heads"][1]["labels"],
        serde_json::json!(["analytic", "editorial"])
    );
}

#[test]
fn score_csv_keeps_input_columns_and_adds_each_head() {
    let dir = tempfile::tempdir().unwrap();
    let model = tiny_model(dir.path());
    let out = stdout_of(
        stance()
            .args(["score", "--model"])
            .arg(&model)
            .arg(fixture("tiny.csv")),
    );
    let mut rdr = csv::Reader::from_reader(out.as_bytes());
    let header: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    // `stance` and `tone` are already input columns, so predictions go beside them.
    assert_eq!(
        header,
        [
            "id",
            "text",
            "stance",
            "tone",
            "stance_predicted",
            "stance_confidence",
            "tone_predicted",
            "tone_confidence"
        ]
    );
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 30, "one output row per input row");
    assert_eq!(&rows[0][0], "1", "input order is kept");
    assert_eq!(&rows[29][0], "30");
    let correct = rows.iter().filter(|r| r[2] == r[4]).count();
    assert!(
        correct >= 27,
        "a model should fit its own training set: {correct}/30"
    );
}

#[test]
fn score_plain_text_from_stdin_to_jsonl() {
    let dir = tempfile::tempdir().unwrap();
    let model = tiny_model(dir.path());
    let input = "The withdrawal was a disaster that emboldened terrorists.\n\nLeaving was the right decision\nand saved lives.\n";
    let out = stdout_of(
        stance()
            .args(["score", "--format", "jsonl", "--model"])
            .arg(&model)
            .write_stdin(input),
    );
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["id"], "1");
    assert_eq!(
        lines[1]["text"],
        "Leaving was the right decision and saved lives."
    );
    for l in &lines {
        let c = l["stance_confidence"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&c));
        assert!(l["tone"].is_string());
    }
    assert_eq!(lines[0]["stance"], "against");
    assert_eq!(lines[1]["stance"], "favor");
}

#[test]
fn score_writes_output_file_atomically_and_jsonl_input_keeps_fields() {
    let dir = tempfile::tempdir().unwrap();
    let model = tiny_model(dir.path());
    let input = dir.path().join("in.jsonl");
    std::fs::write(
        &input,
        "{\"doc\": 7, \"text\": \"Ending the war saved lives.\"}\n",
    )
    .unwrap();
    let out = dir.path().join("out.jsonl");
    stance()
        .args(["score", "--model"])
        .arg(&model)
        .arg(&input)
        .arg("--output")
        .arg(&out)
        .assert()
        .success()
        .stdout("");
    let line: serde_json::Value =
        serde_json::from_str(std::fs::read_to_string(&out).unwrap().trim()).unwrap();
    assert_eq!(line["doc"], 7);
    assert!(line["stance"].is_string() && line["tone_confidence"].is_number());
}

#[test]
fn eval_json_has_the_contract_shape() {
    let dir = tempfile::tempdir().unwrap();
    let model = tiny_model(dir.path());
    let json: serde_json::Value = serde_json::from_str(&stdout_of(
        stance()
            .args(["eval", "--json", "--model"])
            .arg(&model)
            .arg("--data")
            .arg(fixture("tiny.csv")),
    ))
    .unwrap();
    let s = &json["heads"]["stance"];
    assert_eq!(s["n"], 30);
    for key in ["accuracy", "macro_f1", "f_avg"] {
        let v = s[key].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&v), "{key} = {v}");
    }
    assert!(
        json["heads"]["tone"]["f_avg"].is_null(),
        "tone has no favor/against"
    );
    assert!(s["per_class"]["favor"]["precision"].is_number());
    assert!(s["per_class"]["none"]["support"] == 10);
    let total: u64 = ["against", "favor", "none"]
        .iter()
        .flat_map(|g| ["against", "favor", "none"].map(|p| s["confusion"][g][p].as_u64().unwrap()))
        .sum();
    assert_eq!(total, 30);
}

#[test]
fn cv_reports_means_and_spreads() {
    let json: serde_json::Value = serde_json::from_str(&stdout_of(
        stance()
            .args([
                "cv", "--json", "--folds", "3", "--label", "stance", "--label", "tone", "--data",
            ])
            .arg(fixture("tiny.csv")),
    ))
    .unwrap();
    assert_eq!(json["folds"], 3);
    for head in ["stance", "tone"] {
        let h = &json["heads"][head];
        assert_eq!(h["n"], 30);
        assert!(
            h["accuracy"].is_number()
                && h["accuracy_std"].is_number()
                && h["macro_f1_std"].is_number()
        );
    }
}

#[test]
fn same_data_and_seed_give_identical_model_bytes_at_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for threads in ["1", "2", "2"] {
        let out = dir.path().join(format!("m{}.stance", files.len()));
        stance()
            .args([
                "train",
                "--threads",
                threads,
                "--label",
                "stance",
                "--label",
                "tone",
                "--data",
            ])
            .arg(fixture("tiny.csv"))
            .arg("--out")
            .arg(&out)
            .assert()
            .success();
        files.push(std::fs::read(&out).unwrap());
    }
    assert_eq!(files[0], files[1]);
    assert_eq!(files[1], files[2]);
}

#[test]
fn scoring_gives_the_same_output_single_and_multi_threaded() {
    let dir = tempfile::tempdir().unwrap();
    let model = tiny_model(dir.path());
    let run = |threads: &str| {
        stdout_of(
            stance()
                .args([
                    "score",
                    "--batch-size",
                    "7",
                    "--threads",
                    threads,
                    "--model",
                ])
                .arg(&model)
                .arg(fixture("tiny.csv")),
        )
    };
    assert_eq!(run("1"), run("2"));
}

#[test]
fn default_model_scores_from_any_folder() {
    let dir = tempfile::tempdir().unwrap();
    stance()
        .current_dir(dir.path())
        .args(["score", "--format", "jsonl"])
        .write_stdin("The pull-out was a catastrophe.\n")
        .assert()
        .success()
        .stdout(predicate::str::contains("\"stance\""));
}

#[test]
fn scoring_thousands_of_rows_gives_identical_bytes_at_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let model = tiny_model(dir.path());
    // 4000 distinct paragraphs: fixture sentences spliced together.
    let tiny = std::fs::read_to_string(fixture("tiny.csv")).unwrap();
    let texts: Vec<String> = csv::Reader::from_reader(tiny.as_bytes())
        .records()
        .map(|r| r.unwrap()[1].to_string())
        .collect();
    let input = dir.path().join("many.csv");
    let mut w = csv::Writer::from_path(&input).unwrap();
    w.write_record(["id", "text"]).unwrap();
    for i in 0..4000usize {
        let text = format!(
            "{} {}",
            texts[i % texts.len()],
            texts[(i * 7 + i / texts.len()) % texts.len()]
        );
        w.write_record([i.to_string(), text]).unwrap();
    }
    w.flush().unwrap();
    for format in ["csv", "jsonl"] {
        let run = |threads: &str, batch: &str| {
            let out = dir.path().join(format!("out-{threads}-{batch}.{format}"));
            stance()
                .args(["score", "--threads", threads, "--batch-size", batch])
                .args(["--format", format, "--model"])
                .arg(&model)
                .arg(&input)
                .arg("-o")
                .arg(&out)
                .assert()
                .success();
            std::fs::read(&out).unwrap()
        };
        let reference = run("1", "2048");
        assert_eq!(reference, run("2", "2048"), "{format}: 1 vs 2 threads");
        assert_eq!(reference, run("2", "37"), "{format}: small batches");
        let rows = reference.iter().filter(|&&b| b == b'\n').count();
        assert_eq!(rows, if format == "csv" { 4001 } else { 4000 });
    }
}

#[test]
fn tune_tries_every_grid_setting_and_writes_the_best_model() {
    let dir = tempfile::tempdir().unwrap();
    let grid = dir.path().join("grid.txt");
    std::fs::write(&grid, "c = 0.5, 2\nnb = 0, 0.1\n").unwrap();
    let out = dir.path().join("best.stance");
    let json: serde_json::Value = serde_json::from_str(&stdout_of(
        stance()
            .args([
                "tune", "--json", "--folds", "3", "--label", "stance", "--data",
            ])
            .arg(fixture("tiny.csv"))
            .arg("--grid")
            .arg(&grid)
            .arg("--out")
            .arg(&out),
    ))
    .unwrap();
    let settings = json["settings"].as_array().unwrap();
    assert_eq!(settings.len(), 4);
    assert_eq!(settings.iter().filter(|s| s["best"] == true).count(), 1);
    assert!(settings[0]["cv"]["heads"]["stance"]["macro_f1"].is_number());
    assert!(out.exists());
}

/// Trains on the project's corpus with or without `--calibrate temperature`, scores the
/// held-out split, and returns (labels, ECE per head) from `eval --report`.
fn held_out_calibration(dir: &std::path::Path, calibrate: &str) -> (String, Vec<f64>) {
    let model = dir.join(format!("{calibrate}.stance"));
    stance()
        .args(["train", "-q", "--data"])
        .arg(repo("data/train.csv"))
        .args([
            "--label",
            "stance",
            "--label",
            "tone",
            "--calibrate",
            calibrate,
        ])
        .args(["--char-ngrams", "0", "--out"])
        .arg(&model)
        .assert()
        .success();
    let scored = stdout_of(
        stance()
            .args(["score", "-q", "--format", "jsonl", "--model"])
            .arg(&model)
            .arg(repo("data/test.csv")),
    );
    let labels = scored
        .lines()
        .map(|l| {
            let row: serde_json::Value = serde_json::from_str(l).unwrap();
            format!("{} {}\n", row["stance"], row["tone"])
        })
        .collect();
    let report = dir.join(format!("report-{calibrate}"));
    stance()
        .args(["eval", "-q", "--model"])
        .arg(&model)
        .arg("--data")
        .arg(repo("data/test.csv"))
        .arg("--report")
        .arg(&report)
        .assert()
        .success();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report.join("report.json")).unwrap())
            .unwrap();
    let ece = ["stance", "tone"]
        .iter()
        .map(|h| json["heads"][h]["calibration"]["ece"].as_f64().unwrap())
        .collect();
    (labels, ece)
}

#[test]
fn temperature_calibration_keeps_labels_and_lowers_held_out_calibration_error() {
    let dir = tempfile::tempdir().unwrap();
    let (raw_labels, raw_ece) = held_out_calibration(dir.path(), "none");
    let (cal_labels, cal_ece) = held_out_calibration(dir.path(), "temperature");
    assert_eq!(
        raw_labels, cal_labels,
        "a positive scale cannot change a label"
    );
    for (raw, cal) in raw_ece.iter().zip(&cal_ece) {
        assert!(cal < &(raw / 2.0), "ECE {raw} -> {cal}");
        assert!(*cal < 0.08, "calibrated ECE {cal}");
    }
}
