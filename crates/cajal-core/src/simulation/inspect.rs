//! Reading a simulation: its clock and sizes, recorded spikes, state traces, weights and
//! statistics (spike times added from outside: `episode.rs`).

use super::{
    PopulationInfo, PopulationStats, ProjectionWeights, Simulation, SpikeTrains, StateTrace,
};
use crate::builder::{AstrocyteId, PopulationId, ProjectionId};
use crate::error::{BuildError, ErrorKind, Place};
use crate::partition::Partition;
use crate::plasticity::Learning;

fn foreign(what: &str) -> BuildError {
    BuildError::new(
        ErrorKind::ForeignHandle,
        Place::Network,
        what,
        format!("this {what} handle belongs to another network"),
    )
}

impl Simulation {
    /// The population behind a handle.
    pub(super) fn info(&self, pop: PopulationId) -> Result<&PopulationInfo, BuildError> {
        if pop.network != self.network {
            return Err(foreign("population"));
        }
        self.populations
            .get(pop.index())
            .ok_or_else(|| foreign("population"))
    }

    /// The index of a projection handle of this network.
    pub(super) fn projection_index(&self, proj: ProjectionId) -> Result<usize, BuildError> {
        if proj.network != self.network || proj.index() >= self.projections.len() {
            return Err(foreign("projection"));
        }
        Ok(proj.index())
    }

    /// The partitions of a population.
    pub(super) fn parts_of(&self, pop: PopulationId) -> Result<&[Partition], BuildError> {
        let range = self.info(pop)?.partitions.clone();
        Ok(&self.partitions[range])
    }

    /// The handle of the population named `name`.
    pub fn population(&self, name: &str) -> Option<PopulationId> {
        let i = self.populations.iter().position(|p| p.name == name)?;
        Some(self.population_id(i))
    }

    /// The handles of all populations, in the order they were added.
    pub fn population_ids(&self) -> Vec<PopulationId> {
        (0..self.populations.len())
            .map(|i| self.population_id(i))
            .collect()
    }

    fn population_id(&self, i: usize) -> PopulationId {
        PopulationId {
            network: self.network,
            index: i as u32,
        }
    }

    /// Size, model, name and place in the global numbering of a population.
    pub fn population_info(&self, pop: PopulationId) -> Result<&PopulationInfo, BuildError> {
        self.info(pop)
    }

    /// The handle of the projection named `name`.
    pub fn projection(&self, name: &str) -> Option<ProjectionId> {
        let i = self.projections.iter().position(|p| p == name)?;
        Some(ProjectionId {
            network: self.network,
            index: i as u32,
        })
    }

    /// The handles and names of all projections, in the order they were added.
    pub fn projection_ids(&self) -> Vec<(ProjectionId, &str)> {
        let id = |i: usize| ProjectionId {
            network: self.network,
            index: i as u32,
        };
        self.projections
            .iter()
            .enumerate()
            .map(|(i, n)| (id(i), n.as_str()))
            .collect()
    }

    /// The handles and names of all astrocytes, in the order they were added.
    pub fn astrocyte_ids(&self) -> Vec<(AstrocyteId, &str)> {
        let id = |i: usize| AstrocyteId {
            network: self.network,
            index: i as u32,
        };
        self.astrocytes
            .iter()
            .enumerate()
            .map(|(i, n)| (id(i), n.as_str()))
            .collect()
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
        let stores: usize = self.groups.iter().map(|g| g.csr.bytes()).sum();
        let plastic: usize = self
            .partitions
            .iter()
            .map(|p| p.learning.iter().map(|l| l.bytes()).sum::<usize>())
            .sum();
        (stores + plastic) as u64
    }

    /// Recorded spikes of population `pop`, ordered by time then sender.
    pub fn spike_trains(&self, pop: PopulationId) -> Result<SpikeTrains, BuildError> {
        let mut all: Vec<(u64, u32)> = Vec::new();
        for p in self.parts_of(pop)? {
            all.extend_from_slice(&p.recorded);
        }
        all.sort_unstable();
        Ok(SpikeTrains {
            times: all.iter().map(|&(s, _)| (s + 1) as f64 * self.dt).collect(),
            senders: all.iter().map(|&(_, i)| i).collect(),
        })
    }

