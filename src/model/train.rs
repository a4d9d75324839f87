//! Training: labelled texts + a [`Recipe`] → a multi-head [`Model`].

use super::calibrate::{fit_scales, Calibration};
use super::linear::{ClassWeight, FittedLinear, LinearParams, Loss, NbCounts, SparseRecords};
use super::{Group, Head, Model, ModelParts, TargetInfo};
use crate::error::{Error, Result};
use crate::features::{FeatureSpec, FittedFeatures, RowScratch, SparseRow};
use linfa::prelude::*;
use ndarray::Array1;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sprs::CsMat;

/// How a head uses the target column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TargetMode {
    /// One classifier per target value (SemEval-2016's SVM baseline).
    PerTarget,
    /// One classifier on features crossed with the target: every feature has a shared
    /// weight and a per-target weight ("frustratingly easy" domain adaptation).
    Crossed,
}

/// Everything that decides how a model is trained.
///
/// | Name | Default | Purpose |
/// |---|---|---|
/// | `features` | [`FeatureSpec::default`] | n-grams, weighting, vocabulary |
/// | `loss` | `SquaredHinge` | L2-loss SVM, or logistic regression |
/// | `c` | `1.0` | inverse regularisation strength (`> 0`) |
/// | `class_weight` | `Balanced` | re-weights rare classes (`n / (k · n_class)`); `Uniform` does not |
/// | `tol` | `0.1` | solver stopping tolerance |
/// | `max_iter` | `1000` | solver passes at most |
/// | `seed` | `0` | solver order; same seed and data give the same bytes |
/// | `target_mode` | `PerTarget` | how target-aware heads use the target column |
/// | `nb_alpha` | `Some(0.1)` | naive Bayes feature scaling (NBSVM) smoothing, or none |
/// | `nb_mix` | `0.5` | weight of the NB-scaled model averaged with the plain one |
/// | `nb_counts` | `Values` | NB ratios from feature values or presence (`Binary`) |
/// | `label_weights` | none | weight of the examples of a named label, e.g. `favor = 0.6` |
/// | `calibrate` | `None` | `Temperature` fits one confidence scale per head |
///
/// The defaults were chosen by cross-validation on training data only (SemEval-2016 train,
/// SUBJ, MR); see `BENCHMARKS.md`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recipe {
    pub features: FeatureSpec,
    pub loss: Loss,
    pub c: f64,
    pub class_weight: ClassWeight,
    pub tol: f64,
    pub max_iter: usize,
    pub seed: u64,
    pub target_mode: TargetMode,
    /// Naive Bayes feature scaling (NBSVM) with this smoothing, or none.
    pub nb_alpha: Option<f64>,
    /// With `nb_alpha`: weight of the NB-scaled model averaged with the plain one.
    pub nb_mix: f64,
    /// What the NB ratios count: feature values or presence.
    pub nb_counts: NbCounts,
    /// Per-label weights (`label → weight`), for any head that has the label; they
    /// replace `class_weight` for those heads. Empty: none.
    pub label_weights: Vec<(String, f64)>,
    /// How scores become confidences.
    pub calibrate: Calibration,
}

impl Default for Recipe {
    fn default() -> Self {
        Recipe {
            features: FeatureSpec::default(),
            loss: Loss::SquaredHinge,
            c: 1.0,
            class_weight: ClassWeight::Balanced,
            tol: 0.1,
            max_iter: 1000,
            seed: 0,
            target_mode: TargetMode::PerTarget,
            nb_alpha: Some(0.1),
            nb_mix: 0.5,
            nb_counts: NbCounts::Values,
            label_weights: Vec::new(),
            calibrate: Calibration::None,
        }
    }
}

/// Labelled paragraphs in memory: texts, one label column per head, optional target.
#[derive(Debug, Clone)]
pub struct TrainingSet {
    pub texts: Vec<String>,
    heads: Vec<HeadData>,
    target: Option<(String, Vec<String>, Vec<u32>)>,
    text_column: String,
}

#[derive(Debug, Clone)]
struct HeadData {
    name: String,
    labels: Vec<String>,
    /// Class index of every row.
    y: Vec<usize>,
}

