//! Drawing the synapses of a projection (NEST's connection rules).
//!
//! Rules defined per target (all_to_all, one_to_one, pairwise_bernoulli, fixed_indegree) draw each
//! target's synapses from a stream keyed by (seed, projection, target), so every partition draws
//! its own targets independently and in parallel. Rules defined per source (fixed_outdegree) use a
//! stream keyed by the source. fixed_total_number first splits its total over blocks of
//! `BLOCK_SIZE` targets (one stream for the projection: multinomial, or multivariate
//! hypergeometric when pairs must be distinct), then each block draws its share from its own
//! stream, in parallel and without the whole projection ever being held at once; blocks, unlike
//! partitions, do not depend on the thread count. Weights and delays are drawn from
//! the same stream, right after the connections of that target, source or block.

use crate::network::{BuildError, ErrorKind, Place, ProjectionDef, Rule};
use crate::rng::{stream, Purpose, Stream};
use rand::seq::index;
use rand::Rng;

/// One drawn synapse: indices within the source and target populations, weight, delay in steps.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Drawn {
    /// Index in the source population.
    pub source: u32,
    /// Index in the target population.
    pub target: u32,
    /// Weight.
    pub weight: f32,
    /// Delay in steps (>= 1).
    pub delay: u16,
}

/// Converts a delay in ms to whole steps, or says why it cannot be one.
pub fn delay_steps(delay_ms: f64, dt: f64) -> Result<u16, String> {
    if !delay_ms.is_finite() {
        return Err(format!(
            "delay must be a finite number of ms (got {delay_ms})"
        ));
    }
    // half a step rounds up, as in NEST: 0.15 ms at dt 0.1 is 2 steps although 0.15 / 0.1 is
    // 1.4999999999999998 in floating point (a relative 1e-9 absorbs the division's error)
    let q = delay_ms / dt;
    let steps = (q + 1e-9 * q.abs().max(1.0)).round();
    if steps < 1.0 {
        return Err(format!(
            "delay {delay_ms} ms is shorter than one time step (dt = {dt} ms); delays must be at least dt"
        ));
    }
    if steps > u16::MAX as f64 {
        return Err(format!(
            "delay {delay_ms} ms is {steps} steps; at most {} steps are supported",
            u16::MAX
        ));
    }
    Ok(steps as u16)
}

struct Ctx<'a> {
    proj: &'a ProjectionDef,
    index: usize,
    dt: f64,
    same_pop: bool,
}

