//! Scores → reasons. A linear head's score for a label is a sum: the bias plus, for every
//! feature of the paragraph, its TF-IDF value times its weight. [`explain`] lists those
//! terms with readable names and the byte spans of text they came from, so the listed
//! contributions add up to the score exactly (nothing is approximated, unlike LIME or
//! SHAP on a non-linear model).
//!
//! ```
//! use stance::model::{train, Recipe, TrainingSet};
//! let data = TrainingSet::new(
//!     ["good call", "right call", "bad call", "awful call"].iter().map(|s| s.to_string()).collect(),
//!     vec![("verdict".into(), ["pos", "pos", "neg", "neg"].iter().map(|s| s.to_string()).collect())],
//!     None,
//! ).unwrap();
//! let model = train(&Recipe::default(), &data).unwrap();
//! let ex = stance::explain::explain(&model, "a good call", None).unwrap();
//! let head = &ex.heads[0];
//! let total: f32 = head.features.iter().map(|f| f.contribution).sum::<f32>() + head.bias;
//! assert!((total - head.score).abs() < 1e-5);
//! ```

use crate::features::ngrams::{self, Block, NgramRange};
use crate::model::{Model, ScoreError};
use crate::tokenize::TokenStream;
use serde::Serialize;
use std::collections::HashMap;

/// One feature's part in one head's score for the predicted label.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contribution {
    /// Readable name: a word n-gram (`us troops`), a character n-gram in brackets
    /// (`[ withd]`), a target-block feature (`tgt:` …), a writer's-voice feature
    /// (`voice:` …); several names when keys share
    /// a column (hashing); `(unnamed feature)` if none could be rebuilt.
    pub name: String,
    /// `word`, `char`, `target` or `voice`.
    pub block: &'static str,
    /// The feature's TF-IDF value in this paragraph.
    pub value: f32,
    /// The head's weight of the feature for the label (summed over active target groups).
    pub weight: f32,
    /// `value × weight`: what the feature adds to the label's score.
    pub contribution: f32,
    /// Byte ranges `[start, end)` of the source text the feature was built from.
    pub spans: Vec<(usize, usize)>,
}

/// One head's decision and every term of its score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeadExplanation {
    pub head: String,
    pub label: String,
    pub confidence: f32,
    /// The model's score for `label` (`HeadPrediction::scores[label]`).
    pub score: f32,
    /// The bias term of `label`'s score.
    pub bias: f32,
    /// Every feature of the paragraph, largest contribution first.
    pub features: Vec<Contribution>,
}

impl HeadExplanation {
    /// The `k` features that push hardest toward the label (positive contributions).
    pub fn top_for(&self, k: usize) -> impl Iterator<Item = &Contribution> {
        self.features
            .iter()
            .filter(|f| f.contribution > 0.0)
            .take(k)
    }

    /// The `k` features that push hardest away from it (negative contributions).
    pub fn top_against(&self, k: usize) -> impl Iterator<Item = &Contribution> {
        self.features
            .iter()
            .rev()
            .filter(|f| f.contribution < 0.0)
            .take(k)
    }
}

/// Explanations of one paragraph on every head.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    pub heads: Vec<HeadExplanation>,
    /// Byte range of every token of the text, in order.
    pub tokens: Vec<(usize, usize)>,
}

impl Explanation {
    /// Each token's share of head `h`'s feature contributions: a feature's contribution
    /// is split evenly over its occurrences and over the tokens of each occurrence, so
    /// the shares add up to the features' total (features without a span, such as the
    /// target-mention flag, are left out). Used to highlight the words behind a decision.
    pub fn token_attribution(&self, h: usize) -> Vec<f32> {
        let mut out = vec![0f32; self.tokens.len()];
        for f in &self.heads[h].features {
            let per_span = f.contribution / f.spans.len().max(1) as f32;
            for &(a, b) in &f.spans {
                let first = self.tokens.partition_point(|t| t.0 < a);
                let last = self.tokens.partition_point(|t| t.1 <= b);
                if last > first {
                    let share = per_span / (last - first) as f32;
                    out[first..last].iter_mut().for_each(|x| *x += share);
                }
            }
        }
        out
    }
}

