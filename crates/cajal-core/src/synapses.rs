//! Synapse storage: compressed by source (CSR), owned by the partition of the targets.

/// One static synapse as stored: 8 bytes, read sequentially when its source spikes.
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(C)]
pub struct Synapse {
    /// Weight (sign selects excitatory or inhibitory receptor).
    pub weight: f32,
    /// Target index within the owning partition.
    pub target: u16,
    /// Delay in steps (>= 1).
    pub delay: u16,
}

/// The static synapses onto a group of consecutive partitions, compressed by source (CSR):
/// for each global source id, one contiguous run of its synapses onto each partition of the
/// group, the runs of one source lying next to each other. A spike then reads one stretch of
/// memory for all the partitions of a group: each separate run began with a cache and TLB miss,
/// about 120 ns per spike and partition on Brunel's network.
#[derive(Clone, Debug)]
pub struct Csr {
    /// Partitions in the group (`k`).
    pub parts: usize,
    /// `runs[s * k + j]..runs[s * k + j + 1]` indexes the synapses of source `s` onto the
    /// group's partition `j`.
    pub runs: Vec<u32>,
    /// The synapses, grouped by source, then partition (empty when [`Csr::compact`] holds them).
    pub synapses: Vec<Synapse>,
    /// Per partition of the group: the delay (steps) of every one of its synapses, when they
    /// all have the same one (delivery then finds a spike's ring row once instead of once per
    /// synapse).
    pub uniform_delay: Vec<Option<u16>>,
    /// Per partition of the group: whether any static synapse ends on it (delivery passes over
    /// a partition that has none and no learning projection).
    pub receives: Vec<bool>,
    /// The same synapses in 2 bytes each instead of 8, when every partition of the group has
    /// one delay and every run one weight (as in networks whose projections have fixed weights
    /// and delays, such as Brunel's and the CUBA benchmark).
    pub compact: Option<Compact>,
}

/// Synapses stored as their targets alone: the weight is the run's, the delay the partition's.
#[derive(Clone, Debug, PartialEq)]
pub struct Compact {
    /// Weight of each run, indexed as `runs` is.
    pub weights: Vec<f32>,
    /// Target index within the owning partition, in the order of [`Csr::synapses`].
    pub targets: Vec<u16>,
}

/// The synapses of one source onto one partition.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Run<'a> {
    /// Each with its weight and delay.
    Full(&'a [Synapse]),
    /// Targets sharing one weight and one delay.
    Shared {
        /// Target indices within the partition.
        targets: &'a [u16],
        /// Their weight.
        weight: f32,
        /// Their delay (steps).
        delay: u16,
    },
}

impl<'a> Run<'a> {
    /// Number of synapses.
    pub fn len(&self) -> usize {
        match self {
            Run::Full(s) => s.len(),
            Run::Shared { targets, .. } => targets.len(),
        }
    }

    /// The synapses, each as stored in full.
    pub fn iter(self) -> impl Iterator<Item = Synapse> + 'a {
        let (full, shared) = match self {
            Run::Full(s) => (s, None),
            Run::Shared {
                targets,
                weight,
                delay,
            } => (&[][..], Some((targets, weight, delay))),
        };
        full.iter()
            .copied()
            .chain(shared.into_iter().flat_map(|(targets, weight, delay)| {
                targets.iter().map(move |&target| Synapse {
                    weight,
                    target,
                    delay,
                })
            }))
    }
}

impl Default for Csr {
    /// No synapses onto one partition.
    fn default() -> Self {
        Csr {
            parts: 1,
            runs: Vec::new(),
            synapses: Vec::new(),
            uniform_delay: vec![None],
            receives: vec![false],
            compact: None,
        }
    }
}

