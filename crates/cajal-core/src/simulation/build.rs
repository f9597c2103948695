//! Building a network definition into partitions: drawing the synapses of every projection in
//! parallel, one partition (or block of targets) at a time, and checking the learning rules.

use super::{PopulationInfo, RecordedStatic, Simulation};
use crate::balance::Group;
use crate::connect::{
    draw_global, draw_per_target, draw_total_in, is_per_target, split_total, Drawn,
};
use crate::crew::Crew;
use crate::exchange::{Collectives, Communicator, Local};
use crate::homeostasis::{AstrocyteState, ThresholdRule};
use crate::layout::Shares;
use crate::network::{BuildError, ErrorKind, NetworkDef, Place, Rule};
use crate::neuron::Dynamics;
use crate::partition::{Partition, BLOCK_SIZE};
use crate::plasticity::{
    tempotron_kernel, DeltaProjection, DenseWeights, Learning, LearningProjection, OjaProjection,
    PlasticProjection, ShortTermProjection, TempotronProjection,
};
use crate::rng::{stream, Purpose};
use crate::synapses::{Csr, Synapse};
use rayon::prelude::*;
use std::sync::Arc;

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

impl Simulation {
    /// Builds `def` on `threads` worker threads (0: as many as cores), after checking it
    /// exactly as [`crate::Network`] checks what is added to it
    /// (`Network::from_def(def.clone())?.build(threads)`).
    pub fn build(def: &NetworkDef, threads: usize) -> Result<Simulation, BuildError> {
        crate::Network::from_def(def.clone())?.build(threads)
    }

    /// [`Simulation::build`], compacting the synapse stores where they allow it if `compact`.
    pub(super) fn build_stores(
        def: &NetworkDef,
        threads: usize,
        compact: bool,
    ) -> Result<Simulation, BuildError> {
        let net = crate::Network::from_def(def.clone())?;
        Self::build_checked(net.def(), threads, net.id(), compact, Box::new(Local))
    }