    /// Number of neurons of population `pop` whose spikes are recorded.
    pub fn recorded_neurons(&self, pop: PopulationId) -> Result<usize, BuildError> {
        Ok(self
            .parts_of(pop)?
            .iter()
            .map(|p| p.record_mask.iter().filter(|&&m| m).count())
            .sum())
    }

    /// Indices (within the population) of the neurons of `pop` whose spikes are recorded, in order.
    pub fn recorded_ids(&self, pop: PopulationId) -> Result<Vec<u32>, BuildError> {
        let info = self.info(pop)?;
        let mut ids = Vec::new();
        for p in &self.partitions[info.partitions.clone()] {
            for (i, &m) in p.record_mask.iter().enumerate() {
                if m {
                    ids.push(p.first_gid - info.first_gid + i as u32);
                }
            }
        }
        Ok(ids)
    }

    /// Every synapse of the network (plastic ones with their current weight) as
    /// `(source gid, target gid, weight, delay ms)`, sorted by
    /// target then source (global ids count the populations in order from 0). This is the
    /// ground-truth connectome that connectivity inference is scored against.
    pub fn connections(&self) -> Vec<(u32, u32, f32, f64)> {
        // (this process's synapses: `synapses` counts every process's)
        let mine: usize = self.groups.iter().map(|g| g.csr.len()).sum::<usize>()
            + self.learning().map(|l| l.len()).sum::<usize>();
        let mut all = Vec::with_capacity(mine);
        let group_of = self
            .groups
            .iter()
            .flat_map(|g| g.parts.clone().map(move |i| (g, i - g.parts.start)));
        for (p, (g, j)) in self.partitions.iter().zip(group_of) {
            for s in 0..g.csr.n_sources() {
                for syn in g.csr.run(s as u32, j).iter() {
                    all.push((
                        s as u32,
                        p.first_gid + syn.target as u32,
                        syn.weight,
                        syn.delay as f64 * self.dt,
                    ));
                }
            }
            for l in &p.learning {
                l.append_connections(&mut all, p.first_gid, self.step as i64 - 1, self.dt);
            }
        }
        all.sort_by_key(|&(s, t, _, _)| (t, s));
        all
    }

