//! Clamping a population to a teacher's spikes, as supervised learning on data does (BindsNET's
//! `clamp` and `unclamp`): while clamped, its neurons emit exactly the spikes they are given.

use super::{ScheduleError, Simulation};
use crate::builder::PopulationId;

impl Simulation {
    /// Clamps population `pop` for the runs that follow: its neuron `senders[k]` emits a spike in
    /// step `steps[k]` (each at or after the current step, [`Simulation::steps_done`]) and no
    /// neuron of it emits any other. The neurons' own dynamics go on (a threshold crossing still
    /// resets the membrane), but what they emit is replaced by the schedule: that is what their
    /// targets, plastic synapses, adaptive thresholds, recordings and spike counts see. A new
    /// call replaces the schedule; [`Simulation::release_clamp`] ends the clamp. A run setting,
    /// as [`Simulation::set_learning`]: a checkpoint does not keep it. Refused, changing nothing,
    /// for a spike source (give a spike generator its spikes with
    /// [`Simulation::add_spike_steps`]), a neuron outside the population, a step already past or
    /// a neuron given twice in one step.
    pub fn clamp_spikes(
        &mut self,
        pop: PopulationId,
        senders: &[u32],
        steps: &[u64],
    ) -> Result<(), ScheduleError> {
        let now = self.step;
        self.clamp_with(pop, senders, steps.len(), |k| {
            super::episode::not_before(steps[k], now)
        })
    }

    /// [`Simulation::clamp_spikes`] with the spikes given by time, as
    /// [`Simulation::add_spike_events`] takes them: neuron `senders[k]` spikes at `times_ms[k]`,
    /// on the dt grid and later than the current time (the spike at `t` is emitted in the step
    /// that ends at `t`).
    pub fn clamp_spike_times(
        &mut self,
        pop: PopulationId,
        senders: &[u32],
        times_ms: &[f64],
    ) -> Result<(), ScheduleError> {
        let (now, dt) = (self.step, self.dt);
        self.clamp_with(pop, senders, times_ms.len(), |k| {
            super::episode::emission_step(times_ms[k], now, dt)
        })
    }

    /// The work of [`Simulation::clamp_spikes`] and [`Simulation::clamp_spike_times`]: spike
    /// `k` of `count` is neuron `senders[k]` in the step `step_of(k)`.
    fn clamp_with(
        &mut self,
        pop: PopulationId,
        senders: &[u32],
        count: usize,
        step_of: impl Fn(usize) -> Result<u64, String>,
    ) -> Result<(), ScheduleError> {
        let (name, range) = self.read_schedule(pop, senders, count, step_of, |kind| {
            kind.is_source().then(|| {
                format!(
                    "it is a {}, a source: clamping is for neurons that integrate input; give a \
                     spike_generator its spikes with add_spike_steps",
                    kind.name()
                )
            })
        })?;
        let events = &mut self.schedule;
        events.sort_unstable();
        if let Some(w) = events.windows(2).find(|w| w[0] == w[1]) {
            let (step, n) = w[0];
            return Err(ScheduleError {
                population: name,
                neuron: n as usize,
                message: format!(
                    "given twice in step {step}: a neuron emits at most one spike per step"
                ),
            });
        }
        for p in &mut self.partitions[range] {
            let (lo, hi) = (p.offset, p.offset + p.len() as u32);
            let (own, next) = p.clamp.get_or_insert_with(Default::default);
            own.clear();
            own.extend(
                events
                    .iter()
                    .filter(|&&(_, n)| n >= lo && n < hi)
                    .map(|&(s, n)| (s, n - lo)),
            );
            *next = 0;
        }
        Ok(())
    }

    /// Ends the clamp of population `pop` ([`Simulation::clamp_spikes`]): its neurons emit their
    /// own spikes again. Nothing to do for a population not clamped.
    pub fn release_clamp(&mut self, pop: PopulationId) -> Result<(), crate::BuildError> {
        let range = self.info(pop)?.partitions.clone();
        for p in &mut self.partitions[range] {
            p.clamp = None;
        }
        Ok(())
    }
}
