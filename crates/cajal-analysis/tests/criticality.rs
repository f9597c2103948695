//! Criticality measures on processes with a known branching ratio.

use cajal_analysis::avalanche::{branching_process, galton_watson_sizes, subsample};
use cajal_analysis::branching::branching_ratio;
use cajal_analysis::powerlaw::fit;

/// Wilting & Priesemann (2018): with 5 % of the units observed, the MR estimator recovers m,
/// while the conventional lag-1 regression is biased towards 0 by the subsampling factor b
/// (b = 0.22 at m = 0.9 and 0.60 at m = 0.98 here).
#[test]
fn mr_estimator_recovers_m_under_subsampling() {
    for (k, &(m, h, a0, k_max)) in [
        (0.9, 1000.0, 10_000, 40),
        (0.98, 200.0, 10_000, 150),
        (1.0, 50.0, 10_000, 150),
    ]
    .iter()
    .enumerate()
    {
        let full = branching_process(m, h, a0, 100_000, 11 + k as u64);
        let seen = subsample(&full, 0.05, 99 + k as u64);
        let x: Vec<f64> = seen.iter().map(|&v| v as f64).collect();
        let b = branching_ratio(&x, k_max);
        println!(
            "m = {m}: MR {:.4} (b {:.3}), conventional {:.4}",
            b.mr, b.mr_b, b.conventional
        );
        assert!((b.mr - m).abs() < 0.01, "m = {m}: MR gave {}", b.mr);
        if m < 1.0 {
            assert!(
                m - b.conventional > 0.05,
                "m = {m}: the conventional estimate {} should be biased low",
                b.conventional
            );
        }
        // At m = 1 the driven process is not stationary: its activity drifts and the variance of
        // the drift swamps the sampling noise, so b -> 1 and both estimators find m.
        // Fully observed, the two agree.
        let xf: Vec<f64> = full.iter().map(|&v| v as f64).collect();
        let bf = branching_ratio(&xf, k_max);
        assert!(
            (bf.conventional - m).abs() < 0.01,
            "fully observed m = {m}: {}",
            bf.conventional
        );
    }
}

/// The avalanche sizes of a critical branching process follow P(s) ~ s^−3/2.
#[test]
fn critical_branching_avalanche_sizes_have_exponent_three_halves() {
    let sizes = galton_watson_sizes(1.0, 20_000, 1_000_000, 5);
    let f = fit(&sizes, None, 100).expect("enough avalanches");
    println!("{f:?}");
    assert!((f.alpha - 1.5).abs() < 0.1, "alpha {}", f.alpha);
    // A subcritical process has a steeper (exponentially cut) distribution.
    let sub = galton_watson_sizes(0.8, 20_000, 1_000_000, 5);
    let fs = fit(&sub, None, 100).expect("enough avalanches");
    assert!(fs.alpha > 1.7, "subcritical alpha {}", fs.alpha);
}