impl TrainingSet {
    /// Checks and indexes labelled data. `heads` are `(column, label per row)`; `target`
    /// is `(column, value per row)`. Every head needs two classes of two examples or more.
    pub fn new(
        texts: Vec<String>,
        heads: Vec<(String, Vec<String>)>,
        target: Option<(String, Vec<String>)>,
    ) -> Result<Self> {
        let heads = heads
            .into_iter()
            .map(|(name, values)| {
                debug_assert_eq!(values.len(), texts.len());
                let mut labels: Vec<String> = values.clone();
                labels.sort();
                labels.dedup();
                if labels.len() < 2 {
                    return Err(Error::BadTrainingSet {
                        head: name,
                        message: format!(
                            "only one class ('{}'); a classifier needs at least two",
                            labels.first().map_or("", |s| s.as_str())
                        ),
                    });
                }
                let y: Vec<usize> = values
                    .iter()
                    .map(|v| labels.binary_search(v).expect("label is in its own set"))
                    .collect();
                let mut counts = vec![0usize; labels.len()];
                y.iter().for_each(|&c| counts[c] += 1);
                if let Some(c) = counts.iter().position(|&n| n < 2) {
                    return Err(Error::BadTrainingSet {
                        head: name,
                        message: format!(
                            "class '{}' has only {} example; every class needs at least 2",
                            labels[c], counts[c]
                        ),
                    });
                }
                Ok(HeadData { name, labels, y })
            })
            .collect::<Result<Vec<_>>>()?;
        let target = target.map(|(column, values)| {
            let mut set: Vec<String> = values.iter().map(|v| v.trim().to_string()).collect();
            set.sort();
            set.dedup();
            let idx = values
                .iter()
                .map(|v| set.binary_search(&v.trim().to_string()).unwrap() as u32)
                .collect();
            (column, set, idx)
        });
        Ok(TrainingSet {
            texts,
            heads,
            target,
            text_column: "text".into(),
        })
    }

    /// Records the name of the text column (stored in the model as the scoring default).
    pub fn with_text_column(mut self, name: &str) -> Self {
        self.text_column = name.to_string();
        self
    }

    pub fn len(&self) -> usize {
        self.texts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.texts.is_empty()
    }

    /// Head names in order.
    pub fn head_names(&self) -> impl Iterator<Item = &str> {
        self.heads.iter().map(|h| h.name.as_str())
    }

    /// Labels of head `h` (sorted) and the class of every row.
    pub fn head_labels(&self, h: usize) -> (&[String], &[usize]) {
        (&self.heads[h].labels, &self.heads[h].y)
    }

    /// Target value index of every row, if there is a target column.
    pub fn target_indices(&self) -> Option<&[u32]> {
        self.target.as_ref().map(|t| t.2.as_slice())
    }

    /// Row `r`'s target value, for target-aware data.
    pub(crate) fn target_of(&self, r: usize) -> Option<&str> {
        self.target
            .as_ref()
            .map(|(_, values, ix)| values[ix[r] as usize].as_str())
    }

    /// Target column name and its values.
    pub fn target_values(&self) -> Option<(&str, &[String])> {
        self.target.as_ref().map(|t| (t.0.as_str(), t.1.as_slice()))
    }
}

/// Trains a model on every row of `data`.
pub fn train(recipe: &Recipe, data: &TrainingSet) -> Result<Model> {
    let keys = recipe
        .features
        .keys_of(data.texts.iter().map(|s| s.as_str()));
    let rows: Vec<usize> = (0..data.len()).collect();
    train_rows(recipe, data, &keys, &rows)
}

