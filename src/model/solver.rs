//! Dual coordinate descent for L2-regularised linear classifiers on sparse rows, as in
//! LIBLINEAR: the L2-loss (squared hinge) SVM of Hsieh et al. (ICML 2008) with shrinking,
//! and logistic regression of Yu, Huang and Lin (Machine Learning 85, 2011), which solves
//! each one-variable sub-problem with a safeguarded Newton step.
//!
//! Both minimise `0.5 |w|² + Σ C_i loss(y_i w·x_i)`; the bias is a regularised extra
//! feature of constant value 1 (LIBLINEAR's `-B 1`, scikit-learn's `intercept_scaling=1`).

use super::rng::SplitMix64;

/// Rows in compressed sparse row form.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rows<'a> {
    // (fields are public so a caller can swap in rescaled values)
    pub indptr: &'a [usize],
    pub indices: &'a [usize],
    pub values: &'a [f32],
    pub n_features: usize,
}

impl Rows<'_> {
    #[inline]
    fn row(&self, i: usize) -> (&[usize], &[f32]) {
        let (a, b) = (self.indptr[i], self.indptr[i + 1]);
        (&self.indices[a..b], &self.values[a..b])
    }

    fn n_rows(&self) -> usize {
        self.indptr.len() - 1
    }
}

/// The loss being minimised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Loss {
    /// Logistic regression: `log(1 + exp(-y w·x))`; gives probabilities.
    Logistic,
    /// L2-loss linear SVM: `max(0, 1 - y w·x)²` (scikit-learn's `LinearSVC` default).
    SquaredHinge,
}

/// Solver controls.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Control {
    pub tol: f64,
    pub max_iter: usize,
    pub seed: u64,
}

/// A trained binary classifier: weights and bias, and how many passes it took.
#[derive(Debug, Clone)]
pub(crate) struct Solution {
    pub w: Vec<f64>,
    pub bias: f64,
    pub iterations: usize,
}

#[inline]
fn dot(w: &[f64], bias: f64, idx: &[usize], val: &[f32]) -> f64 {
    let mut s = bias;
    for (&j, &v) in idx.iter().zip(val) {
        s += w[j] * v as f64;
    }
    s
}

#[inline]
fn axpy(w: &mut [f64], bias: &mut f64, a: f64, idx: &[usize], val: &[f32]) {
    for (&j, &v) in idx.iter().zip(val) {
        w[j] += a * v as f64;
    }
    *bias += a;
}

fn squared_norms(x: &Rows) -> Vec<f64> {
    (0..x.n_rows())
        .map(|i| {
            1.0 + x
                .row(i)
                .1
                .iter()
                .map(|&v| (v as f64) * (v as f64))
                .sum::<f64>()
        })
        .collect()
}

/// Trains a binary classifier; `y[i]` is `true` for the positive class, `c[i]` is the
/// example's cost (C times its class weight).
pub(crate) fn solve(x: Rows, y: &[bool], c: &[f64], loss: Loss, ctl: Control) -> Solution {
    match loss {
        Loss::SquaredHinge => svm_l2(x, y, c, ctl),
        Loss::Logistic => logistic(x, y, c, ctl),
    }
}

