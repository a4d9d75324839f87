//! Stratified k-fold splits: each class's rows are shuffled (seeded) and dealt round-robin
//! to the folds, so every fold keeps the class proportions (scikit-learn's `StratifiedKFold`).

use super::SplitMix64;

/// Test-row indices of each of `k` folds, stratified by `classes` (one class per row).
pub fn stratified_folds(classes: &[usize], k: usize, seed: u64) -> Vec<Vec<usize>> {
    let n_classes = classes.iter().max().map_or(0, |m| m + 1);
    let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); n_classes];
    for (i, &c) in classes.iter().enumerate() {
        by_class[c].push(i);
    }
    let mut rng = SplitMix64::new(seed);
    let mut folds = vec![Vec::new(); k];
    let mut next = 0;
    for rows in &mut by_class {
        rng.shuffle(rows);
        for &r in rows.iter() {
            folds[next % k].push(r);
            next += 1;
        }
    }
    folds.iter_mut().for_each(|f| f.sort_unstable());
    folds
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_partition_rows_and_keep_proportions() {
        let classes: Vec<usize> = (0..100).map(|i| if i < 70 { 0 } else { 1 }).collect();
        let folds = stratified_folds(&classes, 10, 1);
        let mut all: Vec<usize> = folds.concat();
        all.sort_unstable();
        assert_eq!(all, (0..100).collect::<Vec<_>>());
        for f in &folds {
            assert_eq!(f.len(), 10);
            assert_eq!(f.iter().filter(|&&r| classes[r] == 1).count(), 3);
        }
    }

    #[test]
    fn same_seed_same_folds() {
        let classes = vec![0, 1, 0, 1, 0, 1, 2, 2, 2];
        assert_eq!(
            stratified_folds(&classes, 3, 5),
            stratified_folds(&classes, 3, 5)
        );
        assert_ne!(
            stratified_folds(&classes, 3, 5),
            stratified_folds(&classes, 3, 6)
        );
    }
}