/// Trains on the subset `rows` of `data`, given every row's feature keys (computed once
/// and shared across cross-validation folds).
pub fn train_rows(
    recipe: &Recipe,
    data: &TrainingSet,
    keys: &[Vec<u64>],
    rows: &[usize],
) -> Result<Model> {
    recipe.features.validate().map_err(Error::Settings)?;
    let params = LinearParams::new()
        .loss(recipe.loss)
        .c(recipe.c)
        .class_weight(recipe.class_weight.clone())
        .tol(recipe.tol)
        .max_iter(recipe.max_iter)
        .seed(recipe.seed)
        .nb_alpha(recipe.nb_alpha)
        .nb_mix(recipe.nb_mix)
        .nb_counts(recipe.nb_counts);
    linfa::ParamGuard::check_ref(&params)?;
    let key_refs: Vec<&[u64]> = rows.iter().map(|&r| keys[r].as_slice()).collect();
    let features = recipe.features.fit(&key_refs);
    let x = design_matrix(&features, &key_refs);
    let n_f = features.n_features();

    // Every (head, group) problem, trained in parallel; each fit is deterministic.
    let targets: Option<(&[u32], usize)> =
        data.target.as_ref().map(|t| (t.2.as_slice(), t.1.len()));
    let mut jobs = Vec::new();
    for h in 0..data.heads.len() {
        match (targets, recipe.target_mode) {
            (None, _) => jobs.push((h, Job::Shared)),
            (Some((_, nt)), TargetMode::PerTarget) => {
                (0..nt as u32).for_each(|t| jobs.push((h, Job::Target(t))))
            }
            (Some(_), TargetMode::Crossed) => jobs.push((h, Job::Crossed)),
        }
    }
    let fitted: Vec<Result<Vec<FittedGroup>>> = jobs
        .par_iter()
        .map(|&(h, job)| {
            let head = &data.heads[h];
            let k = head.labels.len();
            let y_all: Vec<usize> = rows.iter().map(|&r| head.y[r]).collect();
            let mut params = params.clone().n_classes(k);
            if head
                .labels
                .iter()
                .any(|l| recipe.label_weights.iter().any(|(n, _)| n == l))
            {
                let w = head
                    .labels
                    .iter()
                    .map(|l| {
                        recipe
                            .label_weights
                            .iter()
                            .find(|(n, _)| n == l)
                            .map_or(1.0, |p| p.1)
                    })
                    .collect();
                params = params.class_weight(ClassWeight::Given(w));
            }
            match job {
                Job::Shared => {
                    let m = fit(&params, x.clone(), y_all)?;
                    Ok(vec![(None, column_major(&m, n_f), m.bias().to_vec())])
                }
                Job::Target(t) => {
                    let tix = targets.unwrap().0;
                    let sel: Vec<usize> = (0..rows.len()).filter(|&i| tix[rows[i]] == t).collect();
                    if sel.is_empty() {
                        return Ok(vec![]);
                    }
                    let y: Vec<usize> = sel.iter().map(|&i| y_all[i]).collect();
                    let m = fit(&params, select_rows(&x, &sel), y)?;
                    Ok(vec![(Some(t), column_major(&m, n_f), m.bias().to_vec())])
                }
                Job::Crossed => {
                    let (tix, nt) = targets.unwrap();
                    let row_t: Vec<u32> = rows.iter().map(|&r| tix[r]).collect();
                    let m = fit(&params, cross(&x, &row_t, nt), y_all)?;
                    Ok(split_crossed(&m, n_f, nt))
                }
            }
        })
        .collect();

    // Pack every group's weights side by side.
    let mut heads: Vec<Head> = data
        .heads
        .iter()
        .map(|hd| {
            let mut support = vec![0; hd.labels.len()];
            rows.iter().for_each(|&r| support[hd.y[r]] += 1);
            Head {
                name: hd.name.clone(),
                labels: hd.labels.clone(),
                support,
                groups: Vec::new(),
                scale: 1.0,
            }
        })
        .collect();
    let mut parts_of = Vec::new();
    for ((h, _), res) in jobs.iter().zip(fitted) {
        for (target, w, b) in res? {
            parts_of.push((*h, target, w, b));
        }
    }
    let n_outputs: usize = parts_of.iter().map(|p| p.3.len()).sum();
    let mut weights = vec![0f32; n_f * n_outputs];
    let mut bias = Vec::with_capacity(n_outputs);
    for (h, target, w, b) in parts_of {
        let width = b.len();
        let offset = bias.len();
        for j in 0..n_f {
            weights[j * n_outputs + offset..j * n_outputs + offset + width]
                .copy_from_slice(&w[j * width..(j + 1) * width]);
        }
        bias.extend(b);
        heads[h].groups.push(Group {
            target,
            offset: offset as u32,
            width: width as u32,
        });
    }
    let target = data.target.as_ref().map(|(column, values, _)| TargetInfo {
        column: column.clone(),
        values: values.clone(),
        mode: recipe.target_mode,
    });
    if recipe.calibrate == Calibration::Temperature {
        let scales = fit_scales(recipe, data, keys, rows)?;
        heads.iter_mut().zip(scales).for_each(|(h, s)| h.scale = s);
    }
    Ok(Model::from(ModelParts {
        recipe: recipe.clone(),
        features,
        heads,
        target,
        weights,
        bias,
        n_outputs,
        text_column: data.text_column.clone(),
        n_train: rows.len(),
    }))
}

