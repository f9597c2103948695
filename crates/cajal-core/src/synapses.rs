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

/// For each global source id, a contiguous run of the synapses it makes onto one partition.
#[derive(Clone, Debug, Default)]
pub struct Csr {
    /// `runs[s]..runs[s + 1]` indexes the synapses of source `s`.
    pub runs: Vec<u32>,
    /// The synapses, grouped by source.
    pub synapses: Vec<Synapse>,
    /// The delay (steps) of every synapse, when they all have the same one: delivery then
    /// finds a spike's ring row once instead of once per synapse.
    pub uniform_delay: Option<u16>,
}

impl Csr {
    /// Builds the CSR from `(global source, synapse)` pairs by a stable counting sort, so the
    /// order within a run is the order in which synapses were drawn.
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
            runs,
            synapses,
            uniform_delay,
        })
    }

    /// The synapses of global source `s`.
    #[inline]
    pub fn run(&self, s: u32) -> &[Synapse] {
        let (a, b) = (
            self.runs[s as usize] as usize,
            self.runs[s as usize + 1] as usize,
        );
        &self.synapses[a..b]
    }

    /// Hints the processor to fetch the first `bytes` of source `s`'s run (no effect on
    /// results; a no-op off x86-64).
    #[inline]
    pub fn prefetch_run(&self, s: u32, bytes: usize) {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            let a = self.runs[s as usize] as usize;
            let b = self.runs[s as usize + 1] as usize;
            let len = (b - a) * std::mem::size_of::<Synapse>();
            let p = self.synapses[a..b].as_ptr() as *const i8;
            for off in (0..len.min(bytes)).step_by(64) {
                // SAFETY: `p + off` lies inside the run's slice; prefetching never faults.
                #[allow(unused_unsafe)]
                unsafe {
                    _mm_prefetch(p.add(off), _MM_HINT_T0)
                };
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = (s, bytes);
    }

    /// Hints the processor to fetch the cache line `bytes` past the start of `run[at..]`
    /// (possibly past the run's end: a prefetch never faults and changes no result).
    #[inline(always)]
    pub fn prefetch_ahead(run: &[Synapse], at: usize, bytes: usize) {
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

    /// Hints the processor to fetch the index entry of source `s` (where its run starts), so
    /// that a later [`Csr::prefetch_run`] of the same source does not wait for it.
    #[inline]
    pub fn prefetch_index(&self, s: u32) {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            let p = self.runs[s as usize..].as_ptr() as *const i8;
            // SAFETY: `p` points into `runs`; prefetching never faults.
            #[allow(unused_unsafe)]
            unsafe {
                _mm_prefetch(p, _MM_HINT_T0)
            };
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = s;
    }

    /// The longest delay stored (steps), 0 when empty.
    pub fn max_delay(&self) -> u16 {
        self.synapses.iter().map(|s| s.delay).max().unwrap_or(0)
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
            csr.run(0).iter().map(|s| s.target).collect::<Vec<_>>(),
            vec![1, 4]
        );
        assert_eq!(
            csr.run(1).iter().map(|s| s.target).collect::<Vec<_>>(),
            vec![3]
        );
        assert_eq!(
            csr.run(2).iter().map(|s| s.target).collect::<Vec<_>>(),
            vec![0, 2]
        );
        assert!(csr.run(3).is_empty());
        assert_eq!(csr.uniform_delay, Some(1));
    }

    #[test]
    fn a_uniform_delay_is_found_only_when_every_synapse_has_it() {
        let syn = |delay: u16| Synapse {
            weight: 1.0,
            target: 0,
            delay,
        };
        let mixed = Csr::from_pairs(2, &[(0, syn(3)), (1, syn(3)), (1, syn(4))]).unwrap();
        assert_eq!(mixed.uniform_delay, None);
        let same = Csr::from_pairs(2, &[(1, syn(4)), (0, syn(4))]).unwrap();
        assert_eq!(same.uniform_delay, Some(4));
        assert_eq!(Csr::from_pairs(2, &[]).unwrap().uniform_delay, None);
    }
}
