//! Reward-modulated STDP learns to raise the firing of the rewarded group: the
//! `reward_group` example (Izhikevich 2007 style instrumental conditioning) for 320 s of
//! biological time, rewarding A and then B from the same network and seed.

#[path = "../examples/reward_group.rs"]
mod reward_group;

use reward_group::{experiment, BLOCK_S};

#[test]
fn the_rewarded_group_learns_to_fire_more_and_the_other_does_not() {
    let seconds = 8.0 * BLOCK_S;
    for reward_a in [true, false] {
        let o = experiment(seconds, reward_a, 1).unwrap();
        let pick = |r: &(f64, f64)| if reward_a { *r } else { (r.1, r.0) };
        let (first, last) = (pick(&o.rates[0]), pick(o.rates.last().unwrap()));
        let what = if reward_a {
            "rewarding A"
        } else {
            "rewarding B"
        };
        // (rewarded, other) rates in the first and last 40 s
        assert!(
            last.0 > 1.3 * first.0,
            "{what}: the rewarded group went from {:.2} to {:.2} Hz",
            first.0,
            last.0
        );
        assert!(
            last.1 < 1.05 * first.1,
            "{what}: the other group went from {:.2} to {:.2} Hz",
            first.1,
            last.1
        );
        // rewards stay about one window in six: the reward is relative to the recent mean
        let fraction = o.rewards as f64 / o.windows as f64;
        assert!((0.12..0.22).contains(&fraction), "{what}: {fraction}");
        let w = if reward_a {
            o.mean_weight
        } else {
            (o.mean_weight.1, o.mean_weight.0)
        };
        assert!(w.0 > w.1 + 0.3, "{what}: mean weights {w:?} mV");
    }
}
