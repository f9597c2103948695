//! An estimate of the memory a network needs, made from its definition before anything is
//! allocated, so that a model too large for the machine is refused with the reason instead of
//! being killed midway through its construction.
//!
//! The peak comes during construction: the synapses of global rules (`fixed_outdegree`,
//! `explicit`) are all drawn first as 12-byte pairs (with the 16-byte draws of the largest such
//! projection alongside), then each partition draws its per-target and `fixed_total_number`
//! synapses and turns its pairs into its 8-byte synapse store, largest partitions first, with as
//! many partitions in progress as threads; then the stores of each group of partitions are
//! copied into one, a group at a time. Add the ring buffers, neuron state and the process
//! itself.

use crate::connect::is_per_target;
use crate::network::{NetworkDef, Rule};

/// The process before the network (binary, allocator, thread stacks), measured: about 5.5 MB.
const BASE_BYTES: f64 = 6.0e6;
/// Per neuron: state variables, spike statistics, recorder masks and buffers (a generous mean).
const NEURON_BYTES: f64 = 96.0;

/// What a network is expected to need.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct MemoryEstimate {
    /// Expected number of synapses.
    pub synapses: f64,
    /// Bytes of the synapse stores once built.
    pub synapse_bytes: f64,
    /// Expected peak resident memory (bytes), construction included.
    pub peak_bytes: f64,
}

/// Expected synapses of a projection with `rule` from `n_src` onto `n_tgt` neurons.
pub(crate) fn expected(rule: &Rule, n_src: usize, n_tgt: usize) -> f64 {
    match rule {
        Rule::AllToAll => (n_src * n_tgt) as f64,
        Rule::OneToOne => n_tgt as f64,
        Rule::PairwiseBernoulli { p } => p * (n_src * n_tgt) as f64,
        Rule::FixedIndegree { indegree } => (indegree * n_tgt) as f64,
        Rule::FixedOutdegree { outdegree } => (outdegree * n_src) as f64,
        Rule::FixedTotalNumber { n } => *n as f64,
        Rule::Explicit { sources, .. } => sources.len() as f64,
    }
}

/// The largest value a distribution will practically give (6 standard deviations out).
fn likely_max(d: &crate::Dist) -> f64 {
    use crate::Dist;
    match *d {
        Dist::Normal { mean, std } => mean + 6.0 * std,
        Dist::NormalClipped {
            mean, std, high, ..
        } => high.min(mean + 6.0 * std),
        Dist::LogNormal { mu, sigma } => (mu + 6.0 * sigma).exp(),
        _ => d.range().1,
    }
}