/// One group's fit: its target (none: shared), weights (features × width) and bias.
type FittedGroup = (Option<u32>, Vec<f32>, Vec<f32>);

#[derive(Debug, Clone, Copy)]
enum Job {
    Shared,
    Target(u32),
    Crossed,
}

fn fit(params: &LinearParams, x: CsMat<f32>, y: Vec<usize>) -> Result<FittedLinear> {
    let data = DatasetBase::new(SparseRecords(x), Array1::from(y));
    params.fit(&data)
}

/// TF-IDF rows of the training documents as a CSR matrix (rows built in parallel).
pub(crate) fn design_matrix(features: &FittedFeatures, docs: &[&[u64]]) -> CsMat<f32> {
    let rows: Vec<SparseRow> = docs
        .par_iter()
        .map_init(RowScratch::default, |scratch, keys| {
            let mut row = SparseRow::default();
            features.transform(keys, scratch, &mut row);
            row
        })
        .collect();
    let mut indptr = Vec::with_capacity(rows.len() + 1);
    let nnz: usize = rows.iter().map(|r| r.indices.len()).sum();
    let mut indices = Vec::with_capacity(nnz);
    let mut values = Vec::with_capacity(nnz);
    indptr.push(0);
    for row in rows {
        // CSR requires sorted columns within a row.
        let mut pairs: Vec<(u32, f32)> = row.indices.into_iter().zip(row.values).collect();
        pairs.sort_unstable_by_key(|p| p.0);
        indices.extend(pairs.iter().map(|p| p.0 as usize));
        values.extend(pairs.iter().map(|p| p.1));
        indptr.push(indices.len());
    }
    CsMat::new(
        (indptr.len() - 1, features.n_features()),
        indptr,
        indices,
        values,
    )
}

fn select_rows(x: &CsMat<f32>, sel: &[usize]) -> CsMat<f32> {
    let mut indptr = vec![0];
    let mut indices = Vec::new();
    let mut values = Vec::new();
    for &i in sel {
        let row = x.outer_view(i).expect("row in range");
        indices.extend_from_slice(row.indices());
        values.extend_from_slice(row.data());
        indptr.push(indices.len());
    }
    CsMat::new((sel.len(), x.cols()), indptr, indices, values)
}

/// `[x | x in target t's block | 1 in target t's bias column]` for each row.
fn cross(x: &CsMat<f32>, row_target: &[u32], n_targets: usize) -> CsMat<f32> {
    let n_f = x.cols();
    let mut indptr = vec![0];
    let mut indices = Vec::with_capacity(2 * x.nnz() + x.rows());
    let mut values = Vec::with_capacity(2 * x.nnz() + x.rows());
    for (i, row) in x.outer_iterator().enumerate() {
        let t = row_target[i] as usize;
        indices.extend_from_slice(row.indices());
        values.extend_from_slice(row.data());
        indices.extend(row.indices().iter().map(|&j| (1 + t) * n_f + j));
        values.extend_from_slice(row.data());
        indices.push((1 + n_targets) * n_f + t);
        values.push(1.0);
        indptr.push(indices.len());
    }
    CsMat::new(
        (x.rows(), (1 + n_targets) * n_f + n_targets),
        indptr,
        indices,
        values,
    )
}

