//! The scoring-time lookup table: feature key → (column, idf) in one 16-byte slot, open
//! addressing with linear probing at load ≤ 0.5. One cache line per lookup, where a
//! general hash map plus a separate idf array costs two or three; lookups dominate
//! scoring time, so this is the hot path's main data structure.

#[derive(Debug, Clone, Copy)]
#[repr(C, align(16))]
struct Slot {
    key: u64,
    col: u32,
    idf: f32,
}

const EMPTY: u32 = u32::MAX;

/// A read-only open-addressing table built once from a vocabulary.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeyTable {
    slots: Vec<Slot>,
    shift: u32,
}

#[inline]
fn home(key: u64, shift: u32) -> usize {
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> shift) as usize
}

impl KeyTable {
    /// Builds the table; `entries` yields (key, column, idf) with distinct keys.
    pub fn build(n: usize, entries: impl Iterator<Item = (u64, u32, f32)>) -> Self {
        let cap = (n + n / 2).next_power_of_two().max(16);
        let shift = 64 - cap.trailing_zeros();
        let mut slots = vec![
            Slot {
                key: 0,
                col: EMPTY,
                idf: 0.0
            };
            cap
        ];
        for (key, col, idf) in entries {
            let mut i = home(key, shift);
            while slots[i].col != EMPTY {
                i = (i + 1) & (cap - 1);
            }
            slots[i] = Slot { key, col, idf };
        }
        KeyTable { slots, shift }
    }

    /// Slot where the probe for `key` starts; prefetched so that a batch of lookups
    /// overlaps its cache misses instead of paying them one after another.
    #[inline]
    pub fn start(&self, key: u64) -> usize {
        let i = home(key, self.shift);
        prefetch(&self.slots[i]);
        i
    }

    /// Column and idf of `key`, if present, probing from `start(key)`.
    #[inline]
    pub fn get_from(&self, key: u64, start: usize) -> Option<(u32, f32)> {
        let mask = self.slots.len() - 1;
        let mut i = start;
        loop {
            let s = self.slots[i];
            if s.col == EMPTY {
                return None;
            }
            if s.key == key {
                return Some((s.col, s.idf));
            }
            i = (i + 1) & mask;
        }
    }
}

/// Column and idf of `key`, if present.
impl KeyTable {
    #[cfg(test)]
    pub fn get(&self, key: u64) -> Option<(u32, f32)> {
        self.get_from(key, home(key, self.shift))
    }
}

/// Hints the CPU to fetch the cache line holding `r`; a no-op where unsupported.
#[inline(always)]
pub(crate) fn prefetch<T>(r: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: prefetching is a hint: it never faults and has no observable effect
    // besides timing, whatever the address.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
            r as *const T as *const i8,
        )
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = r;
}

/// Per-document counter of columns: a small open-addressing map from column to its
/// position in the row, sized to the document (it grows when needed) and reset per
/// document, so it stays in L1 instead of touching a vocabulary-sized array.
#[derive(Debug, Default)]
pub(crate) struct ColumnCounter {
    slots: Vec<(u32, u32)>,
    len: usize,
}

impl ColumnCounter {
    /// Prepares for a document of about `n` features.
    pub fn reset(&mut self, n: usize) {
        let cap = (2 * n).next_power_of_two().max(16);
        self.slots.clear();
        self.slots.resize(cap, (EMPTY, 0));
        self.len = 0;
    }

    /// The position stored for `col`, or stores `next` and returns `None`.
    #[inline(always)]
    pub fn position_or_insert(&mut self, col: u32, next: u32) -> Option<u32> {
        if 2 * (self.len + 1) > self.slots.len() {
            self.grow();
        }
        let mask = self.slots.len() - 1;
        let mut i = (col.wrapping_mul(0x9E37_79B9) as usize) & mask;
        loop {
            let (c, pos) = self.slots[i];
            if c == col {
                return Some(pos);
            }
            if c == EMPTY {
                self.slots[i] = (col, next);
                self.len += 1;
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    #[cold]
    fn grow(&mut self) {
        let old = std::mem::take(&mut self.slots);
        self.slots = vec![(EMPTY, 0); (old.len() * 2).max(16)];
        let mask = self.slots.len() - 1;
        for (c, pos) in old.into_iter().filter(|e| e.0 != EMPTY) {
            let mut i = (c.wrapping_mul(0x9E37_79B9) as usize) & mask;
            while self.slots[i].0 != EMPTY {
                i = (i + 1) & mask;
            }
            self.slots[i] = (c, pos);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_key_and_nothing_else() {
        let keys: Vec<u64> = (0..1000u64)
            .map(|i| i.wrapping_mul(0x1234_5678_9abc_def1))
            .collect();
        let t = KeyTable::build(
            keys.len(),
            keys.iter()
                .enumerate()
                .map(|(i, &k)| (k, i as u32, i as f32)),
        );
        for (i, &k) in keys.iter().enumerate() {
            assert_eq!(t.get(k), Some((i as u32, i as f32)));
        }
        assert_eq!(t.get(42), None);
    }

    #[test]
    fn counter_dedups_columns() {
        let mut c = ColumnCounter::default();
        c.reset(3);
        assert_eq!(c.position_or_insert(7, 0), None);
        assert_eq!(c.position_or_insert(9, 1), None);
        assert_eq!(c.position_or_insert(7, 2), Some(0));
    }

    #[test]
    fn counter_grows_past_its_initial_size() {
        let mut c = ColumnCounter::default();
        c.reset(1);
        for col in 0..1000 {
            assert_eq!(c.position_or_insert(col, col), None);
        }
        for col in 0..1000 {
            assert_eq!(c.position_or_insert(col, 0), Some(col));
        }
    }
}
