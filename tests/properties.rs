//! Property tests: invariants that must hold for any input, not just the examples.

mod common;
use common::*;
use proptest::prelude::*;
use stance::features::{Analysis, FeatureSpec};
use stance::model::{train, Recipe, TrainingSet};
use stance::tokenize::Tokenizer;
use stance::Model;

/// Text with the characters that make tokenizing hard: multi-byte letters, combining
/// marks, emoji, curly quotes, digits, URLs and sigils, odd whitespace.
fn messy_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-zA-Z0-9 ,.!?'’“”#@:/_\\-\u{301}\u{e9}\u{444}\u{1F44D}\u{1F3FD}\t\n]{0,80}",
        "(https?://[a-z.]{1,10}/[a-z]{0,5}|@[a-z_]{1,6}|#[a-z]{1,6}|[0-9,.$]{1,6}|\\w{1,8}| ){0,20}",
    ]
}

proptest! {
    #[test]
    fn token_offsets_slice_the_input_and_reproduce_the_raw_token(text in messy_text()) {
        let tokens = Tokenizer::new(vec![]).tokenize(&text);
        let mut previous_end = 0;
        for t in &tokens {
            prop_assert!(t.start < t.end && t.end <= text.len(), "{t:?}");
            prop_assert!(text.is_char_boundary(t.start) && text.is_char_boundary(t.end));
            prop_assert_eq!(&text[t.start..t.end], t.text.as_str());
            prop_assert!(t.start >= previous_end, "tokens overlap: {tokens:?}");
            previous_end = t.end;
        }
        // Normalising filters change the text, never the offsets' validity.
        for t in Tokenizer::default().tokenize(&text) {
            prop_assert!(text.get(t.start..t.end).is_some(), "{t:?}");
        }
    }

    #[test]
    fn feature_keys_are_the_same_for_the_same_text(text in messy_text(), other in messy_text()) {
        let spec = FeatureSpec::default();
        let mut fresh = Analysis::default();
        spec.analyze(&text, &mut fresh);
        let mut again = Analysis::default();
        spec.analyze(&text, &mut again);
        prop_assert_eq!(&fresh.keys, &again.keys);
        // A warm analysis, reused after another text, gives the same keys too.
        let mut warm = Analysis::default();
        spec.analyze(&other, &mut warm);
        spec.analyze(&text, &mut warm);
        prop_assert_eq!(&fresh.keys, &warm.keys);
    }
}

const WORDS: &[&str] = &[
    "kabul",
    "withdrawal",
    "troops",
    "disaster",
    "right",
    "decision",
    "leave",
    "stay",
    "the",
    "was",
    "a",
    "and",
    "taliban",
    "allies",
    "shameful",
    "overdue",
    "said",
    "report",
];

fn sentence() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(WORDS), 1..12).prop_map(|w| w.join(" "))
}

/// A trainable set: 2 or 3 classes with at least two examples each.
fn training_set() -> impl Strategy<Value = (Vec<String>, Vec<String>, Option<u8>)> {
    (2usize..=3, 2usize..=6)
        .prop_flat_map(|(k, per_class)| {
            (
                prop::collection::vec(sentence(), k * per_class),
                Just(k),
                prop::option::of(8u8..=12),
            )
        })
        .prop_map(|(texts, k, bits)| {
            let labels = (0..texts.len()).map(|i| format!("c{}", i % k)).collect();
            (texts, labels, bits)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn a_model_survives_a_save_load_round_trip_bit_for_bit((texts, labels, bits) in training_set()) {
        let data = TrainingSet::new(texts, vec![("head".into(), labels)], None).unwrap();
        let mut recipe = Recipe::default();
        recipe.features.hash_bits = bits;
        let model = train(&recipe, &data).unwrap();
        let bytes = model.to_bytes();
        let decoded = Model::from_bytes(&bytes, std::path::Path::new("m")).unwrap();
        prop_assert_eq!(&bytes, &decoded.to_bytes());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.stance");
        model.save(&path).unwrap();
        prop_assert_eq!(&std::fs::read(&path).unwrap(), &bytes);
        prop_assert_eq!(&Model::load(&path).unwrap().to_bytes(), &bytes);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// Through the binary, with tiny batches on two threads so that batches finish out
    /// of order: the output has one row per input row, in input order.
    #[test]
    fn scoring_preserves_input_order_and_row_count(
        rows in prop::collection::vec(sentence(), 1..60),
        batch in 1usize..8,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let model = model_once();
        let input = dir.path().join("in.csv");
        let mut w = csv::Writer::from_path(&input).unwrap();
        w.write_record(["id", "text"]).unwrap();
        for (i, text) in rows.iter().enumerate() {
            w.write_record([format!("r{i}"), text.clone()]).unwrap();
        }
        w.flush().unwrap();
        let out = stdout_of(
            stance()
                .args(["score", "--threads", "2", "--batch-size", &batch.to_string(), "--model"])
                .arg(model)
                .arg(&input),
        );
        let mut rdr = csv::Reader::from_reader(out.as_bytes());
        let got: Vec<(String, String)> = rdr
            .records()
            .map(|r| {
                let r = r.unwrap();
                (r[0].to_string(), r[1].to_string())
            })
            .collect();
        let want: Vec<(String, String)> = rows
            .iter()
            .enumerate()
            .map(|(i, t)| (format!("r{i}"), t.clone()))
            .collect();
        prop_assert_eq!(got, want);
    }
}

/// One small model shared by the cases of a property (training it each time is slow).
fn model_once() -> &'static std::path::Path {
    static MODEL: std::sync::OnceLock<(tempfile::TempDir, std::path::PathBuf)> =
        std::sync::OnceLock::new();
    let (_, path) = MODEL.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = tiny_model(dir.path());
        (dir, path)
    });
    path
}