/// Estimates the memory `def` needs when built on `threads` threads (0: one per core).
pub fn estimate(def: &NetworkDef, threads: usize) -> MemoryEstimate {
    let threads = if threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        threads
    };
    let dt = def.dt.max(1e-9);
    let nodes: usize = def.populations.iter().map(|p| p.size).sum();
    let mut synapses = 0.0;
    let mut store = 0.0; // final synapse bytes
    let mut global_pairs = 0.0; // 12-byte pairs of global rules, alive together
    let mut largest_draw: f64 = 0.0;
    // per target population: synapses of per-target and of global rules
    let mut per_target = vec![0.0; def.populations.len()];
    let mut global = vec![0.0; def.populations.len()];
    let mut max_delay: f64 = 1.0;
    for proj in &def.projections {
        let (Some(src), Some(tgt)) = (
            def.populations.get(proj.source),
            def.populations.get(proj.target),
        ) else {
            continue;
        };
        let s = expected(&proj.rule, src.size, tgt.size);
        synapses += s;
        let per_synapse = match (&proj.plasticity, &proj.oja) {
            (Some(p), _) => 12.0 + if p.modulator().is_some() { 8.0 } else { 0.0 },
            (None, Some(_)) => 8.0,
            // the Tempotron's weight and last correction
            (None, None) if proj.tempotron.is_some() => 16.0,
            // the delta rule's weight and its consolidation anchor
            (None, None) if proj.delta.is_some() => 16.0,
            // short-term plasticity: the weight, target and delay (its state is per source)
            (None, None) if proj.tsodyks.is_some() => 12.0,
            // stochastic transmission: the weight, target, delay and multapse ordinal
            (None, None) if proj.p_transmit.is_some() => 14.0,
            (None, None) => 8.0,
        };
        store += s * per_synapse;
        // fixed_total_number is drawn partition by partition too, after its counts are split
        if is_per_target(&proj.rule) || matches!(proj.rule, Rule::FixedTotalNumber { .. }) {
            per_target[proj.target] += s;
        } else {
            global[proj.target] += s;
            global_pairs += 12.0 * s;
            largest_draw = largest_draw.max(16.0 * s);
        }
        max_delay = max_delay.max(likely_max(&proj.delay));
    }
    // partitions, their rings, runs and neurons; each partition's share of the synapses
    let mut fixed = BASE_BYTES;
    let mut parts: Vec<(f64, f64)> = Vec::new(); // (all synapses, global-rule synapses)
    let slots = (max_delay / dt).ceil() + 2.0;
    let layout = crate::layout::partition_sizes(def, threads);
    for (pi, pop) in def.populations.iter().enumerate() {
        let n = pop.size as f64;
        fixed += 8.0 * pop.kind.input_rings() as f64 * slots * n + NEURON_BYTES * n;
        for &size in &layout[pi] {
            let share = size as f64 / n.max(1.0);
            parts.push(((per_target[pi] + global[pi]) * share, global[pi] * share));
        }
    }
    // every partition indexes its runs by global source id
    fixed += 4.0 * (nodes + 1) as f64 * parts.len() as f64;
    // construction, as `Simulation::build` does it: partitions taken largest first, each thread
    // taking the next when it is free, time taken as proportional to synapses. A partition in
    // progress fills its pairs (12 B per synapse drawn so far); at its end it holds them and its
    // store (8 B) at once, then only the store. The global pairs wait until their partition is
    // done. The peak is at the end of some partition.
    let mut order = parts.clone();
    order.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut free_at = vec![0.0f64; threads.max(1)];
    let jobs: Vec<(f64, f64, f64, f64)> = order // (start, end, synapses, global ones)
        .iter()
        .map(|&(s, g)| {
            let t = (0..free_at.len())
                .min_by(|&a, &b| free_at[a].total_cmp(&free_at[b]))
                .expect("at least one thread");
            let start = free_at[t];
            free_at[t] = start + s.max(1.0);
            (start, free_at[t], s, g)
        })
        .collect();
    let mut peak = global_pairs + largest_draw;
    // the schedule costs the square of the partitions: beyond a few thousand (hundreds of
    // millions of neurons, far past any machine) the stores and pairs alone bound the peak
    // from below, which is all a refusal needs
    let jobs = if jobs.len() > MAX_SCHEDULED {
        peak += 8.0 * synapses;
        Vec::new()
    } else {
        jobs
    };
    for &(_, end, s, _) in &jobs {
        let mut at_end = waiting_and_done(&jobs, end, global_pairs) + 20.0 * s;
        for &(start_k, end_k, _, _) in &jobs {
            if start_k < end && end < end_k {
                at_end += 12.0 * (end - start_k);
            }
        }
        peak = peak.max(at_end);
    }
    let stores: f64 = parts.iter().map(|p| 8.0 * p.0).sum();
    // then the stores of each group of several partitions are copied into one, a group at a
    // time: all stores and the largest such group's copy at once
    let mut largest_copy: f64 = 0.0;
    let mut next = 0;
    for k in crate::layout::group_sizes(def, threads) {
        if k > 1 {
            let group: f64 = parts[next..next + k].iter().map(|p| 8.0 * p.0).sum();
            largest_copy = largest_copy.max(group);
        }
        next += k;
    }
    peak = peak.max(stores + largest_copy);
    MemoryEstimate {
        synapses,
        synapse_bytes: store,
        peak_bytes: fixed + peak + (store - synapses * 8.0).max(0.0),
    }
}

