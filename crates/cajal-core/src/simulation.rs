//! Building a network into partitions and running it in min-delay intervals.

use crate::balance::{split, Balance, Group};
use crate::connect::{
    check_rule, delay_steps, draw_global, draw_per_target, draw_total_in, is_per_target,
    split_total, Drawn,
};
use crate::homeostasis::{AstrocyteState, ThresholdRule};
use crate::input::{CurrentDrive, PoissonDrive, PoissonSampler};
use crate::network::{BuildError, InputKind, NetworkDef, Place, Rule};
use crate::neuron::{Dynamics, ModelKind};
use crate::partition::{deliver, Partition, Spike, StateBuffer, BLOCK_SIZE};
use crate::plasticity::{OjaProjection, PlasticProjection};
use crate::rng::{stream, Purpose};
use crate::synapses::{Csr, Synapse};
use rayon::prelude::*;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A state variable became NaN or infinite: the model is numerically unstable.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error(
    "population '{population}', neuron {neuron}: {variable} is {value} at t = {time_ms} ms \
     (all state was finite at t = {last_finite_ms} ms); the model is numerically unstable \
     there: lower dt, the weights or the input currents, or check the neuron parameters"
)]
pub struct NumericalError {
    /// Population name.
    pub population: String,
    /// Neuron index within the population.
    pub neuron: usize,
    /// State variable.
    pub variable: String,
    /// Its value (NaN or ±inf).
    pub value: f64,
    /// Time of the last check that found every value finite (ms).
    pub last_finite_ms: f64,
    /// Time at which the value was found (ms).
    pub time_ms: f64,
}

/// Spikes could not be added to a spike generator (see [`Simulation::add_spike_times`]).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("adding spikes to population '{population}', neuron {neuron}: {message}")]
pub struct ScheduleError {
    /// Population name (or index, when there is no such population).
    pub population: String,
    /// Neuron index within the population.
    pub neuron: usize,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// What the simulation knows about a population.
#[derive(Clone, Debug)]
pub struct PopulationInfo {
    /// Name.
    pub name: String,
    /// Model.
    pub kind: ModelKind,
    /// Number of neurons.
    pub size: usize,
    /// Global id of its first neuron.
    pub first_gid: u32,
    /// Its partitions: `partitions.start..partitions.end`.
    pub partitions: std::ops::Range<usize>,
}

/// Recorded spikes of one population, ordered by time then sender.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SpikeTrains {
    /// Spike times (ms).
    pub times: Vec<f64>,
    /// Senders (index within the population).
    pub senders: Vec<u32>,
}

/// Sampled state of one population, ordered by time then sender (NEST multimeter layout).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StateTrace {
    /// Sample times (ms), one entry per (time, neuron).
    pub times: Vec<f64>,
    /// Neuron index within the population, one entry per (time, neuron).
    pub senders: Vec<u32>,
    /// One array per variable, aligned with `times`.
    pub variables: Vec<(String, Vec<f64>)>,
}

/// Summary statistics of one population over the simulated time.
#[derive(Clone, Debug, PartialEq)]
pub struct PopulationStats {
    /// Spikes emitted by all its neurons.
    pub spikes: u64,
    /// Mean rate per neuron (Hz).
    pub rate_hz: f64,
    /// Mean over neurons with at least 3 spikes of std(ISI)/mean(ISI); NaN if none.
    pub cv_isi: f64,
}

/// A built network, ready to run.
pub struct Simulation {
    pub(crate) dt: f64,
    pub(crate) seed: u64,
    pub(crate) step: u64,
    pub(crate) interval: u64,
    pub(crate) populations: Vec<PopulationInfo>,
    pub(crate) partitions: Vec<Partition>,
    /// The partitions grouped, with their static synapses.
    pub(crate) groups: Vec<Group>,
    /// How the threads share the work of an interval (several threads only; kept from run to
    /// run, with its measurements).
    pub(crate) balance: Option<Balance>,
    pub(crate) pending: Vec<Spike>,
    pub(crate) pool: Arc<rayon::ThreadPool>,
    pub(crate) threads: usize,
    pub(crate) synapses: u64,
}

/// The stored form of a drawn synapse: its global source and the synapse with a partition-local
/// target.
fn pair(src_first_gid: u32, d: &Drawn, offset: u32) -> (u32, Synapse) {
    (
        src_first_gid + d.source,
        Synapse {
            weight: d.weight,
            target: (d.target - offset) as u16,
            delay: d.delay,
        },
    )
}

/// The synapses of a static projection whose weights are recorded, as built on one partition.
#[derive(Clone, Debug, Default)]
pub struct RecordedStatic {
    /// Projection index.
    pub projection: usize,
    /// `(source index, local target, weight, delay steps)`.
    pub synapses: Vec<(u32, u16, f32, u16)>,
}

/// Weights of one projection: every synapse, now and at each recorded time.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProjectionWeights {
    /// Source neuron (index within the source population) of each synapse.
    pub sources: Vec<u32>,
    /// Target neuron (index within the target population) of each synapse.
    pub targets: Vec<u32>,
    /// Delay of each synapse (ms).
    pub delays_ms: Vec<f64>,
    /// Weights now (every event so far applied).
    pub weights: Vec<f64>,
    /// Times of the snapshots (ms).
    pub times_ms: Vec<f64>,
    /// One row of weights per snapshot, aligned with `sources`.
    pub history: Vec<Vec<f64>>,
}

/// About how many synapses a per-target rule makes onto `n` targets (to reserve memory once): the
/// expected count, with a margin of about 4 standard deviations where it is random.
fn expected_synapses(rule: &Rule, n_source: usize, n: usize) -> usize {
    let m = crate::memory::expected(rule, n_source, n);
    match rule {
        Rule::PairwiseBernoulli { .. } => (m + 4.0 * m.sqrt() + 16.0) as usize,
        Rule::AllToAll | Rule::OneToOne | Rule::FixedIndegree { .. } => m as usize,
        _ => 0,
    }
}

/// Wall seconds between two calls of a run's progress. Each return to the caller for one costs
/// the threads a hand-over (on two threads, the loop moves out of the pool and back in).
const PROGRESS_EVERY_S: f64 = 0.1;

/// What a run carries from interval to interval.
struct RunState {
    /// Step at which the run ends.
    end: u64,
    /// Steps between non-finite checks (1 ms).
    check_every: u64,
    /// Step of the last clean check.
    last_check: u64,
    /// Periods at which intervals must end (plasticity flushes and snapshots).
    cuts: Vec<u64>,
    /// Spikes emitted in the last interval, to be delivered at the start of the next.
    pending: Vec<Spike>,
}

fn grid_steps(t: f64, dt: f64) -> Option<u64> {
    let s = t / dt;
    let r = s.round();
    ((s - r).abs() <= 1e-6 * r.max(1.0) && r >= 0.0).then_some(r as u64)
}

fn time_steps(place: &Place, field: &str, t: f64, dt: f64) -> Result<u64, BuildError> {
    if t == f64::INFINITY {
        return Ok(u64::MAX);
    }
    if !(t.is_finite() && t >= 0.0) {
        return Err(BuildError::new(
            place.clone(),
            field,
            format!("must be a time >= 0 ms (got {t})"),
        ));
    }
    Ok((t / dt).round() as u64)
}