    /// Builds a network that [`crate::Network`] has checked: the partitions of the process of
    /// `communicator` (all of them when it is [`Local`]).
    pub(crate) fn build_checked(
        def: &NetworkDef,
        threads: usize,
        network: u64,
        compact: bool,
        mut communicator: Box<dyn Communicator>,
    ) -> Result<Simulation, BuildError> {
        let refused = |e: &dyn std::fmt::Display| {
            let m = format!("cannot start {threads} threads: {e}");
            BuildError::new(ErrorKind::Resources, Place::Network, "threads", m)
        };
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| refused(&e))?;
        let threads = pool.current_num_threads();
        // the helpers of a run live as long as the simulation: started here, where a refused
        // thread is an error of the build rather than a panic of the first run
        let crew = Crew::new(threads - 1).map_err(|e| refused(&e))?;
        // every process must cut the network the same way: the same thread count everywhere
        // (0 resolves to each machine's cores, which may differ)
        let counts = communicator.all_concat(&[threads as u64]);
        if counts.iter().any(|&t| t != threads as u64) {
            let m = format!(
                "the processes would run {counts:?} threads: a distributed run needs the same \
                 number on every process (give --threads N explicitly)"
            );
            return Err(BuildError::new(
                ErrorKind::Resources,
                Place::Network,
                "threads",
                m,
            ));
        }
        let shares = Shares {
            threads,
            processes: communicator.processes(),
            rank: communicator.rank(),
        };
        let comm = &mut *communicator;
        let built = pool.install(|| Self::build_in_pool(def, shares, compact, comm));
        built.map(
            |(populations, partitions, groups, interval, synapses)| Simulation {
                network,
                dt: def.dt,
                seed: def.seed,
                step: 0,
                interval,
                populations,
                partitions,
                groups,
                balance: None,
                pending: Vec::new(),
                new_events: Vec::new(),
                pool: Arc::new(pool),
                crew: Some(crew),
                threads,
                synapses,
                projections: def.projections.iter().map(|p| p.name.clone()).collect(),
                astrocytes: def.astrocytes.iter().map(|a| a.name.clone()).collect(),
                communicator,
                schedule: Vec::new(),
            },
        )
    }

    #[allow(clippy::type_complexity)]
    fn build_in_pool(
        def: &NetworkDef,
        shares: Shares,
        compact: bool,
        comm: &mut dyn Communicator,
    ) -> Result<(Vec<PopulationInfo>, Vec<Partition>, Vec<Group>, u64, u64), BuildError> {
        let threads = shares.threads;
        let (populations, mut partitions) = Self::make_partitions(def, shares);
        // synapses: global rules are drawn first; then each target partition draws its
        // per-target projections in projection order and turns its pairs into its CSR at once,
        // so that only the partitions being built hold 12-byte pairs
        let (plan, global) = Plan::new(def, &populations, &partitions)?;
        let built = plan.draw_all(&partitions, global, threads);
        let (synapses, min_delay, mut max_delay, stores) = take_built(&mut partitions, built)?;
        // a process may hold none of the shortest synapses: the interval is everyone's shortest
        // delay, and the synapse count everyone's
        let min_delay = comm.all_min(min_delay as u64) as u16;
        let synapses = comm.all_sum(synapses);
        for (ii, _) in def.inputs.iter().enumerate() {
            max_delay = max_delay.max(Self::attach_input(def, ii, &populations, &mut partitions));
        }
        for (ri, _) in def.records.iter().enumerate() {
            Self::attach_record(def, ri, &populations, &mut partitions);
        }
        partitions.par_iter_mut().for_each(|p| {
            p.finish(max_delay, populations[p.population].kind.input_rings());
            p.remember_built_state();
        });
        let groups = group_stores(def, shares, stores, compact)?;
        // with no synapses, any interval is exact; 10 ms keeps progress updates frequent
        let interval = if min_delay == u16::MAX {
            ((10.0 / def.dt).round() as u64).max(1)
        } else {
            min_delay as u64
        };
        Ok((populations, partitions, groups, interval, synapses))
    }

    /// Cuts every population into partitions (`layout.rs`) with their neurons' initial state,
    /// generator times, thresholds and random streams; synapses come later.
    /// Only this process's partitions are made; the others' neurons still count in the global
    /// ids and random-stream blocks.
    fn make_partitions(def: &NetworkDef, shares: Shares) -> (Vec<PopulationInfo>, Vec<Partition>) {
        let dt = def.dt;
        let mut populations = Vec::new();
        let mut partitions = Vec::new();
        let mut gid: u64 = 0;
        let mut block: u64 = 0; // global block index: the key of a block's Poisson stream
        let layout = crate::layout::partition_owners(def, shares);
        for (pi, pop) in def.populations.iter().enumerate() {
            let initial = Self::initial_values(def, pi);
            let gen_steps = (pop.kind == crate::neuron::ModelKind::SpikeGenerator)
                .then(|| crate::builder::check::generator_steps(dt, pop));
            let first = partitions.len();
            let mut offset = 0usize;
            for &(n, owned) in &layout[pi] {
                if !owned {
                    block += n.div_ceil(BLOCK_SIZE) as u64;
                    offset += n;
                    continue;
                }
                let mut dynamics = Dynamics::new(pop.kind, &pop.params, n, dt)
                    .expect("parameters checked when the population was added");
                let threshold = pop.threshold.as_ref().map(|th| {
                    dynamics.theta_mut();
                    ThresholdRule::new(th, dt)
                });
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
                let gid_first = (gid + offset as u64) as u32;
                let mut part = Partition::new(pi, offset as u32, gid_first, dynamics, n, rng);
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
        }
        (populations, partitions)
    }
}

/// Drawn synapses as (global source, synapse with a partition-local target).
type Pairs = Vec<(u32, Synapse)>;

/// What a partition's synapses become: its static store, its learning projections and copies of
/// its recorded static synapses.
type Built = (Csr, Vec<LearningProjection>, Vec<RecordedStatic>);

/// What drawing any partition's synapses needs, shared by the threads that draw them.
struct Plan<'a> {
    def: &'a NetworkDef,
    populations: &'a [PopulationInfo],
    /// fixed_total_number: per projection, the synapses ending on each block of `BLOCK_SIZE`
    /// targets (blocks, unlike partitions, do not depend on the thread count).
    totals: Vec<Option<Vec<usize>>>,
    /// The projections ending on each population, in projection order.
    targeting: Vec<Vec<usize>>,
    /// Neurons in the network.
    n_nodes: usize,
}