fn svm_l2(x: Rows, y: &[bool], c: &[f64], ctl: Control) -> Solution {
    let l = x.n_rows();
    let mut w = vec![0.0; x.n_features];
    let mut bias = 0.0;
    let mut alpha = vec![0.0f64; l];
    let diag: Vec<f64> = c.iter().map(|&ci| 0.5 / ci).collect();
    let qd: Vec<f64> = squared_norms(&x)
        .iter()
        .zip(&diag)
        .map(|(q, d)| q + d)
        .collect();
    let mut index: Vec<usize> = (0..l).collect();
    let mut active = l;
    let mut rng = SplitMix64::new(ctl.seed);
    // The upper bound is infinite for the L2 loss, so only the lower side shrinks.
    let mut pg_max_old = f64::INFINITY;
    let mut iter = 0;
    while iter < ctl.max_iter {
        let (mut pg_max, mut pg_min) = (f64::NEG_INFINITY, f64::INFINITY);
        for s in 0..active {
            let j = s + rng.below(active - s);
            index.swap(s, j);
        }
        let mut s = 0;
        while s < active {
            let i = index[s];
            let yi = if y[i] { 1.0 } else { -1.0 };
            let (idx, val) = x.row(i);
            let g = yi * dot(&w, bias, idx, val) - 1.0 + alpha[i] * diag[i];
            let mut pg = 0.0;
            if alpha[i] == 0.0 {
                if g > pg_max_old {
                    active -= 1;
                    index.swap(s, active);
                    continue;
                } else if g < 0.0 {
                    pg = g;
                }
            } else {
                pg = g;
            }
            pg_max = pg_max.max(pg);
            pg_min = pg_min.min(pg);
            if pg.abs() > 1e-12 {
                let old = alpha[i];
                alpha[i] = (old - g / qd[i]).max(0.0);
                axpy(&mut w, &mut bias, (alpha[i] - old) * yi, idx, val);
            }
            s += 1;
        }
        iter += 1;
        if pg_max - pg_min <= ctl.tol {
            if active == l {
                break;
            }
            active = l;
            pg_max_old = f64::INFINITY;
            continue;
        }
        pg_max_old = if pg_max <= 0.0 { f64::INFINITY } else { pg_max };
    }
    Solution {
        w,
        bias,
        iterations: iter,
    }
}

