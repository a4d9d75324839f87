//! Feature hashing: no vocabulary to fit or store, `2^bits` columns per block, at the
//! price of collisions and no way back from a column to its text.

use super::ngrams::Block;
use serde::{Deserialize, Serialize};

/// Maps a key to `block * 2^bits + (key mod 2^bits)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hashing {
    bits: u8,
}

impl Hashing {
    pub fn new(bits: u8) -> Result<Self, String> {
        if !(8..=20).contains(&bits) {
            return Err(format!("--hash-bits must be between 8 and 20, got {bits}"));
        }
        Ok(Hashing { bits })
    }

    pub(crate) fn bits(&self) -> u8 {
        self.bits
    }

    #[inline]
    pub(crate) fn column(&self, key: u64) -> u32 {
        let block = Block::of(key) as u32;
        (block << self.bits) | (key as u32 & ((1u32 << self.bits) - 1))
    }

    pub(crate) fn len(&self) -> usize {
        Block::ALL.len() << self.bits
    }

    pub(crate) fn block_of_column(&self, column: u32) -> Block {
        Block::ALL[(column >> self.bits) as usize]
    }
}