impl<'a> Plan<'a> {
    /// Splits the fixed_total_number projections over blocks and draws the global rules
    /// (fixed_outdegree, explicit): their synapses, per target partition and projection.
    #[allow(clippy::type_complexity)]
    fn new(
        def: &'a NetworkDef,
        populations: &'a [PopulationInfo],
        partitions: &[Partition],
    ) -> Result<(Plan<'a>, Vec<Vec<(usize, Pairs)>>), BuildError> {
        let mut global: Vec<Vec<(usize, Pairs)>> = vec![Vec::new(); partitions.len()];
        let mut totals: Vec<Option<Vec<usize>>> = vec![None; def.projections.len()];
        let mut targeting: Vec<Vec<usize>> = vec![Vec::new(); populations.len()];
        for (ji, proj) in def.projections.iter().enumerate() {
            let (src, tgt) = (&populations[proj.source], &populations[proj.target]);
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
                // (in a distributed run this process holds a contiguous part of the targets,
                // perhaps none: the others' synapses are dropped as they are drawn)
                let held = match (starts.first(), tparts.end.checked_sub(1)) {
                    (Some(&lo), Some(last)) if !tparts.is_empty() => {
                        lo..partitions[last].offset + partitions[last].len() as u32
                    }
                    _ => 0..0,
                };
                let keep = |t: u32| held.contains(&t);
                for d in draw_global(proj, ji, def.seed, def.dt, src.size, tgt.size, &keep)? {
                    let part = tparts.start + starts.partition_point(|&o| o <= d.target) - 1;
                    let offset = partitions[part].offset;
                    let bucket = &mut global[part].last_mut().expect("pushed above").1;
                    bucket.push(pair(src.first_gid, &d, offset));
                }
            }
        }
        let n_nodes = populations.iter().map(|p| p.size).sum();
        let plan = Plan {
            def,
            populations,
            totals,
            targeting,
            n_nodes,
        };
        Ok((plan, global))
    }

    /// Every partition's synapses, largest expected synapse count first, each thread taking the
    /// next partition when free.
    fn draw_all(
        &self,
        partitions: &[Partition],
        global: Vec<Vec<(usize, Pairs)>>,
        threads: usize,
    ) -> Vec<Result<Built, BuildError>> {
        let per_neuron = crate::layout::synapses_per_neuron(self.def);
        let expected: Vec<f64> = partitions
            .iter()
            .map(|p| p.len() as f64 * per_neuron[p.population])
            .collect();
        let mut order: Vec<usize> = (0..partitions.len()).collect();
        order.sort_by(|&a, &b| expected[b].total_cmp(&expected[a]).then(a.cmp(&b)));
        let global: Vec<std::sync::Mutex<_>> =
            global.into_iter().map(std::sync::Mutex::new).collect();
        crate::balance::in_list_order(&order, threads, |i| {
            let global = std::mem::take(&mut *global[i].lock().expect("not poisoned"));
            self.draw_partition(&partitions[i], global)
        })
    }

    /// The synapses ending on partition `p`: static ones into its store, plastic ones into its
    /// learning projections.
    fn draw_partition(
        &self,
        p: &Partition,
        mut global: Vec<(usize, Pairs)>,
    ) -> Result<Built, BuildError> {
        let def = self.def;
        // room for all static synapses at once: growing the list projection by projection
        // reallocates, and the allocator may keep both copies resident
        let mut pairs: Pairs = Vec::with_capacity(self.static_room(p, &global));
        let mut learning = Vec::new();
        let mut recorded = Vec::new();
        for &ji in &self.targeting[p.population] {
            let proj = &def.projections[ji];
            let src = &self.populations[proj.source];
            let learns = proj.learns();
            let mut drawn: Pairs = Vec::new();
            let out = if learns { &mut drawn } else { &mut pairs };
            let start_len = out.len();
            self.draw_projection(ji, p, &mut global, out)?;
            // plastic synapses, and copies of recorded static ones, by source index
            let local = |pairs: &[(u32, Synapse)]| -> Vec<(u32, u16, f32, u16)> {
                pairs
                    .iter()
                    .map(|(g, s)| (g - src.first_gid, s.target, s.weight, s.delay))
                    .collect()
            };
            if !learns && proj.record_weights.is_some() {
                // static weights never change: keep a copy for the weight files
                recorded.push(RecordedStatic {
                    projection: ji,
                    synapses: local(&out[start_len..]),
                });
            }
            if learns {
                learning.push(self.learning_projection(ji, p, &drawn, &local(&drawn)));
            }
        }
        let csr = Csr::from_pairs(self.n_nodes, &pairs)
            .map_err(|m| BuildError::new(ErrorKind::TooLarge, Place::Network, "synapses", m))?;
        Ok((csr, learning, recorded))
    }

    /// About how many static synapses end on partition `p`.
    fn static_room(&self, p: &Partition, global: &[(usize, Pairs)]) -> usize {
        let (first, last) = (p.offset as usize, p.offset as usize + p.len());
        self.targeting[p.population]
            .iter()
            .filter(|&&ji| !self.def.projections[ji].learns())
            .map(|&ji| {
                let proj = &self.def.projections[ji];
                if is_per_target(&proj.rule) {
                    let n_src = self.populations[proj.source].size;
                    expected_synapses(&proj.rule, n_src, p.len())
                } else if let Some(counts) = &self.totals[ji] {
                    (first / BLOCK_SIZE..last.div_ceil(BLOCK_SIZE))
                        .map(|b| counts[b])
                        .sum()
                } else {
                    global.iter().filter(|g| g.0 == ji).map(|g| g.1.len()).sum()
                }
            })
            .sum()
    }

    /// Appends to `out` the synapses of projection `ji` that end on partition `p`: drawn per
    /// target, per block (fixed_total_number) or taken from the global draw.
    fn draw_projection(
        &self,
        ji: usize,
        p: &Partition,
        global: &mut [(usize, Pairs)],
        out: &mut Pairs,
    ) -> Result<(), BuildError> {
        let (def, dt) = (self.def, self.def.dt);
        let proj = &def.projections[ji];
        let src = &self.populations[proj.source];
        let (first, last) = (p.offset as usize, p.offset as usize + p.len());
        if is_per_target(&proj.rule) {
            out.reserve(expected_synapses(&proj.rule, src.size, p.len()));
            // a few targets at a time, so the drawn list stays small
            for lo in (first..last).step_by(256) {
                let range = lo..(lo + 256).min(last);
                let drawn = draw_per_target(proj, ji, def.seed, dt, src.size, range)?;
                out.extend(drawn.iter().map(|d| pair(src.first_gid, d, p.offset)));
            }
        } else if let Some(counts) = &self.totals[ji] {
            // the partition's blocks, each from its own stream
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
        Ok(())
    }

    /// The learning projection `ji` onto partition `p` from its drawn synapses (`drawn` with
    /// global sources, `local` with source indices).
    fn learning_projection(
        &self,
        ji: usize,
        p: &Partition,
        drawn: &[(u32, Synapse)],
        local: &[(u32, u16, f32, u16)],
    ) -> LearningProjection {
        let (def, dt) = (self.def, self.def.dt);
        let proj = &def.projections[ji];
        let src = &self.populations[proj.source];
        let steps = |ms: f64| ((ms / dt).round() as u64).max(1);
        let ranges = |list: &[usize]| -> Vec<(u32, u32)> {
            list.iter()
                .map(|&q| {
                    (
                        self.populations[q].first_gid,
                        self.populations[q].size as u32,
                    )
                })
                .collect()
        };
        if proj.oja.is_some() || proj.tempotron.is_some() || proj.delta.is_some() {
            // a full matrix onto this partition, with one delay
            let n_src = src.size;
            let mut w = vec![0.0; p.len() * n_src];
            for (g, s) in drawn {
                w[s.target as usize * n_src + (g - src.first_gid) as usize] += s.weight as f64;
            }
            let delay = drawn.first().map_or(1, |(_, s)| s.delay as usize);
            let mut dense = DenseWeights::new(src.first_gid, n_src, p.len(), w, delay);
            if let Some(every) = proj.record_weights.filter(|x| x.is_finite()) {
                dense.record_every(steps(every));
            }
            if let Some(o) = &proj.oja {
                return LearningProjection::Oja(OjaProjection::new(ji, o, dt, dense));
            }
            if let Some(d) = &proj.delta {
                return LearningProjection::Delta(DeltaProjection::new(ji, d, dt, dense));
            }
            let t = proj.tempotron.as_ref().expect("one of the three");
            let target = tempotron_kernel(&def.populations[proj.target], dt)
                .expect("checked when the projection was added");
            return LearningProjection::Tempotron(TempotronProjection::new(ji, t, target, dense));
        }
        if let Some(t) = &proj.tsodyks {
            return LearningProjection::ShortTerm(ShortTermProjection::new(
                ji,
                t,
                dt,
                src.first_gid,
                src.size as u32,
                local,
            ));
        }
        if let Some(p_transmit) = proj.p_transmit {
            return LearningProjection::ShortTerm(
                ShortTermProjection::new(
                    ji,
                    &crate::plasticity::TsodyksDef::NEST,
                    dt,
                    src.first_gid,
                    src.size as u32,
                    local,
                )
                .bernoulli(p_transmit, def.seed, p.first_gid),
            );
        }
        let rule = proj.plasticity.as_ref().expect("a learning projection");
        let modulator = rule.modulator().map(|m| {
            (
                self.populations[m].first_gid,
                self.populations[m].size as u32,
            )
        });
        let (first_gid, n_src) = (src.first_gid, src.size as u32);
        let mut pl =
            PlasticProjection::new(ji, rule, dt, first_gid, n_src, p.len(), local, modulator);
        if let Some(every) = proj.record_weights.filter(|x| x.is_finite()) {
            pl.record_every(steps(every));
        }
        if let Some(sc) = &proj.scaling {
            pl.scale_every(sc.target, steps(sc.every));
        }
        if let Some(ai) = proj.astrocyte {
            let a = &def.astrocytes[ai];
            let (liquid, input) = (ranges(&a.liquid), ranges(&a.input));
            pl.set_astrocyte(AstrocyteState::new(ai, a, liquid, input, dt));
        }
        LearningProjection::Stdp(pl)
    }
}