fn logistic(x: Rows, y: &[bool], c: &[f64], ctl: Control) -> Solution {
    let l = x.n_rows();
    let mut w = vec![0.0; x.n_features];
    let mut bias = 0.0;
    // alpha[2i] is the dual variable, alpha[2i+1] = C_i - alpha[2i].
    let mut alpha = vec![0.0f64; 2 * l];
    for i in 0..l {
        alpha[2 * i] = (1e-3 * c[i]).min(1e-8);
        alpha[2 * i + 1] = c[i] - alpha[2 * i];
        let yi = if y[i] { 1.0 } else { -1.0 };
        let (idx, val) = x.row(i);
        axpy(&mut w, &mut bias, yi * alpha[2 * i], idx, val);
    }
    let xtx = squared_norms(&x);
    let mut index: Vec<usize> = (0..l).collect();
    let mut rng = SplitMix64::new(ctl.seed);
    let inner_eps_min = ctl.tol.min(1e-8);
    let mut inner_eps = 1e-2;
    const MAX_INNER: usize = 100;
    let mut iter = 0;
    while iter < ctl.max_iter {
        for s in 0..l {
            let j = s + rng.below(l - s);
            index.swap(s, j);
        }
        let mut newton_iter = 0;
        let mut g_max = 0.0f64;
        for &i in &index {
            let yi = if y[i] { 1.0 } else { -1.0 };
            let ci = c[i];
            let (idx, val) = x.row(i);
            let a = xtx[i];
            let b = yi * dot(&w, bias, idx, val);
            let (mut ind1, mut ind2, mut sign) = (2 * i, 2 * i + 1, 1.0);
            if 0.5 * a * (alpha[ind2] - alpha[ind1]) + b < 0.0 {
                ind1 = 2 * i + 1;
                ind2 = 2 * i;
                sign = -1.0;
            }
            let alpha_old = alpha[ind1];
            let mut z = alpha_old;
            if ci - z < 0.5 * ci {
                z *= 0.1;
            }
            let mut gp = a * (z - alpha_old) + sign * b + (z / (ci - z)).ln();
            g_max = g_max.max(gp.abs());
            let mut inner = 0;
            while inner <= MAX_INNER {
                if gp.abs() < inner_eps {
                    break;
                }
                let gpp = a + ci / (ci - z) / z;
                let tmpz = z - gp / gpp;
                z = if tmpz <= 0.0 { z * 0.1 } else { tmpz };
                gp = a * (z - alpha_old) + sign * b + (z / (ci - z)).ln();
                newton_iter += 1;
                inner += 1;
            }
            if inner > 0 {
                alpha[ind1] = z;
                alpha[ind2] = ci - z;
                axpy(&mut w, &mut bias, sign * (z - alpha_old) * yi, idx, val);
            }
        }
        iter += 1;
        if g_max < ctl.tol {
            break;
        }
        if newton_iter <= l / 10 {
            inner_eps = inner_eps_min.max(0.1 * inner_eps);
        }
    }
    Solution {
        w,
        bias,
        iterations: iter,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two separable clusters in two features.
    fn toy() -> (Vec<usize>, Vec<usize>, Vec<f32>, Vec<bool>) {
        let pts = [
            (1.0, 0.1),
            (0.9, 0.0),
            (0.8, 0.2),
            (0.1, 1.0),
            (0.0, 0.9),
            (0.2, 0.8),
        ];
        let mut indptr = vec![0];
        let mut indices = vec![];
        let mut values = vec![];
        for (a, b) in pts {
            indices.extend([0, 1]);
            values.extend([a, b]);
            indptr.push(indices.len());
        }
        (
            indptr,
            indices,
            values,
            vec![true, true, true, false, false, false],
        )
    }

    fn primal(loss: Loss, w: &[f64], bias: f64, x: Rows, y: &[bool], c: f64) -> f64 {
        let reg = 0.5 * (w.iter().map(|v| v * v).sum::<f64>() + bias * bias);
        let mut sum = 0.0;
        for i in 0..x.n_rows() {
            let (idx, val) = x.row(i);
            let m = if y[i] { 1.0 } else { -1.0 } * dot(w, bias, idx, val);
            sum += match loss {
                Loss::Logistic => (1.0 + (-m).exp()).ln(),
                Loss::SquaredHinge => (1.0 - m).max(0.0).powi(2),
            };
        }
        reg + c * sum
    }

    #[test]
    fn both_losses_separate_a_separable_problem() {
        let (p, i, v, y) = toy();
        let x = Rows {
            indptr: &p,
            indices: &i,
            values: &v,
            n_features: 2,
        };
        for loss in [Loss::Logistic, Loss::SquaredHinge] {
            let sol = solve(
                x,
                &y,
                &[10.0; 6],
                loss,
                Control {
                    tol: 1e-6,
                    max_iter: 1000,
                    seed: 1,
                },
            );
            for r in 0..6 {
                let (idx, val) = x.row(r);
                assert_eq!(
                    dot(&sol.w, sol.bias, idx, val) > 0.0,
                    y[r],
                    "{loss:?} row {r}"
                );
            }
        }
    }

    #[test]
    fn reaches_the_primal_optimum() {
        // At the optimum, no small step in any direction lowers the primal objective.
        let (p, i, v, y) = toy();
        let x = Rows {
            indptr: &p,
            indices: &i,
            values: &v,
            n_features: 2,
        };
        for loss in [Loss::Logistic, Loss::SquaredHinge] {
            let sol = solve(
                x,
                &y,
                &[1.0; 6],
                loss,
                Control {
                    tol: 1e-8,
                    max_iter: 10_000,
                    seed: 7,
                },
            );
            let f0 = primal(loss, &sol.w, sol.bias, x, &y, 1.0);
            for d in 0..3 {
                for eps in [1e-3, -1e-3] {
                    let mut w = sol.w.clone();
                    let mut b = sol.bias;
                    if d < 2 {
                        w[d] += eps
                    } else {
                        b += eps
                    }
                    assert!(
                        primal(loss, &w, b, x, &y, 1.0) >= f0 - 1e-7,
                        "{loss:?} dir {d} {eps}"
                    );
                }
            }
        }
    }

    #[test]
    fn same_seed_same_weights() {
        let (p, i, v, y) = toy();
        let x = Rows {
            indptr: &p,
            indices: &i,
            values: &v,
            n_features: 2,
        };
        let ctl = Control {
            tol: 1e-3,
            max_iter: 50,
            seed: 3,
        };
        let a = solve(x, &y, &[1.0; 6], Loss::Logistic, ctl);
        let b = solve(x, &y, &[1.0; 6], Loss::Logistic, ctl);
        assert_eq!(a.w, b.w);
    }
}