/// Scores `text` and splits each head's score for its predicted label into the bias
/// and per-feature contributions.
pub fn explain(model: &Model, text: &str, target: Option<&str>) -> Result<Explanation, ScoreError> {
    let mut scorer = model.scorer();
    let preds = scorer.score_with_row(text, target)?.to_vec();
    let t = model.target_index(target)?;
    let fitted = model.features();
    // The very tokens and row the scorer used, so the terms below are its own.
    let (analysis, row) = scorer.last();

    // Names and spans of every column in the row.
    let mut named: HashMap<u32, Named> = HashMap::new();
    describe(model, analysis.tokens(), |key, name, range| {
        let Some(c) = fitted.column(key) else { return };
        let e = named
            .entry(c)
            .or_insert_with(|| (Vec::new(), Vec::new(), Block::of(key)));
        if !e.0.contains(&name) {
            e.0.push(name);
        }
        if let Some(span) = byte_span(analysis.tokens(), range) {
            if !e.1.contains(&span) {
                e.1.push(span);
            }
        }
    });

    let mut w = Vec::new();
    let heads = model
        .heads()
        .iter()
        .zip(&preds)
        .enumerate()
        .map(|(h, (head, p))| {
            let label = p.label;
            model.class_weights(h, None, t, &mut w);
            let bias = w[label];
            let mut features: Vec<Contribution> = row
                .indices
                .iter()
                .zip(&row.values)
                .map(|(&c, &value)| {
                    model.class_weights(h, Some(c), t, &mut w);
                    let (names, spans, block) = match named.get(&c) {
                        Some((n, s, b)) => (n.clone(), s.clone(), Some(*b)),
                        None => (Vec::new(), Vec::new(), None),
                    };
                    Contribution {
                        name: if names.is_empty() {
                            "(unnamed feature)".into()
                        } else {
                            names.join(" | ")
                        },
                        block: block.map_or("unknown", block_name),
                        value,
                        weight: w[label],
                        contribution: value * w[label],
                        spans,
                    }
                })
                .collect();
            features.sort_by(|a, b| b.contribution.total_cmp(&a.contribution));
            HeadExplanation {
                head: head.name.clone(),
                label: head.labels[label].clone(),
                confidence: p.confidence,
                score: p.scores[label],
                bias,
                features,
            }
        })
        .collect();
    let tokens = analysis.tokens().iter().map(|t| (t.start, t.end)).collect();
    Ok(Explanation { heads, tokens })
}

/// Names, byte spans and block of one column.
type Named = (Vec<String>, Vec<(usize, usize)>, Block);

/// Every feature key of `tokens` with a name and token range, as the model's feature
/// spec produces them (mirrors `FeatureSpec::analyze`).
fn describe(
    model: &Model,
    tokens: &TokenStream,
    mut emit: impl FnMut(u64, String, std::ops::Range<usize>),
) {
    let spec = model.features().spec();
    ngrams::describe(tokens, spec.word_ngrams, spec.char_ngrams, &mut emit);
    if let Some(terms) = &spec.target_terms {
        let range = NgramRange::new(1, spec.word_ngrams.max.clamp(1, 2));
        terms.describe(tokens, range, &mut emit);
    }
    if spec.voice {
        ngrams::describe_voice(tokens, &mut emit);
    }
}

fn byte_span(tokens: &TokenStream, range: std::ops::Range<usize>) -> Option<(usize, usize)> {
    if range.is_empty() || range.end > tokens.len() {
        return None;
    }
    Some((tokens.get(range.start).start, tokens.get(range.end - 1).end))
}

