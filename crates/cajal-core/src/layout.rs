//! How populations are cut into partitions, the units of work that threads take.
//!
//! Every partition that a spike reaches costs a lookup of the spike's synapse run and the first
//! cache misses of a new stream, so partitions should be few and large. With more than one
//! thread they must also let the threads share the work evenly. Both are met by laying the
//! populations' blocks end to end, in order, and cutting that sequence into one contiguous
//! share per thread of about equal expected cost; a partition is what lies between two cuts
//! and population boundaries (and at most [`MAX_BLOCKS`] blocks and about [`MAX_SYNAPSES`]
//! synapses). On Brunel's network with two
//! threads this gives three partitions (6,144 and 3,856 excitatory neurons, 2,500 inhibitory)
//! whose costs pair up to within 2 %; cutting each population into one piece per thread gave
//! four, of which the best pairing was 10 % apart. The threads still take the partitions in
//! order of measured cost ([`crate::balance`]), which corrects a poor estimate somewhat. The
//! partitions of one share are also grouped ([`group_sizes`]) so that they keep their static
//! synapses in one store, each source's runs side by side: a thread delivering a spike to a
//! whole group then reads one stretch of memory instead of one per partition (Brunel on one
//! thread, where excitatory and inhibitory partitions form one group: 1.75 -> 1.56 s, nine
//! interleaved runs; on two, 1.05 -> 1.01 s). The layout never changes results: blocks keep
//! their random streams wherever they are cut.

use crate::memory::expected;
use crate::network::NetworkDef;
use crate::partition::BLOCK_SIZE;

/// Most blocks in one partition: synapse targets are 16-bit partition-local indices.
pub(crate) const MAX_BLOCKS: usize = 64;

/// Most expected synapses in one partition (2^25, 256 MiB of store): a partition holds its
/// synapses as 12-byte pairs and then also its 8-byte store while it is built, and as many are
/// built at once as there are threads. Without it the full microcircuit's peak on two threads
/// varied from 10.6 to 11.7 bytes per synapse between runs.
const MAX_SYNAPSES: f64 = 33_554_432.0;

/// Expected cost per neuron of a step and its deliveries, in the units of the balancer's first
/// guess: one per incoming synapse plus 64 for the neuron's own update.
const NEURON_COST: f64 = 64.0;

/// Expected incoming synapses per neuron of each population of `def`.
pub(crate) fn synapses_per_neuron(def: &NetworkDef) -> Vec<f64> {
    let pops = &def.populations;
    let mut per_neuron = vec![0.0; pops.len()];
    for proj in &def.projections {
        if let (Some(src), Some(tgt)) = (pops.get(proj.source), pops.get(proj.target)) {
            if tgt.size > 0 {
                per_neuron[proj.target] +=
                    expected(&proj.rule, src.size, tgt.size) / tgt.size as f64;
            }
        }
    }
    per_neuron
}

/// The sizes (neurons) of the partitions of each population of `def`, in order, for `threads`
/// threads (at least one).
pub(crate) fn partition_sizes(def: &NetworkDef, threads: usize) -> Vec<Vec<usize>> {
    cut(def, threads)
        .into_iter()
        .map(|pop| pop.into_iter().map(|(size, _)| size).collect())
        .collect()
}

/// Which thread shares a process works on. A run over `processes` processes of `threads`
/// threads each cuts the network into `processes × threads` shares, in order ([`cut`]); process
/// `rank` owns shares `rank × threads .. (rank + 1) × threads`, so each process holds a
/// contiguous run of blocks and the processes, taken in order, hold them in global order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Shares {
    /// Threads per process.
    pub threads: usize,
    /// Processes.
    pub processes: usize,
    /// This process.
    pub rank: usize,
}

impl Shares {
    /// One process of `threads` threads.
    pub fn one_process(threads: usize) -> Shares {
        Shares {
            threads: threads.max(1),
            processes: 1,
            rank: 0,
        }
    }