/// Splits a crossed model into the shared group and one group per target.
fn split_crossed(
    m: &FittedLinear,
    n_f: usize,
    nt: usize,
) -> Vec<(Option<u32>, Vec<f32>, Vec<f32>)> {
    let w = m.weights();
    let outs = w.nrows();
    let block = |b: usize| -> Vec<f32> {
        let mut out = vec![0f32; n_f * outs];
        for j in 0..n_f {
            for o in 0..outs {
                out[j * outs + o] = w[(o, b * n_f + j)];
            }
        }
        out
    };
    let mut groups = vec![(None, block(0), m.bias().to_vec())];
    for t in 0..nt {
        let b = (0..outs).map(|o| w[(o, (1 + nt) * n_f + t)]).collect();
        groups.push((Some(t as u32), block(1 + t), b));
    }
    groups
}

/// A fitted model's weights as `features × outputs`, row-major.
fn column_major(m: &FittedLinear, n_f: usize) -> Vec<f32> {
    let w = m.weights();
    let outs = w.nrows();
    let mut out = vec![0f32; n_f * outs];
    for o in 0..outs {
        for (j, &v) in w.row(o).iter().enumerate() {
            out[j * outs + o] = v;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy(target: bool) -> TrainingSet {
        let texts = [
            "leaving was right",
            "the exit was wise",
            "end the endless war",
            "leaving was a disaster",
            "the exit was a failure",
            "a shameful retreat",
            "rain in kabul today",
            "markets opened",
            "the weather is mild",
        ];
        let labels = [
            "favor", "favor", "favor", "against", "against", "against", "none", "none", "none",
        ];
        let tgt = ["a", "b", "a", "b", "a", "b", "a", "b", "a"];
        TrainingSet::new(
            texts.iter().map(|s| s.to_string()).collect(),
            vec![(
                "stance".into(),
                labels.iter().map(|s| s.to_string()).collect(),
            )],
            target.then(|| ("target".into(), tgt.iter().map(|s| s.to_string()).collect())),
        )
        .unwrap()
    }

    #[test]
    fn learns_its_training_set() {
        for target in [false, true] {
            for mode in [TargetMode::PerTarget, TargetMode::Crossed] {
                let recipe = Recipe {
                    target_mode: mode,
                    ..Recipe::default()
                };
                let data = toy(target);
                let model = train(&recipe, &data).unwrap();
                let mut s = model.scorer();
                let tix = ["a", "b", "a", "b", "a", "b", "a", "b", "a"];
                for (i, text) in data.texts.iter().enumerate() {
                    let p = s.score(text, Some(tix[i])).unwrap()[0].clone();
                    assert_eq!(
                        p.label, data.heads[0].y[i],
                        "{mode:?} target={target} row {i}"
                    );
                }
            }
        }
    }

    #[test]
    fn rejects_a_single_class() {
        let err = TrainingSet::new(
            vec!["a".into(), "b".into()],
            vec![("tone".into(), vec!["x".into(), "x".into()])],
            None,
        )
        .unwrap_err();
        assert!(err.to_string().contains("only one class"), "{err}");
    }

    #[test]
    fn rejects_a_class_of_one_example() {
        let err = TrainingSet::new(
            vec!["a".into(), "b".into(), "c".into()],
            vec![("tone".into(), vec!["x".into(), "x".into(), "y".into()])],
            None,
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("class 'y' has only 1 example"),
            "{err}"
        );
    }

    #[test]
    fn unknown_target_is_refused_per_target_but_shared_when_crossed() {
        let data = toy(true);
        let per = train(
            &Recipe {
                target_mode: TargetMode::PerTarget,
                ..Recipe::default()
            },
            &data,
        )
        .unwrap();
        assert!(per
            .scorer()
            .score("leaving was right", Some("zzz"))
            .is_err());
        let crossed = train(
            &Recipe {
                target_mode: TargetMode::Crossed,
                ..Recipe::default()
            },
            &data,
        )
        .unwrap();
        assert!(crossed
            .scorer()
            .score("leaving was right", Some("zzz"))
            .is_ok());
        assert!(crossed.scorer().score("leaving was right", None).is_err());
    }
}
