//! A fitted vocabulary: the feature keys seen in at least `min_df` training documents,
//! sorted so that column numbers are deterministic and each block's columns are contiguous.

use super::ngrams::Block;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Hasher for keys that are already well-mixed 64-bit hashes.
#[derive(Default)]
pub(crate) struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, _: &[u8]) {
        unreachable!("KeyHasher only hashes u64 keys")
    }
    fn write_u64(&mut self, k: u64) {
        // Move the block tag out of the top bits, which hashbrown uses for control bytes.
        self.0 = k.rotate_left(17) ^ (k >> 31);
    }
}

pub(crate) type KeyMap<V> = HashMap<u64, V, BuildHasherDefault<KeyHasher>>;

/// Sorted feature keys; a key's column is its position. Scoring looks keys up through
/// its own table (`KeyTable`), so the vocabulary keeps no hash map of its own: the few
/// lookups outside scoring (explanations) search the sorted keys.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(from = "Vec<u64>", into = "Vec<u64>")]
pub struct Vocabulary {
    keys: Vec<u64>,
}

impl From<Vec<u64>> for Vocabulary {
    fn from(keys: Vec<u64>) -> Self {
        Vocabulary { keys }
    }
}

impl From<Vocabulary> for Vec<u64> {
    fn from(v: Vocabulary) -> Self {
        v.keys
    }
}

impl Vocabulary {
    /// Keeps the keys whose document frequency reaches the block's minimum.
    pub(crate) fn fit(df: &KeyMap<u32>, min_df: impl Fn(Block) -> u32) -> Self {
        let mut keys: Vec<u64> = df
            .iter()
            .filter(|&(&k, &n)| n >= min_df(Block::of(k)))
            .map(|(&k, _)| k)
            .collect();
        // Sorting by key sorts by block first (the tag is in the top bits).
        keys.sort_unstable();
        Vocabulary::from(keys)
    }

    pub(crate) fn column(&self, key: u64) -> Option<u32> {
        self.keys.binary_search(&key).ok().map(|c| c as u32)
    }

    /// True when the keys are strictly increasing, as `fit` makes them (a damaged or
    /// crafted model file might not be).
    pub(crate) fn is_sorted(&self) -> bool {
        self.keys.windows(2).all(|w| w[0] < w[1])
    }

    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }

    pub(crate) fn key(&self, column: u32) -> u64 {
        self.keys[column as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prunes_by_min_df_per_block_and_sorts() {
        let mut df = KeyMap::default();
        df.insert(Block::Char.tag(5), 1);
        df.insert(Block::Char.tag(6), 2);
        df.insert(Block::Word.tag(9), 1);
        let v = Vocabulary::fit(&df, |b| if b == Block::Char { 2 } else { 1 });
        assert_eq!(v.len(), 2);
        assert_eq!(v.column(Block::Word.tag(9)), Some(0));
        assert_eq!(v.column(Block::Char.tag(6)), Some(1));
        assert_eq!(v.column(Block::Char.tag(5)), None);
    }
}