    /// Shares in all.
    pub fn total(&self) -> usize {
        self.threads * self.processes
    }

    /// True when this process works on share `share`.
    pub fn owns(&self, share: usize) -> bool {
        share / self.threads == self.rank
    }
}

/// Each population's partitions as (neurons, owned by this process), over every process's
/// partitions in order.
pub(crate) fn partition_owners(def: &NetworkDef, shares: Shares) -> Vec<Vec<(usize, bool)>> {
    cut(def, shares.total())
        .into_iter()
        .map(|pop| {
            pop.into_iter()
                .map(|(size, share)| (size, shares.owns(share)))
                .collect()
        })
        .collect()
}

/// How many consecutive partitions (in the order of [`partition_sizes`], populations one after
/// another) form each group that shares one synapse store ([`crate::synapses::Csr`]) and is
/// taken by one thread at a time: the partitions of one thread's share, packed in order into
/// groups of at most about [`MAX_SYNAPSES`] expected synapses (the store of a group is made by
/// copying its partitions' stores, so this also bounds the memory that copy needs).
pub(crate) fn group_sizes(def: &NetworkDef, threads: usize) -> Vec<usize> {
    group_sizes_of(def, Shares::one_process(threads))
}

/// [`group_sizes`] for the partitions that `shares` keeps.
pub(crate) fn group_sizes_of(def: &NetworkDef, shares: Shares) -> Vec<usize> {
    let synapses = synapses_per_neuron(def);
    let mut groups: Vec<usize> = Vec::new();
    let mut last: Option<(usize, f64)> = None; // the current group's share and synapses
    for (pi, pop) in cut(def, shares.total()).into_iter().enumerate() {
        for (size, share) in pop.into_iter().filter(|&(_, sh)| shares.owns(sh)) {
            let s = size as f64 * synapses[pi];
            match (&mut last, groups.last_mut()) {
                (Some((g_share, g_syn)), Some(count))
                    if *g_share == share && *g_syn + s <= MAX_SYNAPSES =>
                {
                    *count += 1;
                    *g_syn += s;
                }
                _ => {
                    groups.push(1);
                    last = Some((share, s));
                }
            }
        }
    }
    groups
}

