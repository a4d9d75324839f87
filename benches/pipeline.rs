//! Micro-benchmarks of each pipeline stage on the project's own corpus
//! (`cargo bench`). Side-by-side numbers against the anchors come from `bench/compare`.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use stance::features::{Analysis, FeatureSpec, RowScratch, SparseRow};
use stance::model::{train, Recipe, TrainingSet};
use stance::tokenize::{TokenStream, Tokenizer};

fn corpus() -> (Vec<String>, Vec<String>) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/train.csv");
    let mut rdr = csv::Reader::from_path(path).expect("data/train.csv");
    rdr.records()
        .map(|r| {
            let r = r.unwrap();
            (r[1].to_string(), r[2].to_string())
        })
        .unzip()
}

fn stages(c: &mut Criterion) {
    let (texts, labels) = corpus();
    let bytes: usize = texts.iter().map(|t| t.len()).sum();
    let mut g = c.benchmark_group("pipeline");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.sample_size(10);

    let tok = Tokenizer::default();
    g.bench_function("tokenize", |b| {
        let mut s = TokenStream::default();
        b.iter(|| {
            texts
                .iter()
                .map(|t| {
                    tok.tokenize_into(t, &mut s);
                    s.len()
                })
                .sum::<usize>()
        })
    });

    let spec = FeatureSpec::default();
    g.bench_function("analyze (n-gram keys)", |b| {
        let mut a = Analysis::default();
        b.iter(|| {
            texts
                .iter()
                .map(|t| {
                    spec.analyze(t, &mut a);
                    a.keys.len()
                })
                .sum::<usize>()
        })
    });

    let fitted = spec.fit_texts(texts.iter().map(|s| s.as_str()));
    g.bench_function("featurize (keys to tf-idf rows)", |b| {
        let (mut a, mut scratch, mut row) = (
            Analysis::default(),
            RowScratch::default(),
            SparseRow::default(),
        );
        b.iter(|| {
            texts
                .iter()
                .map(|t| {
                    spec.analyze(t, &mut a);
                    fitted.transform(&a.keys, &mut scratch, &mut row);
                    row.indices.len()
                })
                .sum::<usize>()
        })
    });

    let data = TrainingSet::new(texts.clone(), vec![("stance".into(), labels)], None).unwrap();
    g.bench_function("train (default recipe, one head)", |b| {
        b.iter_batched(
            || data.clone(),
            |d| train(&Recipe::default(), &d).unwrap(),
            BatchSize::LargeInput,
        )
    });

    let model = train(&Recipe::default(), &data).unwrap();
    g.bench_function("score (one thread)", |b| {
        let mut scorer = model.scorer();
        b.iter(|| {
            texts
                .iter()
                .map(|t| scorer.score(t, None).unwrap()[0].label)
                .sum::<usize>()
        })
    });
    g.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