impl Csr {
    /// Builds the CSR of one partition from `(global source, synapse)` pairs by a stable
    /// counting sort, so the order within a run is the order in which synapses were drawn.
    pub fn from_pairs(n_sources: usize, pairs: &[(u32, Synapse)]) -> Result<Self, String> {
        if pairs.len() > u32::MAX as usize {
            return Err(format!(
                "{} synapses onto one partition exceed the 2^32 limit",
                pairs.len()
            ));
        }
        let mut runs = vec![0u32; n_sources + 1];
        for &(s, _) in pairs {
            runs[s as usize + 1] += 1;
        }
        for i in 0..n_sources {
            runs[i + 1] += runs[i];
        }
        let mut fill = runs.clone();
        let mut synapses = vec![
            Synapse {
                weight: 0.0,
                target: 0,
                delay: 0
            };
            pairs.len()
        ];
        for &(s, syn) in pairs {
            let k = &mut fill[s as usize];
            synapses[*k as usize] = syn;
            *k += 1;
        }
        let first = synapses.first().map(|s| s.delay);
        let uniform_delay = first.filter(|&d| synapses.iter().all(|s| s.delay == d));
        Ok(Csr {
            parts: 1,
            runs,
            synapses,
            uniform_delay: vec![uniform_delay],
            receives: vec![!pairs.is_empty()],
            compact: None,
        })
    }

    /// One CSR for the partitions of `each` (one CSR per partition, all over the same sources),
    /// each source's runs placed next to each other in partition order.
    pub fn interleave(each: Vec<Csr>) -> Result<Csr, String> {
        debug_assert!(each.iter().all(|c| c.compact.is_none()));
        if each.len() == 1 {
            return Ok(each.into_iter().next().expect("one"));
        }
        let k = each.len();
        let total: usize = each.iter().map(|c| c.synapses.len()).sum();
        if total > u32::MAX as usize {
            return Err(format!(
                "{total} synapses onto one group of partitions exceed the 2^32 limit"
            ));
        }
        let n_sources = each.iter().map(|c| c.n_sources()).max().unwrap_or(0);
        let mut runs = Vec::with_capacity(n_sources * k + 1);
        let mut synapses = Vec::with_capacity(total);
        runs.push(0);
        for s in 0..n_sources as u32 {
            for c in &each {
                if (s as usize) < c.n_sources() {
                    synapses.extend_from_slice(c.full_run(s, 0));
                }
                runs.push(synapses.len() as u32);
            }
        }
        Ok(Csr {
            parts: k,
            runs,
            synapses,
            uniform_delay: each.iter().map(|c| c.uniform_delay[0]).collect(),
            receives: each.iter().map(|c| c.receives[0]).collect(),
            compact: None,
        })
    }

    /// This store in its [`Compact`] form when every partition has one delay and every run one
    /// weight (the same bits), otherwise unchanged. Delivery adds the same weights in the same
    /// order either way.
    pub fn compacted(mut self) -> Csr {
        if self.compact.is_some() || self.uniform_delay.iter().any(Option::is_none) {
            return self;
        }
        let mut weights = Vec::with_capacity(self.runs.len().saturating_sub(1));
        for w in self.runs.windows(2) {
            let run = &self.synapses[w[0] as usize..w[1] as usize];
            let first = run.first().map_or(0.0, |s| s.weight);
            if run.iter().any(|s| s.weight.to_bits() != first.to_bits()) {
                return self;
            }
            weights.push(first);
        }
        let targets = self.synapses.iter().map(|s| s.target).collect();
        self.synapses = Vec::new();
        self.compact = Some(Compact { weights, targets });
        self
    }

    /// Number of synapses.
    pub fn len(&self) -> usize {
        self.runs.last().map_or(0, |&n| n as usize)
    }

    /// Bytes held: the run index and the synapses.
    pub fn bytes(&self) -> usize {
        let compact = self
            .compact
            .as_ref()
            .map_or(0, |c| c.weights.len() * 4 + c.targets.len() * 2);
        self.runs.len() * 4 + self.synapses.len() * std::mem::size_of::<Synapse>() + compact
    }

    /// Number of source ids indexed.
    pub fn n_sources(&self) -> usize {
        self.runs.len().saturating_sub(1) / self.parts
    }