fn block_name(b: Block) -> &'static str {
    match b {
        Block::Word => "word",
        Block::Char => "char",
        Block::Target => "target",
        Block::Voice => "voice",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::{FeatureSpec, TargetTerms};
    use crate::model::{train, Recipe, TrainingSet};

    fn data(target: bool) -> TrainingSet {
        let texts = [
            "The withdrawal was the right call. Troops came home.",
            "Leaving Kabul ended a war that could not be won.",
            "We should have left years earlier; the withdrawal was overdue.",
            "The withdrawal was a disaster. Allies were abandoned.",
            "Abandoning Bagram handed the Taliban a victory.",
            "The chaotic exit betrayed the interpreters who helped us.",
            "The Pentagon said the last flight left on Monday.",
            "Officials reported the number of evacuees to Congress.",
            "A report counted the aircraft at the airport.",
        ];
        let labels = [
            "favor", "favor", "favor", "against", "against", "against", "none", "none", "none",
        ];
        TrainingSet::new(
            texts.iter().map(|s| s.to_string()).collect(),
            vec![(
                "stance".into(),
                labels.iter().map(|s| s.to_string()).collect(),
            )],
            target.then(|| {
                (
                    "target".to_string(),
                    ["a", "b", "a", "b", "a", "b", "a", "b", "a"]
                        .iter()
                        .map(|s| s.to_string())
                        .collect(),
                )
            }),
        )
        .unwrap()
    }

    fn assert_faithful(model: &Model, text: &str, target: Option<&str>) {
        let ex = explain(model, text, target).unwrap();
        let mut scorer = model.scorer();
        let preds = scorer.score(text, target).unwrap();
        for (h, p) in ex.heads.iter().zip(preds) {
            let sum: f64 = h
                .features
                .iter()
                .map(|f| f64::from(f.contribution))
                .sum::<f64>()
                + f64::from(h.bias);
            let score = f64::from(p.scores[p.label]);
            assert!(
                (sum - score).abs() < 1e-5,
                "{}: contributions + bias = {sum}, model score {score}",
                h.head
            );
        }
    }

    #[test]
    fn contributions_plus_bias_equal_the_models_score() {
        let model = train(&Recipe::default(), &data(false)).unwrap();
        for text in [
            "The withdrawal was right and overdue.",
            "A disaster: allies abandoned at the airport.",
            "déjà vu at Kabul airport, officials said",
        ] {
            assert_faithful(&model, text, None);
        }
    }

    #[test]
    fn faithful_with_target_terms_and_crossed_targets() {
        let recipe = Recipe {
            features: FeatureSpec {
                target_terms: Some(
                    TargetTerms::parse("withdrawal\nexit", &Default::default()).unwrap(),
                ),
                ..FeatureSpec::default()
            },
            target_mode: crate::model::TargetMode::Crossed,
            ..Recipe::default()
        };
        let model = train(&recipe, &data(true)).unwrap();
        let text = "The withdrawal was a disaster. Allies paid. The exit was chaotic.";
        assert_faithful(&model, text, Some("a"));
        assert_faithful(&model, text, Some("never seen"));
        let ex = explain(&model, text, Some("a")).unwrap();
        let f = &ex.heads[0].features;
        assert!(f.iter().any(|c| c.name.starts_with("tgt:")));
        assert!(
            f.iter().all(|c| c.name != "(unnamed feature)"),
            "every column is named"
        );
    }

    #[test]
    fn voice_features_are_named_and_faithful() {
        let recipe = Recipe {
            features: FeatureSpec {
                voice: true,
                ..FeatureSpec::default()
            },
            ..Recipe::default()
        };
        let model = train(&recipe, &data(false)).unwrap();
        let text = "Officials said \"the withdrawal was a disaster\", and it was overdue.";
        assert_faithful(&model, text, None);
        let ex = explain(&model, text, None).unwrap();
        let f = &ex.heads[0].features;
        assert!(f.iter().any(|c| c.name == "voice:overdue"));
        assert!(f.iter().all(|c| c.name != "(unnamed feature)"));
    }

    #[test]
    fn faithful_when_hashed_features_collide() {
        // 2^8 columns per block: many n-grams share a column, named together.
        let recipe = Recipe {
            features: FeatureSpec {
                hash_bits: Some(8),
                ..FeatureSpec::default()
            },
            ..Recipe::default()
        };
        let model = train(&recipe, &data(false)).unwrap();
        let text = "The withdrawal was a disaster, and the chaotic exit was overdue.";
        assert_faithful(&model, text, None);
        let ex = explain(&model, text, None).unwrap();
        assert!(ex.heads[0].features.iter().any(|f| f.name.contains(" | ")));
    }

    #[test]
    fn spans_point_at_the_source_text() {
        let model = train(&Recipe::default(), &data(false)).unwrap();
        let text = "Kabul’s withdrawal was right.";
        let ex = explain(&model, text, None).unwrap();
        let f = ex.heads[0]
            .features
            .iter()
            .find(|c| c.name == "withdrawal")
            .expect("a known word is a feature");
        assert_eq!(
            f.spans
                .iter()
                .map(|&(a, b)| &text[a..b])
                .collect::<Vec<_>>(),
            ["withdrawal"]
        );
        let bigram = ex.heads[0]
            .features
            .iter()
            .find(|c| c.name == "withdrawal was")
            .unwrap();
        assert_eq!(
            &text[bigram.spans[0].0..bigram.spans[0].1],
            "withdrawal was"
        );
    }

    #[test]
    fn token_shares_add_up_to_the_spanned_contributions() {
        let model = train(&Recipe::default(), &data(false)).unwrap();
        let ex = explain(&model, "The withdrawal was overdue, officials said.", None).unwrap();
        let shares: f32 = ex.token_attribution(0).iter().sum();
        let spanned: f32 = ex.heads[0]
            .features
            .iter()
            .filter(|f| !f.spans.is_empty())
            .map(|f| f.contribution)
            .sum();
        assert!((shares - spanned).abs() < 1e-4, "{shares} vs {spanned}");
    }

    #[test]
    fn top_for_and_against_have_the_right_signs() {
        let model = train(&Recipe::default(), &data(false)).unwrap();
        let ex = explain(&model, "The withdrawal was a disaster for allies.", None).unwrap();
        let h = &ex.heads[0];
        assert!(h.top_for(5).all(|f| f.contribution > 0.0));
        assert!(h.top_against(5).all(|f| f.contribution < 0.0));
        let against: Vec<f32> = h.top_against(3).map(|f| f.contribution).collect();
        assert!(
            against.windows(2).all(|w| w[0] <= w[1]),
            "most negative first"
        );
    }
}