impl<'a> Ctx<'a> {
    fn new(proj: &'a ProjectionDef, index: usize, dt: f64) -> Ctx<'a> {
        Ctx {
            proj,
            index,
            dt,
            same_pop: proj.source == proj.target,
        }
    }

    fn err(&self, field: &str, message: String) -> BuildError {
        BuildError::new(
            ErrorKind::InvalidValue,
            Place::Projection(self.index),
            field,
            message,
        )
        .named(&self.proj.name)
    }

    fn push(
        &self,
        rng: &mut Stream,
        source: u32,
        target: u32,
        out: &mut Vec<Drawn>,
    ) -> Result<(), BuildError> {
        let w = self.proj.weight.sample(rng);
        let d = self.proj.delay.sample(rng);
        let delay = delay_steps(d, self.dt).map_err(|m| self.err("delay", m))?;
        let weight = w as f32;
        if !weight.is_finite() {
            return Err(self.err(
                "weight",
                format!("weight {w} is not a finite 32-bit number"),
            ));
        }
        out.push(Drawn {
            source,
            target,
            weight,
            delay,
        });
        Ok(())
    }
}

/// Draws `k` distinct indices in `0..n`, leaving out `skip` if given.
fn distinct(rng: &mut Stream, n: usize, k: usize, skip: Option<usize>) -> Vec<u32> {
    match skip {
        None => index::sample(rng, n, k)
            .into_iter()
            .map(|i| i as u32)
            .collect(),
        Some(s) => index::sample(rng, n - 1, k)
            .into_iter()
            .map(|i| if i >= s { i + 1 } else { i } as u32)
            .collect(),
    }
}

/// Draws one index in `0..n`, redrawing `skip`.
fn one(rng: &mut Stream, n: usize, skip: Option<usize>) -> u32 {
    loop {
        let i = rng.random_range(0..n);
        if Some(i) != skip {
            return i as u32;
        }
    }
}

/// Draws `k` partners in `0..n` (with repeats when multapses are allowed), never `skip`.
fn partners(
    rng: &mut Stream,
    n: usize,
    k: usize,
    skip: Option<usize>,
    multapses: bool,
) -> Vec<u32> {
    if multapses {
        (0..k).map(|_| one(rng, n, skip)).collect()
    } else {
        distinct(rng, n, k, skip)
    }
}

/// True when the rule draws per target (and so can be drawn partition by partition).
pub fn is_per_target(rule: &Rule) -> bool {
    matches!(
        rule,
        Rule::AllToAll
            | Rule::OneToOne
            | Rule::PairwiseBernoulli { .. }
            | Rule::FixedIndegree { .. }
    )
}

/// Draws the synapses onto targets `targets` (indices in the target population) for a per-target
/// rule. `n_source` is the source population's size.
pub fn draw_per_target(
    proj: &ProjectionDef,
    index: usize,
    seed: u64,
    dt: f64,
    n_source: usize,
    targets: std::ops::Range<usize>,
) -> Result<Vec<Drawn>, BuildError> {
    let ctx = Ctx::new(proj, index, dt);
    let mut out = Vec::new();
    for j in targets {
        let mut rng = stream(seed, Purpose::Connect, index as u64, j as u64);
        let skip = (ctx.same_pop && !proj.allow_autapses).then_some(j);
        match proj.rule {
            Rule::AllToAll => {
                for i in 0..n_source {
                    if Some(i) != skip {
                        ctx.push(&mut rng, i as u32, j as u32, &mut out)?;
                    }
                }
            }
            Rule::OneToOne => {
                if Some(j) != skip {
                    ctx.push(&mut rng, j as u32, j as u32, &mut out)?;
                }
            }
            Rule::PairwiseBernoulli { p } => {
                if p <= 0.0 {
                    continue;
                }
                if p >= 1.0 {
                    for i in 0..n_source {
                        if Some(i) != skip {
                            ctx.push(&mut rng, i as u32, j as u32, &mut out)?;
                        }
                    }
                    continue;
                }
                // geometric skipping: the gap to the next connected source is Geometric(p)
                let log_q = (1.0 - p).ln();
                let mut i: i64 = -1;
                let mut chosen = Vec::new();
                loop {
                    let u: f64 = 1.0 - rng.random::<f64>(); // in (0, 1]
                    let gap = (u.ln() / log_q).floor();
                    if !gap.is_finite() || gap > n_source as f64 {
                        break;
                    }
                    i += 1 + gap as i64;
                    if i >= n_source as i64 {
                        break;
                    }
                    if Some(i as usize) != skip {
                        chosen.push(i as u32);
                    }
                }
                for i in chosen {
                    ctx.push(&mut rng, i, j as u32, &mut out)?;
                }
            }
            Rule::FixedIndegree { indegree } => {
                for i in partners(&mut rng, n_source, indegree, skip, proj.allow_multapses) {
                    ctx.push(&mut rng, i, j as u32, &mut out)?;
                }
            }
            _ => unreachable!("not a per-target rule"),
        }
    }
    Ok(out)
}

/// How many of a fixed_total_number projection's `n` synapses end on each group of targets
/// (`sizes`: the target population's blocks, in order). Every pair (source, target) is
/// equally likely: the counts are multinomial when multapses are allowed and multivariate
/// hypergeometric over the distinct pairs when they are not.
pub fn split_total(
    proj: &ProjectionDef,
    index: usize,
    seed: u64,
    n_source: usize,
    sizes: &[usize],
) -> Vec<usize> {
    use rand_distr::{Binomial, Distribution, Hypergeometric};
    let Rule::FixedTotalNumber { n } = proj.rule else {
        unreachable!("fixed_total_number only")
    };
    let same = proj.source == proj.target && !proj.allow_autapses;
    let per_target = (n_source - usize::from(same && n_source > 0)) as u64;
    let mut rng = stream(seed, Purpose::Connect, index as u64, u64::MAX);
    let mut left = n as u64;
    let mut pairs_left: u64 = sizes.iter().map(|&s| s as u64 * per_target).sum();
    let mut out = Vec::with_capacity(sizes.len());
    for &size in sizes {
        let pairs = size as u64 * per_target;
        let k = if left == 0 || pairs == 0 {
            0
        } else if pairs == pairs_left {
            left
        } else if proj.allow_multapses {
            let p = pairs as f64 / pairs_left as f64;
            Binomial::new(left, p)
                .expect("0 <= p <= 1")
                .sample(&mut rng)
        } else {
            Hypergeometric::new(pairs_left, pairs, left)
                .expect("checked: n is at most the number of distinct pairs")
                .sample(&mut rng)
        };
        out.push(k as usize);
        left -= k;
        pairs_left -= pairs;
    }
    out
}

/// The `count` synapses of a fixed_total_number projection that end on the targets `targets`
/// (the target population's block number `part`), from that block's own stream: each
/// synapse joins a source and a target drawn uniformly (no autapse unless autapses are allowed,
/// and no repeated pair unless multapses are).
#[allow(clippy::too_many_arguments)]
pub fn draw_total_in(
    proj: &ProjectionDef,
    index: usize,
    seed: u64,
    dt: f64,
    n_source: usize,
    targets: std::ops::Range<usize>,
    count: usize,
    part: usize,
) -> Result<Vec<Drawn>, BuildError> {
    let ctx = Ctx::new(proj, index, dt);
    let mut rng = stream(
        seed,
        Purpose::Connect,
        index as u64,
        u64::MAX - 1 - part as u64,
    );
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        let i = rng.random_range(0..n_source) as u32;
        let j = rng.random_range(targets.clone()) as u32;
        if ctx.same_pop && !proj.allow_autapses && i == j {
            continue;
        }
        if !proj.allow_multapses && !seen.insert((i, j)) {
            continue;
        }
        ctx.push(&mut rng, i, j, &mut out)?;
    }
    Ok(out)
}