    /// Weights of a projection: for plastic projections as they stand now with the recorded
    /// snapshots, for static ones when their weights were asked to be recorded. `None` for a
    /// static projection without `record_weights`.
    pub fn weights(&self, proj: ProjectionId) -> Result<Option<ProjectionWeights>, BuildError> {
        let ji = self.projection_index(proj)?;
        let mut out = ProjectionWeights::default();
        let mut found = false;
        let now = self.step as i64 - 1;
        for p in &self.partitions {
            for l in p.learning.iter().filter(|l| l.projection() == ji) {
                found = true;
                l.append_weights(&mut out, p.offset, now, self.dt);
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
        Ok(found.then_some(out))
    }

    /// An astrocyte's value `A` over time as `(times ms, values)`, sampled every millisecond
    /// (each value holds at the start of its time step); `None` if no projection uses it.
    #[allow(clippy::type_complexity)]
    pub fn astrocyte_trace(
        &self,
        astrocyte: AstrocyteId,
    ) -> Result<Option<(Vec<f64>, Vec<f64>)>, BuildError> {
        let ai = self.astrocyte_index(astrocyte)?;
        Ok(self.learning().find_map(|l| {
            let (i, tr) = l.astrocyte_trace()?;
            (i == ai).then(|| {
                (
                    tr.iter().map(|&(s, _)| s as f64 * self.dt).collect(),
                    tr.iter().map(|&(_, a)| a).collect(),
                )
            })
        }))
    }

    /// An astrocyte's value `A` now (at the start of the next step); `None` if no projection
    /// uses it.
    pub fn astrocyte_now(&self, astrocyte: AstrocyteId) -> Result<Option<f64>, BuildError> {
        let ai = self.astrocyte_index(astrocyte)?;
        Ok(self
            .learning()
            .find_map(|l| l.astrocyte_now().filter(|&(i, _)| i == ai).map(|(_, a)| a)))
    }

    /// The index of an astrocyte of this network.
    fn astrocyte_index(&self, astrocyte: AstrocyteId) -> Result<usize, BuildError> {
        if astrocyte.network != self.network || astrocyte.index() >= self.astrocytes.len() {
            return Err(foreign("astrocyte"));
        }
        Ok(astrocyte.index())
    }

    /// Every learning projection of every partition.
    fn learning(&self) -> impl Iterator<Item = &crate::plasticity::LearningProjection> {
        self.partitions.iter().flat_map(|p| &p.learning)
    }

    /// True when population `pop` records spikes.
    pub fn records_spikes(&self, pop: PopulationId) -> Result<bool, BuildError> {
        Ok(self
            .parts_of(pop)?
            .iter()
            .any(|p| !p.record_mask.is_empty()))
    }

    /// Sampled state of population `pop`, if it has a state recorder.
    pub fn state_trace(&self, pop: PopulationId) -> Result<Option<StateTrace>, BuildError> {
        let parts: Vec<&Partition> = self
            .parts_of(pop)?
            .iter()
            .filter(|p| p.state.is_some())
            .collect();
        let Some(first) = parts.first().and_then(|p| p.state.as_ref()) else {
            return Ok(None);
        };
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
        Ok(Some(StateTrace {
            times: rows
                .iter()
                .map(|&(s, ..)| (s + 1) as f64 * self.dt)
                .collect(),
            senders: rows.iter().map(|&(_, i, ..)| i).collect(),
            variables,
        }))
    }

    /// Spike count, mean rate and mean ISI CV of population `pop` over the simulated time.
    pub fn population_stats(&self, pop: PopulationId) -> Result<PopulationStats, BuildError> {
        let info = self.info(pop)?;
        let spikes: u64 = self
            .parts_of(pop)?
            .iter()
            .map(|p| p.stats.count.iter().map(|&c| c as u64).sum::<u64>())
            .sum();
        Ok(PopulationStats::from_parts(
            spikes,
            &self.isi_cvs(pop)?,
            info.size,
            self.time_ms(),
        ))
    }

    /// The ISI coefficients of variation (std/mean) of the neurons of `pop` with at least 3
    /// spikes, in neuron order: what [`PopulationStats::cv_isi`] averages (a distributed run
    /// joins the processes' lists in rank order, which is neuron order).
    pub fn isi_cvs(&self, pop: PopulationId) -> Result<Vec<f64>, BuildError> {
        let mut cvs = Vec::new();
        for p in self.parts_of(pop)? {
            let st = &p.stats;
            for i in 0..p.len() {
                if st.count[i] >= 3 {
                    let n = (st.count[i] - 1) as f64;
                    let mean = st.isi_sum[i] / n;
                    let var = (st.isi_sq[i] / n - mean * mean).max(0.0);
                    cvs.push(var.sqrt() / mean);
                }
            }
        }
        Ok(cvs)
    }

    /// This process's rank in a distributed run (0 in one process).
    pub fn rank(&self) -> usize {
        self.communicator.rank()
    }

    /// The processes that share the network (1 unless built with
    /// [`crate::Network::build_distributed`]).
    pub fn processes(&self) -> usize {
        self.communicator.processes()
    }

    /// The communicator between the processes of a distributed run, for the caller's own
    /// collective steps between runs (gathering outputs, agreeing to stop).
    pub fn communicator_mut(&mut self) -> &mut dyn crate::Communicator {
        &mut *self.communicator
    }

    /// Spike counts of every neuron of population `pop`.
    pub fn spike_counts(&self, pop: PopulationId) -> Result<Vec<u32>, BuildError> {
        Ok(self
            .parts_of(pop)?
            .iter()
            .flat_map(|p| p.stats.count.iter().copied())
            .collect())
    }

    /// Current value of a state variable of every neuron of population `pop`.
    pub fn state_now(&self, pop: PopulationId, variable: &str) -> Result<Vec<f64>, BuildError> {
        let info = self.info(pop)?;
        let mut out = Vec::new();
        for p in self.parts_of(pop)? {
            let values = p.dynamics.variable(variable).ok_or_else(|| {
                BuildError::new(
                    ErrorKind::UnknownName,
                    Place::Population(pop.index()),
                    "variable",
                    format!(
                        "{} has no state variable '{variable}'; it has: {}",
                        info.kind.name(),
                        info.kind.state_variables().join(", ")
                    ),
                )
                .named(&info.name)
            })?;
            if values.is_empty() {
                // a threshold offset not allocated yet: zero for every neuron
                out.resize(out.len() + p.len(), 0.0);
            } else {
                out.extend_from_slice(values);
            }
        }
        Ok(out)
    }
}