    /// The synapses of global source `s` onto the group's partition `part`.
    #[inline]
    pub fn run(&self, s: u32, part: usize) -> Run<'_> {
        let i = s as usize * self.parts + part;
        let (a, b) = (self.runs[i] as usize, self.runs[i + 1] as usize);
        match &self.compact {
            None => Run::Full(&self.synapses[a..b]),
            Some(c) => Run::Shared {
                targets: &c.targets[a..b],
                weight: c.weights[i],
                delay: self.uniform_delay[part].unwrap_or(0),
            },
        }
    }

    /// [`Csr::run`] of a store not compacted.
    fn full_run(&self, s: u32, part: usize) -> &[Synapse] {
        let i = s as usize * self.parts + part;
        &self.synapses[self.runs[i] as usize..self.runs[i + 1] as usize]
    }

    /// Hints the processor to fetch the first `bytes` of source `s`'s runs onto the group's
    /// partitions `parts` (no effect on results; a no-op off x86-64).
    #[inline]
    pub fn prefetch_run(&self, s: u32, parts: std::ops::Range<usize>, bytes: usize) {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            let a = self.runs[s as usize * self.parts + parts.start] as usize;
            let b = self.runs[s as usize * self.parts + parts.end] as usize;
            let (p, len) = match &self.compact {
                None => (
                    self.synapses[a..b].as_ptr() as *const i8,
                    (b - a) * std::mem::size_of::<Synapse>(),
                ),
                Some(c) => (c.targets[a..b].as_ptr() as *const i8, (b - a) * 2),
            };
            for off in (0..len.min(bytes)).step_by(64) {
                // SAFETY: `p + off` lies inside the run's slice; prefetching never faults.
                #[allow(unused_unsafe)]
                unsafe {
                    _mm_prefetch(p.add(off), _MM_HINT_T0)
                };
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = (s, parts, bytes);
    }

    /// Hints the processor to fetch the cache line `bytes` past the start of `run[at..]`
    /// (possibly past the run's end: a prefetch never faults and changes no result).
    #[inline(always)]
    pub fn prefetch_ahead<T>(run: &[T], at: usize, bytes: usize) {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            let p = (run.as_ptr().wrapping_add(at) as *const i8).wrapping_add(bytes);
            // SAFETY: prefetching never faults, whatever the address.
            #[allow(unused_unsafe)]
            unsafe {
                _mm_prefetch(p, _MM_HINT_T0)
            };
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = (run, at, bytes);
    }

    /// Hints the processor to fetch the index entry of source `s`'s run onto the group's
    /// partition `part` (where it starts), so that a later [`Csr::prefetch_run`] of the same
    /// source does not wait for it.
    #[inline]
    pub fn prefetch_index(&self, s: u32, part: usize) {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            let p = self.runs[s as usize * self.parts + part..].as_ptr() as *const i8;
            // SAFETY: `p` points into `runs`; prefetching never faults.
            #[allow(unused_unsafe)]
            unsafe {
                _mm_prefetch(p, _MM_HINT_T0)
            };
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = (s, part);
    }

    /// The delays stored (steps): each synapse's, or each partition's where they are compact.
    fn delays(&self) -> Box<dyn Iterator<Item = u16> + '_> {
        match &self.compact {
            None => Box::new(self.synapses.iter().map(|s| s.delay)),
            Some(_) => Box::new(self.uniform_delay.iter().flatten().copied()),
        }
    }

    /// The longest delay stored (steps), 0 when empty.
    pub fn max_delay(&self) -> u16 {
        self.delays().max().unwrap_or(0)
    }

    /// The shortest delay stored (steps), `None` when empty.
    pub fn min_delay(&self) -> Option<u16> {
        self.delays().min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csr_groups_by_source_and_keeps_drawing_order() {
        let syn = |t: u16| Synapse {
            weight: t as f32,
            target: t,
            delay: 1,
        };
        let pairs = vec![
            (2, syn(0)),
            (0, syn(1)),
            (2, syn(2)),
            (1, syn(3)),
            (0, syn(4)),
        ];
        let csr = Csr::from_pairs(4, &pairs).unwrap();
        assert_eq!(
            csr.run(0, 0).iter().map(|s| s.target).collect::<Vec<_>>(),
            vec![1, 4]
        );
        assert_eq!(
            csr.run(1, 0).iter().map(|s| s.target).collect::<Vec<_>>(),
            vec![3]
        );
        assert_eq!(
            csr.run(2, 0).iter().map(|s| s.target).collect::<Vec<_>>(),
            vec![0, 2]
        );
        assert_eq!(csr.run(3, 0).len(), 0);
        assert_eq!(csr.uniform_delay, vec![Some(1)]);
    }

    #[test]
    fn a_uniform_delay_is_found_only_when_every_synapse_has_it() {
        let syn = |delay: u16| Synapse {
            weight: 1.0,
            target: 0,
            delay,
        };
        let mixed = Csr::from_pairs(2, &[(0, syn(3)), (1, syn(3)), (1, syn(4))]).unwrap();
        assert_eq!(mixed.uniform_delay, vec![None]);
        let same = Csr::from_pairs(2, &[(1, syn(4)), (0, syn(4))]).unwrap();
        assert_eq!(same.uniform_delay, vec![Some(4)]);
        assert_eq!(Csr::from_pairs(2, &[]).unwrap().uniform_delay, vec![None]);
    }

    #[test]
    fn interleaving_puts_a_sources_runs_side_by_side_in_partition_order() {
        let syn = |t: u16, delay: u16| Synapse {
            weight: 1.0,
            target: t,
            delay,
        };
        let a = Csr::from_pairs(3, &[(0, syn(0, 2)), (2, syn(1, 2)), (0, syn(2, 2))]).unwrap();
        let b = Csr::from_pairs(3, &[(2, syn(7, 1)), (1, syn(8, 3))]).unwrap();
        let both = Csr::interleave(vec![a.clone(), b.clone()]).unwrap();
        assert_eq!(both.parts, 2);
        assert_eq!(both.n_sources(), 3);
        assert_eq!(both.uniform_delay, vec![Some(2), None]);
        for s in 0..3 {
            assert_eq!(both.run(s, 0), a.run(s, 0));
            assert_eq!(both.run(s, 1), b.run(s, 0));
        }
        let targets: Vec<u16> = both.synapses.iter().map(|s| s.target).collect();
        assert_eq!(targets, vec![0, 2, 8, 1, 7]);
        assert_eq!(Csr::interleave(vec![a.clone()]).unwrap().runs, a.runs);
    }

    #[test]
    fn a_store_of_one_weight_per_run_and_one_delay_per_partition_is_kept_as_targets() {
        let syn = |t: u16, weight: f32, delay: u16| Synapse {
            weight,
            target: t,
            delay,
        };
        let a = Csr::from_pairs(
            3,
            &[
                (0, syn(0, 0.5, 2)),
                (2, syn(1, -1.0, 2)),
                (0, syn(2, 0.5, 2)),
            ],
        );
        let b = Csr::from_pairs(3, &[(2, syn(7, 3.0, 1)), (1, syn(8, 0.25, 1))]);
        let full = Csr::interleave(vec![a.unwrap(), b.unwrap()]).unwrap();
        let compact = full.clone().compacted();
        assert!(compact.synapses.is_empty());
        assert_eq!(
            compact.compact.as_ref().unwrap().targets,
            vec![0, 2, 8, 1, 7]
        );
        assert_eq!((compact.len(), full.len()), (5, 5));
        assert!(compact.bytes() < full.bytes());
        assert_eq!(compact.max_delay(), full.max_delay());
        assert_eq!(compact.min_delay(), full.min_delay());
        for s in 0..3 {
            for part in 0..2 {
                let (c, f) = (compact.run(s, part), full.run(s, part));
                assert!(matches!(c, Run::Shared { .. }) && matches!(f, Run::Full(_)));
                assert_eq!(c.iter().collect::<Vec<_>>(), f.iter().collect::<Vec<_>>());
            }
        }
        // two weights in one run, or two delays in one partition: kept in full
        let mixed_weight = Csr::from_pairs(2, &[(0, syn(0, 0.5, 1)), (0, syn(1, 0.75, 1))]);
        let mixed_delay = Csr::from_pairs(2, &[(0, syn(0, 0.5, 1)), (1, syn(1, 0.5, 2))]);
        for c in [mixed_weight.unwrap(), mixed_delay.unwrap()] {
            let kept = c.clone().compacted();
            assert!(kept.compact.is_none());
            assert_eq!(kept.synapses, c.synapses);
        }
    }
}
