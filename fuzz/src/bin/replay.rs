//! Runs saved inputs through a target without AFL, e.g. to reproduce a crash or to see
//! how deep a corpus reaches: `replay model out/model/default/queue`.

use std::collections::BTreeMap;
use std::path::PathBuf;

fn main() {
    let mut args = std::env::args().skip(1);
    let target = args
        .next()
        .expect("usage: replay tokenize|records|model PATH...");
    let mut files: Vec<PathBuf> = Vec::new();
    for arg in args {
        let p = PathBuf::from(arg);
        if p.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(&p)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.is_file())
                .collect();
            entries.sort();
            files.extend(entries);
        } else {
            files.push(p);
        }
    }
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    for f in &files {
        let data = std::fs::read(f).unwrap();
        let outcome = match target.as_str() {
            "tokenize" => {
                stance_fuzz::tokenize(&data);
                "ok".to_string()
            }
            "records" => {
                let (ok, bad) = stance_fuzz::records(&data);
                match (ok > 0, bad > 0) {
                    (true, true) => "records and errors",
                    (true, false) => "records only",
                    (false, true) => "errors only",
                    (false, false) => "nothing",
                }
                .to_string()
            }
            "model" => {
                let [raw, fixed] = stance_fuzz::model(&data);
                format!("as is: {raw:?}; checksum repaired: {fixed:?}")
            }
            t => panic!("unknown target {t}"),
        };
        *outcomes.entry(outcome).or_default() += 1;
    }
    println!("{} inputs, no panic", files.len());
    for (outcome, n) in outcomes {
        println!("{n:>6}  {outcome}");
    }
}
