//! Reports, explanations and abstention through the real binary: `eval --report`, the
//! two-model comparison, `cv --report`, `explain` and `score --abstain-below`, plus a
//! render of a report in headless Chromium when one is installed.

mod common;
use common::*;
use std::path::{Path, PathBuf};

/// The tiny fixture with a `genre` column for `--group-by`.
fn grouped_fixture(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(fixture("tiny.csv")).unwrap();
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        let extra = match i {
            0 => "genre".to_string(),
            _ if i % 3 == 0 => "news".to_string(),
            _ => "blog".to_string(),
        };
        out += &format!("{line},{extra}\n");
    }
    let p = dir.join("grouped.csv");
    std::fs::write(&p, out).unwrap();
    p
}

fn eval_report(dir: &Path) -> PathBuf {
    let model = tiny_model(dir);
    let data = grouped_fixture(dir);
    let out = dir.join("report");
    stance()
        .args(["eval", "--quiet", "--model"])
        .arg(&model)
        .arg("--data")
        .arg(&data)
        .args(["--group-by", "genre", "--errors", "5", "--report"])
        .arg(&out)
        .assert()
        .success();
    out
}

#[test]
fn eval_report_writes_html_markdown_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let out = eval_report(dir.path());
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    for head in ["stance", "tone"] {
        let h = &json["heads"][head];
        for key in [
            "n",
            "accuracy",
            "macro_f1",
            "f_avg",
            "per_class",
            "confusion",
        ] {
            assert!(h.get(key).is_some(), "{head}: eval --json key {key} kept");
        }
        let acc = &h["intervals"]["accuracy"];
        assert!(acc["lo"].as_f64().unwrap() <= acc["value"].as_f64().unwrap());
        assert!(h["calibration"]["ece"].is_number());
        assert_eq!(h["group_by"]["column"], "genre");
        assert!(html.contains(&format!(r#"data-head="{head}""#)));
        assert!(md.contains(&format!("head `{head}`")));
    }
    assert_eq!(json["bootstrap"]["resamples"], 1000);
}

#[test]
fn html_report_is_self_contained() {
    let dir = tempfile::tempdir().unwrap();
    let html = std::fs::read_to_string(eval_report(dir.path()).join("report.html")).unwrap();
    assert!(!html.contains("<script"), "readable without JavaScript");
    assert!(!html.contains("src=\"http") && !html.contains("href=\"http"));
    assert!(!html.contains("<img"), "charts are inline SVG");
    assert!(html.matches("<svg").count() >= 6);
}

#[test]
fn report_is_identical_across_runs() {
    let dir = tempfile::tempdir().unwrap();
    let a = std::fs::read(eval_report(dir.path()).join("report.json")).unwrap();
    let dir2 = tempfile::tempdir().unwrap();
    let b = std::fs::read(eval_report(dir2.path()).join("report.json")).unwrap();
    let strip = |v: &[u8]| {
        let mut j: serde_json::Value = serde_json::from_slice(v).unwrap();
        j["meta"] = serde_json::Value::Null; // holds temporary paths
        j
    };
    assert_eq!(strip(&a), strip(&b));
}

#[test]
fn eval_compares_two_models_with_a_paired_bootstrap() {
    let dir = tempfile::tempdir().unwrap();
    let a = tiny_model(dir.path());
    let b = dir.path().join("b.stance");
    stance()
        .args(["train", "--quiet", "--data"])
        .arg(fixture("tiny.csv"))
        .args([
            "--label", "stance", "--label", "tone", "--c", "0.01", "--out",
        ])
        .arg(&b)
        .assert()
        .success();
    let out = dir.path().join("cmp");
    let text = stdout_of(
        stance()
            .args(["eval", "--quiet", "--model"])
            .arg(&a)
            .arg("--model")
            .arg(&b)
            .arg("--data")
            .arg(fixture("tiny.csv"))
            .arg("--report")
            .arg(&out),
    );
    assert!(text.contains("paired bootstrap, head stance"));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let c = &json["comparison"][0];
    assert_eq!(c["head"], "stance");
    let p = c["metrics"]["accuracy"]["p_value"].as_f64().unwrap();
    assert!(p > 0.0 && p <= 1.0);
    assert_eq!(json["models"].as_array().unwrap().len(), 2);
}

#[test]
fn cv_report_pools_folds_and_shows_their_spread() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cv");
    stance()
        .args(["cv", "--quiet", "--data"])
        .arg(fixture("tiny.csv"))
        .args(["--label", "stance", "--folds", "3", "--report"])
        .arg(&out)
        .assert()
        .success();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(
        json["heads"]["stance"]["n"], 30,
        "every row once, out of fold"
    );
    assert_eq!(json["folds"]["stance"].as_array().unwrap().len(), 3);
}

#[test]
fn explain_rows_add_up_to_the_score() {
    let dir = tempfile::tempdir().unwrap();
    let model = tiny_model(dir.path());
    let out = stdout_of(
        stance()
            .args(["explain", "--format", "csv", "--top", "3", "--model"])
            .arg(&model)
            .arg(fixture("tiny.csv")),
    );
    let mut rdr = csv::Reader::from_reader(out.as_bytes());
    let mut sums: std::collections::BTreeMap<(String, String), (f64, f64)> = Default::default();
    for r in rdr.records() {
        let r = r.unwrap();
        let e = sums
            .entry((r[1].to_string(), r[2].to_string()))
            .or_insert((0.0, r[5].parse().unwrap()));
        e.0 += r[12].parse::<f64>().unwrap();
        if !r[13].is_empty() {
            for span in r[13].split(';') {
                let (a, b) = span.split_once('-').unwrap();
                assert!(a.parse::<usize>().unwrap() < b.parse::<usize>().unwrap());
            }
        }
    }
    assert_eq!(sums.len(), 60, "30 paragraphs × 2 heads");
    for ((line, head), (sum, score)) in sums {
        // Each printed value is rounded to 6 decimals.
        assert!(
            (sum - score).abs() < 1e-4,
            "line {line} head {head}: {sum} vs {score}"
        );
    }
}

#[test]
fn explain_jsonl_lists_features_for_and_against() {
    let dir = tempfile::tempdir().unwrap();
    let model = tiny_model(dir.path());
    let out = stdout_of(
        stance()
            .args(["explain", "--format", "jsonl", "--model"])
            .arg(&model)
            .arg(repo("data/sample.txt")),
    );
    let first: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    let h = &first["heads"][0];
    assert_eq!(h["head"], "stance");
    assert!(!h["for"].as_array().unwrap().is_empty());
    assert!(h["for"][0]["contribution"].as_f64().unwrap() > 0.0);
}

#[test]
fn score_abstains_below_the_threshold() {
    let dir = tempfile::tempdir().unwrap();
    let model = tiny_model(dir.path());
    let out = stdout_of(
        stance()
            .args(["score", "--abstain-below", "1", "--model"])
            .arg(&model)
            .arg(repo("data/sample.txt")),
    );
    let mut rdr = csv::Reader::from_reader(out.as_bytes());
    for r in rdr.records() {
        let r = r.unwrap();
        assert_eq!(&r[2], "uncertain", "every confidence is below 1");
    }
    stance()
        .args(["score", "--abstain-below", "2"])
        .arg(repo("data/sample.txt"))
        .assert()
        .code(2);
}

/// A browser for the rendering test, or why there is none.
fn chromium() -> Result<PathBuf, String> {
    for p in ["/usr/bin/chromium", "/usr/bin/chromium-browser"] {
        if Path::new(p).exists() {
            return Ok(PathBuf::from(p));
        }
    }
    Err("no chromium at /usr/bin/chromium (.ci/run installs Debian's package)".into())
}

#[test]
fn report_renders_in_headless_chromium_with_every_heads_tables_and_charts() {
    let browser = match chromium() {
        Ok(b) => b,
        Err(why) => {
            eprintln!("skipped: {why}");
            return;
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let out = eval_report(dir.path());
    let url = format!("file://{}", out.join("report.html").display());
    let profile = tempfile::tempdir().unwrap();
    let run = |extra: &[&str]| {
        std::process::Command::new(&browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .args(extra)
            .arg(&url)
            .output()
    };
    let dom = match run(&["--dump-dom"]) {
        Ok(o) if o.status.success() && !o.stdout.is_empty() => {
            String::from_utf8_lossy(&o.stdout).into_owned()
        }
        Ok(o) => {
            eprintln!(
                "skipped: chromium could not start here ({}): {}",
                o.status,
                String::from_utf8_lossy(&o.stderr)
                    .lines()
                    .last()
                    .unwrap_or("")
            );
            return;
        }
        Err(e) => {
            eprintln!("skipped: chromium could not be run: {e}");
            return;
        }
    };
    for head in ["stance", "tone"] {
        let start = dom
            .find(&format!(
                r#"<section class="head" id="m0-{head}" data-head="{head}""#
            ))
            .unwrap_or_else(|| panic!("section of head {head} in the rendered DOM"));
        let end = dom[start..].find("</section>").unwrap() + start;
        let section = &dom[start..end];
        for part in [
            r#"<table class="metrics""#,
            r#"<table class="per-class""#,
            r#"<table class="groups""#,
            r#"class="chart confusion""#,
            r#"class="chart reliability""#,
            r#"class="chart histogram""#,
            r#"class="chart forest""#,
            r#"<div class="errors""#,
        ] {
            assert!(section.contains(part), "head {head}: {part} missing");
        }
    }
    let png = dir.path().join("report.png");
    let shot = run(&[
        &format!("--screenshot={}", png.display()),
        "--window-size=1200,2000",
    ])
    .unwrap();
    assert!(shot.status.success());
    let bytes = std::fs::read(&png).unwrap();
    assert!(bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000);
}

#[test]
fn explanations_of_the_default_model_add_up_to_its_scores() {
    // JSON carries every f32 exactly, so this checks the promise end to end on a real model.
    let out = stdout_of(
        stance()
            .args(["explain", "--format", "jsonl"])
            .arg(repo("data/test.csv")),
    );
    let mut n = 0;
    for line in out.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        for h in v["heads"].as_array().unwrap() {
            let listed: f64 = ["for", "against"]
                .iter()
                .flat_map(|k| h[*k].as_array().unwrap())
                .map(|f| f["contribution"].as_f64().unwrap())
                .sum();
            let total = listed + h["rest"].as_f64().unwrap() + h["bias"].as_f64().unwrap();
            let score = h["score"].as_f64().unwrap();
            assert!(
                (total - score).abs() < 1e-5,
                "line {}: {total} vs {score}",
                v["line"]
            );
            n += 1;
        }
    }
    assert_eq!(n, 2 * (out.lines().count()));
}
