//! The shipped corpus and default model: the data parses and keeps its promises, and the
//! default model labels clear paragraphs as a reader would.

mod common;
use common::*;
use std::collections::{HashMap, HashSet};

fn rows() -> Vec<HashMap<String, String>> {
    let mut out = Vec::new();
    for file in ["data/train.csv", "data/test.csv"] {
        let mut rdr = csv::Reader::from_path(repo(file)).expect("corpus file opens");
        let headers = rdr.headers().unwrap().clone();
        assert_eq!(
            headers.iter().collect::<Vec<_>>(),
            ["id", "text", "stance", "tone", "genre", "topic"],
            "{file}"
        );
        for rec in rdr.records() {
            let rec = rec.unwrap_or_else(|e| panic!("{file}: {e}"));
            out.push(
                headers
                    .iter()
                    .zip(rec.iter())
                    .map(|(h, v)| (h.to_string(), v.to_string()))
                    .collect(),
            );
        }
    }
    out
}

#[test]
fn corpus_labels_come_from_the_allowed_sets() {
    let genres = [
        "wire",
        "news",
        "analysis",
        "thinktank",
        "editorial",
        "oped",
        "speech",
        "testimony",
        "letter",
        "social",
        "blog",
    ];
    for r in rows() {
        assert!(
            ["against", "favor", "none"].contains(&r["stance"].as_str()),
            "{}: stance {}",
            r["id"],
            r["stance"]
        );
        assert!(
            ["analytic", "editorial"].contains(&r["tone"].as_str()),
            "{}: tone {}",
            r["id"],
            r["tone"]
        );
        assert!(
            genres.contains(&r["genre"].as_str()),
            "{}: genre {}",
            r["id"],
            r["genre"]
        );
        assert!(
            !r["text"].trim().is_empty() && !r["text"].contains('\n'),
            "{}",
            r["id"]
        );
    }
}

#[test]
fn corpus_ids_are_unique_and_no_paragraph_repeats() {
    let rows = rows();
    let ids: HashSet<&str> = rows.iter().map(|r| r["id"].as_str()).collect();
    assert_eq!(ids.len(), rows.len(), "duplicate ids");
    let norm = |t: &str| {
        t.to_lowercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let texts: HashSet<String> = rows.iter().map(|r| norm(&r["text"])).collect();
    assert_eq!(texts.len(), rows.len(), "a paragraph repeats");
}

#[test]
fn corpus_has_2000_paragraphs_and_250_in_every_cell() {
    let rows = rows();
    assert!(rows.len() >= 2000, "{} paragraphs", rows.len());
    let mut cells: HashMap<(String, String), usize> = HashMap::new();
    for r in &rows {
        *cells
            .entry((r["stance"].clone(), r["tone"].clone()))
            .or_default() += 1;
    }
    for s in ["against", "favor", "none"] {
        for t in ["analytic", "editorial"] {
            let n = cells
                .get(&(s.to_string(), t.to_string()))
                .copied()
                .unwrap_or(0);
            assert!(n >= 250, "cell {s}/{t} has {n}");
        }
    }
}

#[test]
fn held_out_split_shares_no_paragraph_with_training() {
    let train: HashSet<String> = csv::Reader::from_path(repo("data/train.csv"))
        .unwrap()
        .records()
        .map(|r| r.unwrap()[1].to_string())
        .collect();
    let mut rdr = csv::Reader::from_path(repo("data/test.csv")).unwrap();
    for r in rdr.records() {
        assert!(!train.contains(&r.unwrap()[1]));
    }
}

#[test]
fn default_model_labels_clear_paragraphs_as_a_reader_would() {
    // Written for this test; clear cases on each side of each head.
    let cases = [
        ("Pulling out of Afghanistan was a catastrophic blunder that handed terrorists a safe haven.", "against", "editorial"),
        ("Ending America's longest war was the right call, and staying would only have cost more lives.", "favor", "editorial"),
        ("The ministry said wheat prices in Kabul rose 12 percent in March, according to a UN survey.", "none", "analytic"),
    ];
    let input: String = cases.iter().map(|c| format!("{}\n\n", c.0)).collect();
    let out = stdout_of(
        stance()
            .args(["score", "--format", "jsonl"])
            .write_stdin(input),
    );
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), cases.len());
    for (line, (text, stance, tone)) in lines.iter().zip(cases) {
        assert_eq!(line["stance"], stance, "{text}");
        assert_eq!(line["tone"], tone, "{text}");
    }
}