/// Partitions up to which the construction schedule is followed step by step.
const MAX_SCHEDULED: usize = 4096;

/// Bytes held at time `t` of the construction schedule `jobs` by the partitions done before it
/// (their stores) and by the global pairs whose partitions are not done yet.
fn waiting_and_done(jobs: &[(f64, f64, f64, f64)], t: f64, global_pairs: f64) -> f64 {
    jobs.iter()
        .filter(|j| j.1 < t)
        .map(|&(_, _, s, g)| 8.0 * s - 12.0 * g)
        .sum::<f64>()
        + global_pairs
}

/// Memory the system can give this process now (bytes), where it can be read: the least of
/// `MemAvailable` of /proc/meminfo, what an address-space limit (`ulimit -v`) leaves beside the
/// process's present size, and what a cgroup (v2) memory limit leaves beside its present use less
/// the page cache it can reclaim (`inactive_file`).
pub fn available_bytes() -> Option<f64> {
    let field = |text: &str, key: &str| -> Option<f64> {
        let line = text.lines().find(|l| l.starts_with(key))?;
        line[key.len()..].split_whitespace().next()?.parse().ok()
    };
    let mut least: Option<f64> = None;
    let mut take = |b: Option<f64>| {
        if let Some(b) = b {
            least = Some(least.map_or(b, |l: f64| l.min(b)));
        }
    };
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    take(field(&meminfo, "MemAvailable:").map(|kib| kib * 1024.0));
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    if let (Some(limit), Some(size)) = (
        field(&limits, "Max address space"),
        field(&status, "VmSize:"),
    ) {
        take(Some((limit - size * 1024.0).max(0.0)));
    }
    let cgroup = |f: &str| {
        std::fs::read_to_string(format!("/sys/fs/cgroup/{f}"))
            .ok()
            .and_then(|t| t.trim().parse::<f64>().ok())
    };
    if let (Some(max), Some(current)) = (cgroup("memory.max"), cgroup("memory.current")) {
        // the page cache the kernel can drop does not count as used
        let stat = std::fs::read_to_string("/sys/fs/cgroup/memory.stat").unwrap_or_default();
        let reclaimable = field(&stat, "inactive_file ").unwrap_or(0.0);
        take(Some((max - (current - reclaimable).max(0.0)).max(0.0)));
    }
    least
}

/// Refuses, before anything is allocated, a network whose estimated peak memory on `threads`
/// threads exceeds `limit` bytes (`what` says whose limit: "available on this machine"); the
/// message names the need, the synapses and what to make smaller. Every front end (the command
/// line, Python) asks here.
pub fn check_peak(def: &NetworkDef, threads: usize, limit: f64, what: &str) -> Result<(), String> {
    check_peak_per_process(def, threads, 1, limit, what)
}

/// [`check_peak`] for one of `processes` processes of a distributed run, each holding about
/// its share of the network: the estimate divided by the number of processes (measured on the
/// full microcircuit at 2 processes: 0.51 and 0.56 of one process's peak).
pub fn check_peak_per_process(
    def: &NetworkDef,
    threads: usize,
    processes: usize,
    limit: f64,
    what: &str,
) -> Result<(), String> {
    let est = estimate(def, threads);
    let processes = processes.max(1) as f64;
    if est.peak_bytes / processes <= limit {
        return Ok(());
    }
    let gib = |b: f64| b / 1024f64.powi(3);
    let each = if processes > 1.0 {
        format!(
            " (each of {processes} processes about {:.2} GiB)",
            gib(est.peak_bytes / processes)
        )
    } else {
        String::new()
    };
    Err(format!(
        "the network needs about {:.2} GiB at its peak{each} ({:.3e} synapses, {:.2} GiB of \
         synapse store) but {:.2} GiB are {what}; make it smaller (population sizes, connection \
         probability or in-degree) or build with fewer threads",
        gib(est.peak_bytes),
        est.synapses,
        gib(est.synapse_bytes),
        gib(limit)
    ))
}
