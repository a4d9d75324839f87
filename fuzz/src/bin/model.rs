//! The model loader on arbitrary bytes: every input is a model or a typed error. Inputs
//! are tried as they are and with their checksum repaired, so that the fuzzer also
//! reaches the decoder behind the checksum; a model that loads must score without panic.

use stance::Model;
use std::path::Path;

fn main() {
    afl::fuzz!(|data: &[u8]| {
        try_load(data);
        if data.len() >= 24 {
            let mut fixed = data.to_vec();
            let end = fixed.len() - 8;
            let sum = xxhash_rust::xxh3::xxh3_64(&fixed[..end]);
            fixed[end..].copy_from_slice(&sum.to_le_bytes());
            try_load(&fixed);
        }
    });
}

fn try_load(bytes: &[u8]) {
    if let Ok(model) = Model::from_bytes(bytes, Path::new("fuzz.stance")) {
        let _ = model.summary();
        let mut scorer = model.scorer();
        for target in [None, Some("x")] {
            if let Ok(preds) = scorer.score("The withdrawal from Kabul was a disaster!", target) {
                for (p, head) in preds.iter().zip(model.heads()) {
                    assert!(p.label < head.labels.len());
                }
            }
        }
    }
}