/// Gives each partition what was built for it; returns the synapse count, the shortest and
/// longest delay (steps) and the partitions' static stores.
fn take_built(
    partitions: &mut [Partition],
    built: Vec<Result<Built, BuildError>>,
) -> Result<(u64, u16, usize, Vec<Csr>), BuildError> {
    let mut synapses = 0u64;
    let mut min_delay = u16::MAX;
    let mut max_delay = 1usize;
    let mut stores = Vec::with_capacity(partitions.len());
    for (p, built) in partitions.iter_mut().zip(built) {
        let (csr, learning, recorded) = built?;
        p.learning = learning;
        p.recorded_static = recorded;
        synapses += csr.len() as u64;
        if let Some(d) = csr.min_delay() {
            min_delay = min_delay.min(d);
        }
        max_delay = max_delay.max(csr.max_delay() as usize);
        stores.push(csr);
        for l in &p.learning {
            synapses += l.len() as u64;
            if let Some((lo, hi)) = l.delays() {
                min_delay = min_delay.min(lo);
                max_delay = max_delay.max(hi as usize);
            }
        }
    }
    Ok((synapses, min_delay, max_delay, stores))
}

/// The stores of each group's partitions become one, a group at a time (each copy needs its
/// group's synapses twice over while it is made), compacted where they allow it if `compact`.
fn group_stores(
    def: &NetworkDef,
    shares: Shares,
    stores: Vec<Csr>,
    compact: bool,
) -> Result<Vec<Group>, BuildError> {
    let mut stores = stores.into_iter();
    let mut groups = Vec::new();
    for k in crate::layout::group_sizes_of(def, shares) {
        let first = groups.last().map_or(0, |g: &Group| g.parts.end);
        let csr = Csr::interleave(stores.by_ref().take(k).collect())
            .map_err(|m| BuildError::new(ErrorKind::TooLarge, Place::Network, "synapses", m))?;
        let csr = if compact { csr.compacted() } else { csr };
        groups.push(Group {
            parts: first..first + k,
            csr,
        });
    }
    Ok(groups)
}