impl Simulation {
    /// Builds `def` on `threads` worker threads (0: as many as cores).
    pub fn build(def: &NetworkDef, threads: usize) -> Result<Simulation, BuildError> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| BuildError::new(Place::Network, "threads", e.to_string()))?;
        let threads = pool.current_num_threads();
        pool.install(|| Self::build_in_pool(def, threads)).map(
            |(populations, partitions, groups, interval, synapses)| Simulation {
                dt: def.dt,
                seed: def.seed,
                step: 0,
                interval,
                populations,
                partitions,
                groups,
                balance: None,
                pending: Vec::new(),
                pool: Arc::new(pool),
                threads,
                synapses,
            },
        )
    }

    #[allow(clippy::type_complexity)]
    fn build_in_pool(
        def: &NetworkDef,
        threads: usize,
    ) -> Result<(Vec<PopulationInfo>, Vec<Partition>, Vec<Group>, u64, u64), BuildError> {
        let dt = def.dt;
        if !(dt.is_finite() && dt > 0.0) {
            return Err(BuildError::new(
                Place::Network,
                "dt",
                format!("dt must be > 0 ms (got {dt})"),
            ));
        }
        // populations and partitions
        let mut populations = Vec::new();
        let mut partitions = Vec::new();
        let mut gid: u64 = 0;
        let mut block: u64 = 0; // global block index: the key of a block's Poisson stream
        let layout = crate::layout::partition_sizes(def, threads);
        for (pi, pop) in def.populations.iter().enumerate() {
            let place = Place::Population(pi);
            if def.populations[..pi].iter().any(|q| q.name == pop.name) {
                return Err(BuildError::new(
                    place,
                    "name",
                    format!("population name '{}' is used twice", pop.name),
                ));
            }
            if pop.size == 0 {
                return Err(BuildError::new(place, "size", "size must be at least 1"));
            }
            let initial = Self::initial_values(def, pi)?;
            let gen_steps = Self::generator_steps(def, pi)?;
            let first = partitions.len();
            let mut offset = 0usize;
            for &n in &layout[pi] {
                let mut dynamics = Dynamics::new(pop.kind, &pop.params, n, dt).map_err(|e| {
                    BuildError::new(place.clone(), format!("params.{}", e.param), e.message)
                })?;
                let threshold = match &pop.threshold {
                    None => None,
                    Some(th) => {
                        if !pop.kind.has_theta() {
                            return Err(BuildError::new(
                                place,
                                "threshold",
                                format!(
                                    "{} has no movable threshold; use an integrate-and-fire \
                                     model (iaf_psc_delta, iaf_psc_exp, iaf_psc_alpha, \
                                     iaf_cond_exp)",
                                    pop.kind.name()
                                ),
                            ));
                        }
                        th.validate().map_err(|(f, m)| {
                            BuildError::new(place.clone(), format!("threshold.{f}"), m)
                        })?;
                        dynamics.theta_mut();
                        Some(ThresholdRule::new(th, dt))
                    }
                };
                for (name, values) in &initial {
                    dynamics
                        .variable_mut(name)
                        .expect("checked")
                        .copy_from_slice(&values[offset..offset + n]);
                }
                if let (Dynamics::SpikeGenerator(g), Some(steps)) = (&mut dynamics, &gen_steps) {
                    g.steps = steps[offset..offset + n].to_vec();
                }
                let rng = (0..n.div_ceil(BLOCK_SIZE))
                    .map(|b| stream(def.seed, Purpose::Poisson, block + b as u64, 0))
                    .collect();
                block += n.div_ceil(BLOCK_SIZE) as u64;
                let mut part = Partition::new(
                    pi,
                    offset as u32,
                    (gid + offset as u64) as u32,
                    dynamics,
                    n,
                    rng,
                );
                part.threshold = threshold;
                partitions.push(part);
                offset += n;
            }
            populations.push(PopulationInfo {
                name: pop.name.clone(),
                kind: pop.kind,
                size: pop.size,
                first_gid: gid as u32,
                partitions: first..partitions.len(),
            });
            gid += pop.size as u64;
            if gid > u32::MAX as u64 {
                return Err(BuildError::new(
                    place,
                    "size",
                    "more than 2^32 neurons in total",
                ));
            }
        }
        let n_nodes = gid as usize;

        for (ai, astro) in def.astrocytes.iter().enumerate() {
            let place = Place::Astrocyte(ai);
            astro
                .validate(dt)
                .map_err(|(f, m)| BuildError::new(place.clone(), f, m))?;
            for (field, list) in [("liquid", &astro.liquid), ("input", &astro.input)] {
                if list.iter().any(|&p| p >= populations.len()) {
                    return Err(BuildError::new(place, field, "unknown population"));
                }
            }
        }
        let astro_ranges = |list: &[usize]| -> Vec<(u32, u32)> {
            list.iter()
                .map(|&p| (populations[p].first_gid, populations[p].size as u32))
                .collect()
        };

        // synapses: projections are checked and global rules drawn first; then each target
        // partition draws its per-target projections in projection order and turns its pairs
        // into its CSR at once, so that only the partitions being built hold 12-byte pairs
        let mut global: Vec<Vec<(usize, Vec<(u32, Synapse)>)>> = vec![Vec::new(); partitions.len()];
        // fixed_total_number: per projection, the synapses ending on each block of BLOCK_SIZE
        // targets (blocks, unlike partitions, do not depend on the thread count)
        let mut totals: Vec<Option<Vec<usize>>> = vec![None; def.projections.len()];
        let mut targeting: Vec<Vec<usize>> = vec![Vec::new(); populations.len()];
        for (ji, proj) in def.projections.iter().enumerate() {
            let place = Place::Projection(ji);
            let (Some(src), Some(tgt)) =
                (populations.get(proj.source), populations.get(proj.target))
            else {
                return Err(BuildError::new(place, "source", "unknown population"));
            };
            if tgt.kind.is_source() {
                return Err(BuildError::new(
                    place,
                    "target",
                    format!(
                        "'{}' is a {} and cannot receive synapses",
                        tgt.name,
                        tgt.kind.name()
                    ),
                ));
            }
            proj.weight
                .validate()
                .map_err(|m| BuildError::new(place.clone(), "weight", m))?;
            proj.delay
                .validate()
                .map_err(|m| BuildError::new(place.clone(), "delay", m))?;
            if proj.delay.range().1 < dt * 0.5 {
                return Err(BuildError::new(
                    place,
                    "delay",
                    format!(
                        "delays must be at least dt = {dt} ms (got at most {} ms)",
                        proj.delay.range().1
                    ),
                ));
            }
            check_rule(proj, ji, src.size, tgt.size)?;
            if let Some(rule) = &proj.plasticity {
                Self::check_plastic(proj, ji, rule, &populations)?;
            }
            Self::check_learning(def, proj, ji)?;
            if let Some(every) = proj.record_weights {
                if every.is_nan()
                    || every <= 0.0
                    || (every.is_finite() && grid_steps(every, dt).is_none())
                {
                    return Err(BuildError::new(
                        place,
                        "record_weights",
                        format!(
                            "the weight recording interval must be a positive multiple of \
                             dt = {dt} ms (got {every})"
                        ),
                    ));
                }
            }
            targeting[proj.target].push(ji);
            if let Rule::FixedTotalNumber { .. } = proj.rule {
                let sizes: Vec<usize> = (0..tgt.size)
                    .step_by(BLOCK_SIZE)
                    .map(|lo| BLOCK_SIZE.min(tgt.size - lo))
                    .collect();
                totals[ji] = Some(split_total(proj, ji, def.seed, src.size, &sizes));
            } else if !is_per_target(&proj.rule) {
                let tparts = tgt.partitions.clone();
                for part in tparts.clone() {
                    global[part].push((ji, Vec::new()));
                }
                // the partitions of a population differ in size (the layout cuts thread shares
                // across populations): a target's is the last one starting at or before it
                let starts: Vec<u32> = partitions[tparts.clone()]
                    .iter()
                    .map(|p| p.offset)
                    .collect();
                for d in draw_global(proj, ji, def.seed, dt, src.size, tgt.size)? {
                    let part = tparts.start + starts.partition_point(|&o| o <= d.target) - 1;
                    let offset = partitions[part].offset;
                    let bucket = &mut global[part].last_mut().expect("pushed above").1;
                    bucket.push(pair(src.first_gid, &d, offset));
                }
            }
        }
        #[allow(clippy::type_complexity)]
        let built: Vec<
            Result<
                (
                    Csr,
                    Vec<PlasticProjection>,
                    Vec<OjaProjection>,
                    Vec<RecordedStatic>,
                ),
                BuildError,
            >,
        > = {
            // largest expected synapse count first, each thread taking the next when free
            let per_neuron = crate::layout::synapses_per_neuron(def);
            let expected: Vec<f64> = partitions
                .iter()
                .map(|p| p.len() as f64 * per_neuron[p.population])
                .collect();
            let mut order: Vec<usize> = (0..partitions.len()).collect();
            order.sort_by(|&a, &b| expected[b].total_cmp(&expected[a]).then(a.cmp(&b)));
            let global: Vec<std::sync::Mutex<_>> =
                global.into_iter().map(std::sync::Mutex::new).collect();
            crate::balance::in_list_order(&order, threads, |i| {
                let p = &partitions[i];
                let mut global = std::mem::take(&mut *global[i].lock().expect("not poisoned"));
                // room for all static synapses at once: growing the list projection by
                // projection reallocates, and the allocator may keep both copies resident
                let (first, last) = (p.offset as usize, p.offset as usize + p.len());
                let room: usize = targeting[p.population]
                    .iter()
                    .filter(|&&ji| {
                        let proj = &def.projections[ji];
                        proj.plasticity.is_none() && proj.oja.is_none()
                    })
                    .map(|&ji| {
                        let proj = &def.projections[ji];
                        if is_per_target(&proj.rule) {
                            let n_src = populations[proj.source].size;
                            expected_synapses(&proj.rule, n_src, p.len())
                        } else if let Some(counts) = &totals[ji] {
                            (first / BLOCK_SIZE..last.div_ceil(BLOCK_SIZE))
                                .map(|b| counts[b])
                                .sum()
                        } else {
                            global.iter().filter(|g| g.0 == ji).map(|g| g.1.len()).sum()
                        }
                    })
                    .sum();
                let mut pairs: Vec<(u32, Synapse)> = Vec::with_capacity(room);
                let mut plastic = Vec::new();
                let mut ojas = Vec::new();
                let mut recorded = Vec::new();
                for &ji in &targeting[p.population] {
                    let proj = &def.projections[ji];
                    let src = &populations[proj.source];
                    let mut drawn_pairs: Vec<(u32, Synapse)> = Vec::new();
                    let out = if proj.plasticity.is_some() || proj.oja.is_some() {
                        &mut drawn_pairs
                    } else {
                        &mut pairs
                    };
                    let start_len = out.len();
                    if is_per_target(&proj.rule) {
                        out.reserve(expected_synapses(&proj.rule, src.size, p.len()));
                        // a few targets at a time, so the drawn list stays small
                        let (first, last) = (p.offset as usize, p.offset as usize + p.len());
                        for lo in (first..last).step_by(256) {
                            let range = lo..(lo + 256).min(last);
                            let drawn = draw_per_target(proj, ji, def.seed, dt, src.size, range)?;
                            out.extend(drawn.iter().map(|d| pair(src.first_gid, d, p.offset)));
                        }
                    } else if let Some(counts) = &totals[ji] {
                        // the partition's blocks, each from its own stream
                        let (first, last) = (p.offset as usize, p.offset as usize + p.len());
                        for lo in (first..last).step_by(BLOCK_SIZE) {
                            let block = lo / BLOCK_SIZE;
                            let hi = (lo + BLOCK_SIZE).min(last);
                            let drawn = draw_total_in(
                                proj,
                                ji,
                                def.seed,
                                dt,
                                src.size,
                                lo..hi,
                                counts[block],
                                block,
                            )?;
                            out.reserve(drawn.len());
                            out.extend(drawn.iter().map(|d| pair(src.first_gid, d, p.offset)));
                        }
                    } else {
                        let k = global.iter().position(|g| g.0 == ji).expect("drawn");
                        out.append(&mut global[k].1);
                    }
                    // plastic synapses, and copies of recorded static ones, by source index
                    let local = |pairs: &[(u32, Synapse)]| -> Vec<(u32, u16, f32, u16)> {
                        pairs
                            .iter()
                            .map(|(g, s)| (g - src.first_gid, s.target, s.weight, s.delay))
                            .collect()
                    };
                    if proj.plasticity.is_none() && proj.record_weights.is_some() {
                        // static weights never change: keep a copy for the weight files
                        recorded.push(RecordedStatic {
                            projection: ji,
                            synapses: local(&out[start_len..]),
                        });
                    }
                    if let Some(rule) = &proj.plasticity {
                        let syn = local(&drawn_pairs);
                        let modulator = rule
                            .modulator()
                            .map(|m| (populations[m].first_gid, populations[m].size as u32));
                        let mut pl = PlasticProjection::new(
                            ji,
                            rule,
                            dt,
                            src.first_gid,
                            src.size as u32,
                            p.len(),
                            &syn,
                            modulator,
                        );
                        if let Some(every) = proj.record_weights.filter(|x| x.is_finite()) {
                            pl.record_every(((every / dt).round() as u64).max(1));
                        }
                        if let Some(sc) = &proj.scaling {
                            pl.scale_every(sc.target, ((sc.every / dt).round() as u64).max(1));
                        }
                        if let Some(ai) = proj.astrocyte {
                            let a = &def.astrocytes[ai];
                            pl.set_astrocyte(AstrocyteState::new(
                                ai,
                                a,
                                astro_ranges(&a.liquid),
                                astro_ranges(&a.input),
                                dt,
                            ));
                        }
                        plastic.push(pl);
                    }
                    if let Some(o) = &proj.oja {
                        let n_src = src.size;
                        let mut w = vec![0.0; p.len() * n_src];
                        for (g, s) in &drawn_pairs {
                            w[s.target as usize * n_src + (g - src.first_gid) as usize] +=
                                s.weight as f64;
                        }
                        let delay = drawn_pairs.first().map_or(1, |(_, s)| s.delay as usize);
                        let mut oja =
                            OjaProjection::new(ji, o, dt, src.first_gid, n_src, p.len(), w, delay);
                        if let Some(every) = proj.record_weights.filter(|x| x.is_finite()) {
                            oja.record_every(((every / dt).round() as u64).max(1));
                        }
                        ojas.push(oja);
                    }
                }
                let csr = Csr::from_pairs(n_nodes, &pairs)
                    .map_err(|m| BuildError::new(Place::Network, "synapses", m))?;
                Ok((csr, plastic, ojas, recorded))
            })
        };
        let mut synapses = 0u64;
        let mut min_delay = u16::MAX;
        let mut max_delay = 1usize;
        let mut stores = Vec::with_capacity(partitions.len());
        for (p, built) in partitions.iter_mut().zip(built) {
            let (csr, plastic, ojas, recorded) = built?;
            p.plastic = plastic;
            p.oja = ojas;
            p.recorded_static = recorded;
            synapses += csr.synapses.len() as u64;
            if let Some(d) = csr.synapses.iter().map(|s| s.delay).min() {
                min_delay = min_delay.min(d);
            }
            max_delay = max_delay.max(csr.max_delay() as usize);
            stores.push(csr);
            for o in &p.oja {
                synapses += o.len() as u64;
                min_delay = min_delay.min(o.delay() as u16);
                max_delay = max_delay.max(o.delay());
            }
            for pl in &p.plastic {
                synapses += pl.len() as u64;
                if let Some(d) = pl.min_delay() {
                    min_delay = min_delay.min(d);
                    max_delay = max_delay.max(pl.max_delay() as usize);
                }
            }
        }
        for (ii, _) in def.inputs.iter().enumerate() {
            max_delay = max_delay.max(Self::attach_input(def, ii, &populations, &mut partitions)?);
        }
        for (ri, _) in def.records.iter().enumerate() {
            Self::attach_record(def, ri, &populations, &mut partitions)?;
        }
        partitions.par_iter_mut().for_each(|p| p.finish(max_delay));
        // the stores of each group's partitions become one, a group at a time (each copy
        // needs its group's synapses twice over while it is made)
        let mut stores = stores.into_iter();
        let mut groups = Vec::new();
        for k in crate::layout::group_sizes(def, threads) {
            let first = groups.last().map_or(0, |g: &Group| g.parts.end);
            let csr = Csr::interleave(stores.by_ref().take(k).collect())
                .map_err(|m| BuildError::new(Place::Network, "synapses", m))?;
            groups.push(Group {
                parts: first..first + k,
                csr,
            });
        }
        // with no synapses, any interval is exact; 10 ms keeps progress updates frequent
        let interval = if min_delay == u16::MAX {
            ((10.0 / dt).round() as u64).max(1)
        } else {
            min_delay as u64
        };
        Ok((populations, partitions, groups, interval, synapses))
    }

    /// Oja's rule needs a full matrix onto one block; synaptic scaling and astrocytes need a
    /// plastic projection (and the astrocyte pair STDP).
    fn check_learning(
        def: &NetworkDef,
        proj: &crate::network::ProjectionDef,
        ji: usize,
    ) -> Result<(), BuildError> {
        let place = Place::Projection(ji);
        if let Some(o) = &proj.oja {
            let fail = |m: String| Err(BuildError::new(place.clone(), "plasticity", m));
            if proj.plasticity.is_some() {
                return fail("a projection has one plasticity rule".into());
            }
            if proj.rule != crate::network::Rule::AllToAll {
                return fail(format!(
                    "oja_subspace learns a full weight matrix: use rule = \"all_to_all\" (got {})",
                    proj.rule.name()
                ));
            }
            if !proj.delay.is_const() {
                return fail("oja_subspace needs one delay for all synapses (a constant)".into());
            }
            let tgt = &def.populations[proj.target];
            if tgt.size > BLOCK_SIZE {
                return fail(format!(
                    "oja_subspace needs all targets in one block: at most {BLOCK_SIZE} neurons \
                     (got {})",
                    tgt.size
                ));
            }
            if !(o.eta.is_finite() && o.eta > 0.0) {
                return Err(BuildError::new(
                    place,
                    "plasticity.eta",
                    format!("eta must be a finite number > 0 (got {})", o.eta),
                ));
            }
            if !(o.every.is_finite() && o.every > 0.0) || grid_steps(o.every, def.dt).is_none() {
                return Err(BuildError::new(
                    place,
                    "plasticity.every",
                    format!(
                        "every must be a positive multiple of dt = {} ms (got {})",
                        def.dt, o.every
                    ),
                ));
            }
        }
        if let Some(sc) = &proj.scaling {
            if proj.plasticity.is_none() {
                return Err(BuildError::new(
                    place,
                    "scaling",
                    "synaptic scaling applies to plastic projections (static weights never \
                     change: draw them with the sum you want instead)",
                ));
            }
            if !(sc.target.is_finite() && sc.target > 0.0) {
                return Err(BuildError::new(
                    place,
                    "scaling.target",
                    format!(
                        "target must be a finite sum of weight magnitudes > 0 (got {})",
                        sc.target
                    ),
                ));
            }
            if !(sc.every.is_finite() && sc.every > 0.0) || grid_steps(sc.every, def.dt).is_none() {
                return Err(BuildError::new(
                    place,
                    "scaling.every",
                    format!(
                        "every must be a positive multiple of dt = {} ms (got {})",
                        def.dt, sc.every
                    ),
                ));
            }
        }
        if let Some(ai) = proj.astrocyte {
            let pair = matches!(
                proj.plasticity,
                Some(crate::plasticity::PlasticityDef::Stdp {
                    symmetric: false,
                    ..
                })
            );
            if !pair {
                return Err(BuildError::new(
                    place,
                    "plasticity.astrocyte",
                    "an astrocyte sets the depression rate of pair STDP (model = \"stdp\"); \
                     this projection has another rule or none",
                ));
            }
            if ai >= def.astrocytes.len() {
                return Err(BuildError::new(
                    place,
                    "plasticity.astrocyte",
                    "unknown astrocyte",
                ));
            }
        }
        Ok(())
    }

    /// A plastic projection's weights must have one sign, Wmax's, and lie within its bounds.
    fn check_plastic(
        proj: &crate::network::ProjectionDef,
        ji: usize,
        rule: &crate::plasticity::PlasticityDef,
        populations: &[PopulationInfo],
    ) -> Result<(), BuildError> {
        let place = Place::Projection(ji);
        let (lo, hi) = proj.weight.range();
        let w_max = rule.w_max();
        let (mag_lo, mag_hi) = if w_max > 0.0 { (lo, hi) } else { (-hi, -lo) };
        if mag_lo < 0.0 {
            return Err(BuildError::new(
                place,
                "weight",
                format!(
                    "plastic weights keep their sign (Dale's law) and must share Wmax's sign \
                     (Wmax = {w_max}); this weight ranges over [{lo}, {hi}]: use a weight of \
                     one sign (e.g. uniform or normal_clipped)"
                ),
            ));
        }
        if mag_hi > w_max.abs() || mag_lo < rule.w_min() {
            return Err(BuildError::new(
                place,
                "weight",
                format!(
                    "the initial weights ([{lo}, {hi}]) must lie within the rule's bounds \
                     (magnitudes {} to {}); change the weight or Wmax/Wmin",
                    rule.w_min(),
                    w_max.abs()
                ),
            ));
        }
        if let Some(m) = rule.modulator() {
            if m >= populations.len() {
                return Err(BuildError::new(
                    place,
                    "plasticity.modulator",
                    "unknown population",
                ));
            }
        }
        Ok(())
    }

    fn initial_values(def: &NetworkDef, pi: usize) -> Result<Vec<(String, Vec<f64>)>, BuildError> {
        let pop = &def.populations[pi];
        let mut out = Vec::new();
        for (vi, (name, dist)) in pop.initial.iter().enumerate() {
            let field = format!("initial.{name}");
            if !pop.kind.state_variables().contains(&name.as_str()) {
                return Err(BuildError::new(
                    Place::Population(pi),
                    field,
                    format!(
                        "{} has no state variable '{name}'; it has: {}",
                        pop.kind.name(),
                        pop.kind.state_variables().join(", ")
                    ),
                ));
            }
            dist.validate()
                .map_err(|m| BuildError::new(Place::Population(pi), field, m))?;
            let mut rng = stream(def.seed, Purpose::Initial, pi as u64, vi as u64);
            out.push((
                name.clone(),
                (0..pop.size).map(|_| dist.sample(&mut rng)).collect(),
            ));
        }
        Ok(out)
    }

    fn generator_steps(def: &NetworkDef, pi: usize) -> Result<Option<Vec<Vec<u64>>>, BuildError> {
        let pop = &def.populations[pi];
        let place = Place::Population(pi);
        if pop.kind != ModelKind::SpikeGenerator {
            if !pop.spike_times.is_empty() {
                return Err(BuildError::new(
                    place,
                    "spike_times",
                    "only a spike_generator takes spike_times",
                ));
            }
            return Ok(None);
        }
        let lists = match pop.spike_times.len() {
            0 => vec![Vec::new(); pop.size],
            1 => vec![pop.spike_times[0].clone(); pop.size],
            n if n == pop.size => pop.spike_times.clone(),
            n => {
                return Err(BuildError::new(
                    place,
                    "spike_times",
                    format!(
                        "give one list for all neurons or one per neuron ({} lists), not {n}",
                        pop.size
                    ),
                ))
            }
        };
        let mut out = Vec::with_capacity(lists.len());
        for times in lists {
            let mut steps = Vec::with_capacity(times.len());
            for t in times {
                let Some(s) = grid_steps(t, def.dt).filter(|&s| s >= 1 && t.is_finite()) else {
                    return Err(BuildError::new(
                        place,
                        "spike_times",
                        format!(
                            "spike time {t} ms must be > 0 and a multiple of dt = {} ms",
                            def.dt
                        ),
                    ));
                };
                steps.push(s - 1);
            }
            steps.sort_unstable();
            out.push(steps);
        }
        Ok(Some(out))
    }

    fn local_targets(
        neurons: &Option<Vec<u32>>,
        size: usize,
        p: &Partition,
        place: &Place,
    ) -> Result<Option<Option<Vec<u16>>>, BuildError> {
        match neurons {
            None => Ok(Some(None)),
            Some(list) => {
                if let Some(bad) = list.iter().find(|&&i| i as usize >= size) {
                    return Err(BuildError::new(
                        place.clone(),
                        "neurons",
                        format!("neuron index {bad} is outside the population (size {size})"),
                    ));
                }
                let local: Vec<u16> = list
                    .iter()
                    .filter(|&&i| i >= p.offset && ((i - p.offset) as usize) < p.len())
                    .map(|&i| (i - p.offset) as u16)
                    .collect();
                Ok((!local.is_empty()).then_some(Some(local)))
            }
        }
    }

    fn attach_input(
        def: &NetworkDef,
        ii: usize,
        pops: &[PopulationInfo],
        parts: &mut [Partition],
    ) -> Result<usize, BuildError> {
        let input = &def.inputs[ii];
        let place = Place::Input(ii);
        let err = |f: &str, m: String| BuildError::new(place.clone(), f, m);
        let pop = pops
            .get(input.target)
            .ok_or_else(|| err("target", "unknown population".into()))?;
        if pop.kind.is_source() {
            return Err(err(
                "target",
                format!("'{}' is a {} and takes no input", pop.name, pop.kind.name()),
            ));
        }
        let start = time_steps(&place, "start", input.start, def.dt)?;
        let stop = time_steps(&place, "stop", input.stop, def.dt)?;
        if stop <= start {
            return Err(err(
                "stop",
                format!(
                    "stop ({} ms) must be after start ({} ms)",
                    input.stop, input.start
                ),
            ));
        }
        let mut max_delay = 0;
        for p in &mut parts[pop.partitions.clone()] {
            let Some(targets) = Self::local_targets(&input.neurons, pop.size, p, &place)? else {
                continue;
            };
            match &input.kind {
                InputKind::Poisson {
                    rate,
                    weight,
                    delay,
                } => {
                    if !(rate.is_finite() && *rate >= 0.0) {
                        return Err(err(
                            "rate",
                            format!("rate must be a finite number of Hz >= 0 (got {rate})"),
                        ));
                    }
                    // the count drawn per neuron and step must stay a sane Poisson mean
                    if rate * def.dt / 1000.0 > 1e9 {
                        return Err(err(
                            "rate",
                            format!(
                                "rate {rate} Hz means more than 1e9 spikes per neuron and step; \
                                 use a dc_generator for such a drive"
                            ),
                        ));
                    }
                    if !weight.is_finite() {
                        return Err(err(
                            "weight",
                            format!("weight must be finite (got {weight})"),
                        ));
                    }
                    let d = delay_steps(*delay, def.dt).map_err(|m| err("delay", m))?;
                    max_delay = max_delay.max(d as usize);
                    p.poisson.push(PoissonDrive {
                        sampler: PoissonSampler::new(rate * def.dt / 1000.0),
                        weight: *weight,
                        delay: d,
                        start,
                        stop,
                        targets,
                    });
                }
                InputKind::Dc { amplitude } => {
                    if !amplitude.is_finite() {
                        return Err(err(
                            "amplitude",
                            format!("amplitude must be finite (got {amplitude})"),
                        ));
                    }
                    p.currents.push(CurrentDrive {
                        changes: vec![(start, *amplitude)],
                        stop,
                        targets,
                    });
                }
                InputKind::StepCurrent { times, amplitudes } => {
                    if times.len() != amplitudes.len() {
                        return Err(err(
                            "amplitude_values",
                            format!(
                                "{} amplitude_times but {} amplitude_values",
                                times.len(),
                                amplitudes.len()
                            ),
                        ));
                    }
                    let mut changes = Vec::new();
                    for (t, a) in times.iter().zip(amplitudes) {
                        let s = time_steps(&place, "amplitude_times", *t, def.dt)?;
                        if changes.last().is_some_and(|&(prev, _)| s <= prev) {
                            return Err(err(
                                "amplitude_times",
                                "times must increase strictly (after rounding to the grid)".into(),
                            ));
                        }
                        if !a.is_finite() {
                            return Err(err(
                                "amplitude_values",
                                format!("amplitude must be finite (got {a})"),
                            ));
                        }
                        changes.push((s.max(start), *a));
                    }
                    p.currents.push(CurrentDrive {
                        changes,
                        stop,
                        targets,
                    });
                }
            }
        }
        Ok(max_delay)
    }

    fn attach_record(
        def: &NetworkDef,
        ri: usize,
        pops: &[PopulationInfo],
        parts: &mut [Partition],
    ) -> Result<(), BuildError> {
        let rec = &def.records[ri];
        let place = Place::Record(ri);
        let pop = pops
            .get(rec.population)
            .ok_or_else(|| BuildError::new(place.clone(), "population", "unknown population"))?;
        if def.records[..ri]
            .iter()
            .any(|r| r.population == rec.population)
        {
            return Err(BuildError::new(
                place,
                "population",
                format!("'{}' already has a recorder", pop.name),
            ));
        }
        for v in &rec.variables {
            if !pop.kind.state_variables().contains(&v.as_str()) {
                return Err(BuildError::new(
                    place,
                    "variables",
                    format!(
                        "{} has no state variable '{v}'; it has: {}",
                        pop.kind.name(),
                        pop.kind.state_variables().join(", ")
                    ),
                ));
            }
        }
        let interval = match grid_steps(rec.interval, def.dt) {
            Some(s) if s >= 1 => s,
            _ => {
                return Err(BuildError::new(
                    place,
                    "interval",
                    format!(
                        "interval must be a positive multiple of dt = {} ms (got {})",
                        def.dt, rec.interval
                    ),
                ))
            }
        };
        let indices = rec.neurons.indices(pop.size);
        if let Some(bad) = indices.iter().find(|&&i| i as usize >= pop.size) {
            return Err(BuildError::new(
                place,
                "neurons",
                format!(
                    "neuron index {bad} is outside '{}' (size {})",
                    pop.name, pop.size
                ),
            ));
        }
        for p in &mut parts[pop.partitions.clone()] {
            if rec.variables.iter().any(|v| v == "theta") {
                p.dynamics.theta_mut();
            }
            let local: Vec<u32> = indices
                .iter()
                .filter(|&&i| i >= p.offset && ((i - p.offset) as usize) < p.len())
                .map(|&i| i - p.offset)
                .collect();
            if rec.spikes {
                p.record_mask = vec![false; p.len()];
                local.iter().for_each(|&i| p.record_mask[i as usize] = true);
            }
            if !rec.variables.is_empty() && !local.is_empty() {
                p.state = Some(StateBuffer {
                    neurons: local,
                    variables: rec.variables.clone(),
                    interval,
                    steps: Vec::new(),
                    values: vec![Vec::new(); rec.variables.len()],
                });
            }
        }
        Ok(())
    }

    /// Simulates `duration_ms` more (rounded to steps), calling `progress(done, total)` at least
    /// every 10 ms of biological time (after the interval that reaches it) and at the end. The
    /// state is checked for non-finite values at least every millisecond of biological time
    /// (and at the end); a NaN or infinite value stops the run there with a [`NumericalError`]
    /// naming the population, neuron, variable and time. The simulation then stands at the end
    /// of the interval in which it was found, and what was recorded so far can still be read.
    pub fn run(
        &mut self,
        duration_ms: f64,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<(), NumericalError> {
        let steps = (duration_ms / self.dt).round().max(0.0) as u64;
        let start = self.step;
        let end = start + steps;
        let check_every = ((1.0 / self.dt).round() as u64).max(1);
        let mut run = RunState {
            end,
            check_every,
            last_check: self.step,
            cuts: self.interval_cuts(),
            pending: std::mem::take(&mut self.pending),
        };
        if self.threads > 1 && self.balance.is_none() {
            self.balance = Some(Balance::new(&self.partitions, &self.groups, self.threads));
        }
        while self.step < end {
            let until = Instant::now() + Duration::from_secs_f64(PROGRESS_EVERY_S);
            let outcome = if self.threads > 1 {
                // The loop itself runs on a worker of the pool: each interval's parallel part
                // then starts and ends without waking a thread outside it (with one interval
                // per step, those wake-ups had left the workers idle a tenth of the time).
                let pool = Arc::clone(&self.pool);
                pool.install(|| self.advance_until(until, &mut run))
            } else {
                self.advance_until(until, &mut run)
            };
            if let Err(e) = outcome {
                self.pending = run.pending;
                return Err(e);
            }
            progress(self.step - start, steps);
        }
        // deliver what is in flight now, so plastic weights reflect every spike so far (the
        // inputs land in ring slots of later steps, exactly as at the next interval's start)
        let mut pending = run.pending;
        self.deliver_now(&pending);
        pending.clear();
        self.pending = pending;
        Ok(())
    }

    /// Simulates whole intervals until the run's end, or the first interval end after the
    /// wall-clock time `until` (the intervals do not depend on it).
    fn advance_until(&mut self, until: Instant, run: &mut RunState) -> Result<(), NumericalError> {
        // at least one interval per call, however slow
        while self.step < run.end {
            let from = self.step;
            // intervals end on a fixed grid (multiples of the interval), so that a run split at
            // any multiple of it batches its spikes exactly as an unsplit one
            let mut to = ((from / self.interval + 1) * self.interval).min(run.end);
            // plastic synapses flush and snapshot at fixed times: intervals end there
            for &c in &run.cuts {
                to = to.min((from / c + 1) * c);
            }
            let check = to - run.last_check >= run.check_every || to == run.end;
            let parts = &mut self.partitions;
            let populations = &self.populations;
            let spikes = &run.pending;
            let interval = |piece: &mut [Partition], csr: &Csr, first: usize| {
                deliver(piece, csr, first, spikes, from);
                for p in piece.iter_mut() {
                    p.advance(from, to);
                    if check {
                        p.check_finite(populations[p.population].kind.state_variables());
                    }
                }
            };
            match &mut self.balance {
                // threads take pieces of the work from a list, most costly first
                Some(b) => b.run(parts, &self.groups, &self.pool, &interval),
                // one thread takes every group whole
                None => {
                    let lens = self.groups.iter().map(|g| g.parts.len());
                    for (piece, g) in split(parts, lens).into_iter().zip(&self.groups) {
                        interval(piece, &g.csr, 0);
                    }
                }
            }
            run.pending.clear();
            for p in self.partitions.iter_mut() {
                run.pending.append(&mut p.out);
            }
            self.step = to;
            if check {
                if let Some(e) = self.first_non_finite(run.last_check) {
                    return Err(e);
                }
                run.last_check = to;
            }
            if Instant::now() >= until {
                break;
            }
        }
        Ok(())
    }

    fn deliver_now(&mut self, spikes: &[Spike]) {
        let now = self.step;
        let lens = self.groups.iter().map(|g| g.parts.len());
        let pieces = split(&mut self.partitions, lens);
        let work = |(piece, g): (&mut [Partition], &Group)| deliver(piece, &g.csr, 0, spikes, now);
        if self.threads == 1 {
            pieces.into_iter().zip(&self.groups).for_each(work);
        } else {
            self.pool
                .install(|| pieces.into_par_iter().zip(&self.groups).for_each(work));
        }
    }

    /// Step multiples at which intervals must end (plastic flushes and weight snapshots).
    fn interval_cuts(&self) -> Vec<u64> {
        let mut cuts: Vec<u64> = Vec::new();
        for p in &self.partitions {
            for pl in &p.plastic {
                cuts.push(pl.flush_every());
                cuts.extend(pl.snapshot_every());
                cuts.extend(pl.scaling_every());
            }
            for o in &p.oja {
                cuts.push(o.every());
                cuts.extend(o.snapshot_every());
            }
        }
        cuts.sort_unstable();
        cuts.dedup();
        cuts
    }

    /// The first non-finite state value found by the partitions' last check, if any, as an
    /// error (`since`: the last clean check).
    fn first_non_finite(&self, since: u64) -> Option<NumericalError> {
        self.partitions.iter().find_map(|p| {
            let (variable, i, value) = p.non_finite?;
            Some(NumericalError {
                population: self.populations[p.population].name.clone(),
                neuron: p.offset as usize + i,
                variable: variable.to_string(),
                value,
                last_finite_ms: since as f64 * self.dt,
                time_ms: self.step as f64 * self.dt,
            })
        })
    }

    /// Time step (ms).
    pub fn dt(&self) -> f64 {
        self.dt
    }

    /// Global seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Steps simulated so far.
    pub fn steps_done(&self) -> u64 {
        self.step
    }

    /// Simulated time so far (ms).
    pub fn time_ms(&self) -> f64 {
        self.step as f64 * self.dt
    }

    /// Worker threads.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Length of a communication interval (steps): the shortest synaptic delay.
    pub fn interval_steps(&self) -> u64 {
        self.interval
    }

    /// Populations, in definition order.
    pub fn populations(&self) -> &[PopulationInfo] {
        &self.populations
    }

    /// Index of the population named `name`.
    pub fn population_index(&self, name: &str) -> Option<usize> {
        self.populations.iter().position(|p| p.name == name)
    }

    /// Total neurons (and spike generators).
    pub fn neurons(&self) -> usize {
        self.populations.iter().map(|p| p.size).sum()
    }

    /// Total synapses.
    pub fn synapses(&self) -> u64 {
        self.synapses
    }

    /// Synaptic events delivered so far (spikes times their out-degree).
    pub fn synaptic_events(&self) -> u64 {
        self.partitions.iter().map(|p| p.events).sum()
    }

    /// Bytes held by synapse storage (runs and synapses, plastic ones with their traces and
    /// spike histories), for memory reports.
    pub fn synapse_bytes(&self) -> u64 {
        let stores: usize = self
            .groups
            .iter()
            .map(|g| g.csr.runs.len() * 4 + g.csr.synapses.len() * std::mem::size_of::<Synapse>())
            .sum();
        let plastic: usize = self
            .partitions
            .iter()
            .map(|p| {
                p.plastic.iter().map(|pl| pl.bytes()).sum::<usize>()
                    + p.oja.iter().map(|o| o.bytes()).sum::<usize>()
            })
            .sum();
        (stores + plastic) as u64
    }

    /// Recorded spikes of population `pop`, ordered by time then sender.
    pub fn spike_trains(&self, pop: usize) -> SpikeTrains {
        let mut all: Vec<(u64, u32)> = Vec::new();
        for p in &self.partitions[self.populations[pop].partitions.clone()] {
            all.extend_from_slice(&p.recorded);
        }
        all.sort_unstable();
        SpikeTrains {
            times: all.iter().map(|&(s, _)| (s + 1) as f64 * self.dt).collect(),
            senders: all.iter().map(|&(_, i)| i).collect(),
        }
    }

    /// Number of neurons of population `pop` whose spikes are recorded.
    pub fn recorded_neurons(&self, pop: usize) -> usize {
        self.partitions[self.populations[pop].partitions.clone()]
            .iter()
            .map(|p| p.record_mask.iter().filter(|&&m| m).count())
            .sum()
    }

    /// Indices (within the population) of the neurons of `pop` whose spikes are recorded, in order.
    pub fn recorded_ids(&self, pop: usize) -> Vec<u32> {
        let info = &self.populations[pop];
        let mut ids = Vec::new();
        for p in &self.partitions[info.partitions.clone()] {
            for (i, &m) in p.record_mask.iter().enumerate() {
                if m {
                    ids.push(p.first_gid - info.first_gid + i as u32);
                }
            }
        }
        ids
    }

    /// Every synapse of the network (plastic ones with their current weight) as
    /// `(source gid, target gid, weight, delay ms)`, sorted by
    /// target then source (global ids count the populations in order from 0). This is the
    /// ground-truth connectome that connectivity inference is scored against.
    pub fn connections(&self) -> Vec<(u32, u32, f32, f64)> {
        let mut all = Vec::with_capacity(self.synapses as usize);
        let group_of = self
            .groups
            .iter()
            .flat_map(|g| g.parts.clone().map(move |i| (g, i - g.parts.start)));
        for (p, (g, j)) in self.partitions.iter().zip(group_of) {
            for s in 0..g.csr.n_sources() {
                for syn in g.csr.run(s as u32, j) {
                    all.push((
                        s as u32,
                        p.first_gid + syn.target as u32,
                        syn.weight,
                        syn.delay as f64 * self.dt,
                    ));
                }
            }
            for o in &p.oja {
                for (s, t, w) in o.synapses() {
                    all.push((
                        o.src_first_gid() + s,
                        p.first_gid + t as u32,
                        w as f32,
                        o.delay() as f64 * self.dt,
                    ));
                }
            }
            for pl in &p.plastic {
                let w = pl.weights_at(self.step as i64 - 1);
                for ((s, t, d), w) in pl.synapses().zip(w) {
                    all.push((
                        pl.src_first_gid + s,
                        p.first_gid + t as u32,
                        w as f32,
                        d as f64 * self.dt,
                    ));
                }
            }
        }
        all.sort_by_key(|&(s, t, _, _)| (t, s));
        all
    }

    /// Weights of projection `ji` (by index in the network definition): for plastic projections
    /// as they stand now with the recorded snapshots, for static ones when their weights were
    /// asked to be recorded. `None` for a static projection without `record_weights`.
    pub fn weights(&self, ji: usize) -> Option<ProjectionWeights> {
        let mut out = ProjectionWeights::default();
        let mut found = false;
        let now = self.step as i64 - 1;
        for p in &self.partitions {
            for pl in p.plastic.iter().filter(|pl| pl.projection == ji) {
                found = true;
                for (s, t, d) in pl.synapses() {
                    out.sources.push(s);
                    out.targets.push(p.offset + t as u32);
                    out.delays_ms.push(d as f64 * self.dt);
                }
                out.weights.extend(pl.weights_at(now));
                if out.history.is_empty() {
                    out.times_ms = pl
                        .snapshots
                        .iter()
                        .map(|s| s.step as f64 * self.dt)
                        .collect();
                    out.history = vec![Vec::new(); pl.snapshots.len()];
                }
                for (row, snap) in out.history.iter_mut().zip(&pl.snapshots) {
                    row.extend_from_slice(&snap.weights);
                }
            }
            for o in p.oja.iter().filter(|o| o.projection == ji) {
                found = true;
                for (s, t, w) in o.synapses() {
                    out.sources.push(s);
                    out.targets.push(p.offset + t as u32);
                    out.delays_ms.push(o.delay() as f64 * self.dt);
                    out.weights.push(w);
                }
                out.times_ms = o
                    .snapshots
                    .iter()
                    .map(|s| s.step as f64 * self.dt)
                    .collect();
                out.history = o.snapshots.iter().map(|s| s.weights.clone()).collect();
            }
            for r in p.recorded_static.iter().filter(|r| r.projection == ji) {
                found = true;
                for &(s, t, w, d) in &r.synapses {
                    out.sources.push(s);
                    out.targets.push(p.offset + t as u32);
                    out.delays_ms.push(d as f64 * self.dt);
                    out.weights.push(w as f64);
                }
            }
        }
        found.then_some(out)
    }

    /// Astrocyte `ai`'s value `A` over time as `(times ms, values)`, sampled every millisecond
    /// (each value holds at the start of its time step); `None` if no projection uses it.
    pub fn astrocyte_trace(&self, ai: usize) -> Option<(Vec<f64>, Vec<f64>)> {
        self.partitions
            .iter()
            .flat_map(|p| &p.plastic)
            .find_map(|pl| {
                let (i, tr) = pl.astrocyte_trace()?;
                (i == ai).then(|| {
                    (
                        tr.iter().map(|&(s, _)| s as f64 * self.dt).collect(),
                        tr.iter().map(|&(_, a)| a).collect(),
                    )
                })
            })
    }

    /// True when population `pop` records spikes.
    pub fn records_spikes(&self, pop: usize) -> bool {
        self.partitions[self.populations[pop].partitions.clone()]
            .iter()
            .any(|p| !p.record_mask.is_empty())
    }

    /// Sampled state of population `pop`, if it has a state recorder.
    pub fn state_trace(&self, pop: usize) -> Option<StateTrace> {
        let parts: Vec<&Partition> = self.partitions[self.populations[pop].partitions.clone()]
            .iter()
            .filter(|p| p.state.is_some())
            .collect();
        let first = parts.first()?.state.as_ref()?;
        let names = first.variables.clone();
        // rows: (step, sender, partition, position)
        let mut rows: Vec<(u64, u32, usize, usize)> = Vec::new();
        for (pi, p) in parts.iter().enumerate() {
            let st = p.state.as_ref().expect("filtered");
            for (si, &step) in st.steps.iter().enumerate() {
                for (ni, &i) in st.neurons.iter().enumerate() {
                    rows.push((step, p.offset + i, pi, si * st.neurons.len() + ni));
                }
            }
        }
        rows.sort_unstable();
        let variables = names
            .iter()
            .enumerate()
            .map(|(vi, n)| {
                let vals = rows.iter().map(|&(_, _, pi, k)| {
                    parts[pi].state.as_ref().expect("filtered").values[vi][k]
                });
                (n.clone(), vals.collect())
            })
            .collect();
        Some(StateTrace {
            times: rows
                .iter()
                .map(|&(s, ..)| (s + 1) as f64 * self.dt)
                .collect(),
            senders: rows.iter().map(|&(_, i, ..)| i).collect(),
            variables,
        })
    }

    /// Spike count, mean rate and mean ISI CV of population `pop` over the simulated time.
    pub fn population_stats(&self, pop: usize) -> PopulationStats {
        let info = &self.populations[pop];
        let mut spikes = 0u64;
        let (mut cv_sum, mut cv_n) = (0.0, 0usize);
        for p in &self.partitions[info.partitions.clone()] {
            let st = &p.stats;
            for i in 0..p.len() {
                spikes += st.count[i] as u64;
                if st.count[i] >= 3 {
                    let n = (st.count[i] - 1) as f64;
                    let mean = st.isi_sum[i] / n;
                    let var = (st.isi_sq[i] / n - mean * mean).max(0.0);
                    cv_sum += var.sqrt() / mean;
                    cv_n += 1;
                }
            }
        }
        let t_s = self.time_ms() / 1000.0;
        PopulationStats {
            spikes,
            rate_hz: if t_s > 0.0 {
                spikes as f64 / (info.size as f64 * t_s)
            } else {
                0.0
            },
            cv_isi: if cv_n > 0 {
                cv_sum / cv_n as f64
            } else {
                f64::NAN
            },
        }
    }

    /// Adds spikes at `times_ms` to neuron `neuron` of spike-generator population `pop` between
    /// two [`Simulation::run`] calls: the closed-loop way to stimulate, or to deliver a reward
    /// (a reward-modulated projection releases dopamine at each spike of its modulator
    /// population). Each time must be on the dt grid and later than the current time (the spike
    /// at `t` is emitted in the step that ends at `t`, so `t` ≥ now + dt).
    pub fn add_spike_times(
        &mut self,
        pop: usize,
        neuron: usize,
        times_ms: &[f64],
    ) -> Result<(), ScheduleError> {
        let err = |population: String, message: String| ScheduleError {
            population,
            neuron,
            message,
        };
        let Some(info) = self.populations.get(pop) else {
            return Err(err(
                format!("#{pop}"),
                format!("there are {} populations", self.populations.len()),
            ));
        };
        let name = info.name.clone();
        if info.kind != ModelKind::SpikeGenerator {
            return Err(err(
                name,
                format!(
                    "it is a {}, only a spike_generator takes spike times",
                    info.kind.name()
                ),
            ));
        }
        if neuron >= info.size {
            return Err(err(
                name,
                format!("the population has {} neurons", info.size),
            ));
        }
        let (now, dt) = (self.step, self.dt);
        let mut steps = Vec::with_capacity(times_ms.len());
        for &t in times_ms {
            match grid_steps(t, dt).filter(|&s| t.is_finite() && s > now) {
                Some(s) => steps.push(s - 1),
                None => {
                    return Err(err(
                        name,
                        format!(
                            "spike time {t} ms must be a multiple of dt = {dt} ms and later \
                             than the current time {} ms",
                            now as f64 * dt
                        ),
                    ))
                }
            }
        }
        let range = info.partitions.clone();
        for p in &mut self.partitions[range] {
            let local = neuron.wrapping_sub(p.offset as usize);
            if local >= p.len() {
                continue;
            }
            let Dynamics::SpikeGenerator(g) = &mut p.dynamics else {
                unreachable!("a spike_generator population has generator dynamics");
            };
            let list = &mut g.steps[local];
            list.extend_from_slice(&steps);
            // every step already emitted is before `now`: only the pending ones need ordering
            list[g.cursor[local]..].sort_unstable();
        }
        Ok(())
    }

    /// Spike counts of every neuron of population `pop`.
    pub fn spike_counts(&self, pop: usize) -> Vec<u32> {
        self.partitions[self.populations[pop].partitions.clone()]
            .iter()
            .flat_map(|p| p.stats.count.iter().copied())
            .collect()
    }

    /// Current value of a state variable of every neuron of population `pop`.
    pub fn state_now(&self, pop: usize, variable: &str) -> Option<Vec<f64>> {
        let mut out = Vec::new();
        for p in &self.partitions[self.populations[pop].partitions.clone()] {
            out.extend_from_slice(p.dynamics.variable(variable)?);
        }
        Some(out)
    }
}