/// Each population's partitions as (neurons, index of the thread share they belong to).
fn cut(def: &NetworkDef, threads: usize) -> Vec<Vec<(usize, usize)>> {
    let threads = threads.max(1);
    let pops = &def.populations;
    let synapses = synapses_per_neuron(def);
    let per_neuron: Vec<f64> = synapses.iter().map(|s| s + NEURON_COST).collect();
    let total: f64 = pops
        .iter()
        .zip(&per_neuron)
        .map(|(p, c)| p.size as f64 * c)
        .sum();
    let share = total / threads as f64;
    let mut thread = 0;
    let mut taken = 0.0; // expected cost given to the current thread so far
    pops.iter()
        .zip(&per_neuron)
        .zip(&synapses)
        .map(|((pop, &c), &syn)| {
            let per_block = syn * BLOCK_SIZE as f64;
            let max_blocks = if per_block > 0.0 {
                ((MAX_SYNAPSES / per_block) as usize).clamp(1, MAX_BLOCKS)
            } else {
                MAX_BLOCKS
            };
            let mut sizes = Vec::new();
            let mut current = 0;
            for lo in (0..pop.size).step_by(BLOCK_SIZE) {
                let n = BLOCK_SIZE.min(pop.size - lo);
                let cost = n as f64 * c;
                // the next thread's share starts here when that leaves this one nearer its
                // target than taking the block would
                if thread + 1 < threads && taken + cost / 2.0 > share {
                    if current > 0 {
                        sizes.push((current, thread));
                        current = 0;
                    }
                    thread += 1;
                    taken = 0.0;
                }
                if current == max_blocks * BLOCK_SIZE {
                    sizes.push((current, thread));
                    current = 0;
                }
                current += n;
                taken += cost;
            }
            if current > 0 {
                sizes.push((current, thread));
            }
            sizes
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Populations of `sizes`, each receiving 10 synapses per neuron from itself.
    fn brunel_like(sizes: &[usize]) -> NetworkDef {
        use crate::network::{PopulationDef, ProjectionDef, Rule};
        use crate::neuron::ModelKind;
        use crate::Dist;
        let populations = sizes
            .iter()
            .enumerate()
            .map(|(i, &size)| PopulationDef {
                name: format!("p{i}"),
                kind: ModelKind::IafPscDelta,
                size,
                params: Default::default(),
                initial: vec![],
                spike_times: vec![],
                threshold: None,
            })
            .collect();
        let projections = (0..sizes.len())
            .map(|i| {
                ProjectionDef::new(
                    format!("p{i}->p{i}"),
                    i,
                    i,
                    Rule::FixedIndegree { indegree: 10 },
                    Dist::Const(0.1),
                    Dist::Const(1.5),
                )
            })
            .collect();
        NetworkDef {
            dt: 0.1,
            seed: 1,
            populations,
            projections,
            inputs: vec![],
            records: vec![],
            astrocytes: vec![],
        }
    }

    #[test]
    fn one_thread_takes_each_population_whole_up_to_the_block_limit() {
        let def = brunel_like(&[10_000, 2_500, 70_000]);
        let sizes = partition_sizes(&def, 1);
        assert_eq!(sizes[0], vec![10_000]);
        assert_eq!(sizes[1], vec![2_500]);
        assert_eq!(sizes[2], vec![65_536, 70_000 - 65_536]);
    }

    #[test]
    fn partitions_of_many_synapses_are_cut_smaller() {
        let mut def = brunel_like(&[10_000]);
        def.projections[0].rule = crate::network::Rule::FixedIndegree { indegree: 10_000 };
        // 1.0e7 synapses per block: at most 3 blocks (3.1e7 synapses) per partition
        let sizes = partition_sizes(&def, 1);
        assert_eq!(sizes[0], vec![3072, 3072, 3072, 784]);
    }

    #[test]
    fn two_threads_get_contiguous_shares_of_about_equal_cost() {
        let def = brunel_like(&[10_000, 2_500]);
        let sizes = partition_sizes(&def, 2);
        assert_eq!(sizes, vec![vec![6_144, 3_856], vec![2_500]]);
        for threads in 1..=8 {
            let sizes = partition_sizes(&def, threads);
            for (pop, s) in def.populations.iter().zip(&sizes) {
                assert_eq!(s.iter().sum::<usize>(), pop.size);
                // every cut but the population's end lies on a block boundary
                assert!(s[..s.len() - 1].iter().all(|n| n % BLOCK_SIZE == 0));
            }
            let count: usize = sizes.iter().map(Vec::len).sum();
            assert!(
                count < def.populations.len() + threads,
                "{threads}: {sizes:?}"
            );
        }
    }

    #[test]
    fn a_threads_partitions_share_one_group_up_to_the_synapse_limit() {
        let def = brunel_like(&[10_000, 2_500]);
        // one thread: excitatory and inhibitory together; two: 6,144 | 3,856 + 2,500
        assert_eq!(group_sizes(&def, 1), vec![2]);
        assert_eq!(group_sizes(&def, 2), vec![1, 2]);
        for threads in 1..=8 {
            let partitions: usize = partition_sizes(&def, threads).iter().map(Vec::len).sum();
            let groups = group_sizes(&def, threads);
            assert_eq!(groups.iter().sum::<usize>(), partitions, "{threads}");
            assert!(groups.len() <= threads, "{threads}: {groups:?}");
        }
        // 1.0e7 synapses per block: partitions of 3 blocks (3.1e7 synapses) stay alone
        let mut big = brunel_like(&[10_000]);
        big.projections[0].rule = crate::network::Rule::FixedIndegree { indegree: 10_000 };
        assert_eq!(group_sizes(&big, 1), vec![1, 1, 1, 1]);
    }
}