/// Draws all synapses of a per-source or explicit rule (fixed_total_number: [`split_total`] and
/// [`draw_total_in`]), keeping those whose target `keep` accepts (a process of a distributed run
/// keeps its own; every synapse is drawn, so the random stream is the same in every process).
pub fn draw_global(
    proj: &ProjectionDef,
    index: usize,
    seed: u64,
    dt: f64,
    n_source: usize,
    n_target: usize,
    keep: &dyn Fn(u32) -> bool,
) -> Result<Vec<Drawn>, BuildError> {
    let ctx = Ctx::new(proj, index, dt);
    let mut out = Vec::new();
    match &proj.rule {
        Rule::FixedOutdegree { outdegree } => {
            for i in 0..n_source {
                let mut rng = stream(seed, Purpose::Connect, index as u64, i as u64);
                let skip = (ctx.same_pop && !proj.allow_autapses).then_some(i);
                for j in partners(&mut rng, n_target, *outdegree, skip, proj.allow_multapses) {
                    // (a synapse that is not kept is drawn all the same: the stream goes on)
                    ctx.push(&mut rng, i as u32, j, &mut out)?;
                    if !keep(j) {
                        out.pop();
                    }
                }
            }
        }
        Rule::Explicit {
            sources,
            targets,
            weights,
            delays,
        } => {
            let mut rng = stream(seed, Purpose::Connect, index as u64, u64::MAX);
            for k in 0..sources.len() {
                let (i, j) = (sources[k], targets[k]);
                let w = match weights {
                    Some(w) => w[k],
                    None => proj.weight.sample(&mut rng),
                };
                let d = match delays {
                    Some(d) => d[k],
                    None => proj.delay.sample(&mut rng),
                };
                // drawn values are checked here; listed ones, checked when the projection was
                // added, always pass
                let delay =
                    delay_steps(d, dt).map_err(|m| ctx.err("delay", format!("row {k}: {m}")))?;
                if !(w as f32).is_finite() {
                    return Err(ctx.err(
                        "weight",
                        format!("row {k}: weight {w} is not a finite 32-bit number"),
                    ));
                }
                if keep(j) {
                    out.push(Drawn {
                        source: i,
                        target: j,
                        weight: w as f32,
                        delay,
                    });
                }
            }
        }
        _ => unreachable!("per-target rule or fixed_total_number"),
    }
    Ok(out)
}

#[cfg(test)]
#[path = "connect_tests.rs"]
mod tests;
