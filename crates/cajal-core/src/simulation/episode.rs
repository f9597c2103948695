//! Learning on data with the engine: episodes. Between two [`Simulation::run`] calls a task can
//! forget the network's activity ([`Simulation::reset_activity`]: membranes, currents, rings,
//! traces, spikes in flight) while the weights and thresholds it learned stay, schedule the next
//! input as spike events ([`Simulation::add_spike_events`]), run the presentation and read the
//! spike counts ([`Simulation::spike_counts_into`]) — with no rebuild and, once the buffers have
//! grown, no allocation per presentation.

use super::{ScheduleError, Simulation};
use crate::builder::check::grid_steps;
use crate::builder::PopulationId;
use crate::error::BuildError;
use crate::neuron::{Dynamics, ModelKind};

impl Simulation {
    /// Forgets the activity, as at the start of a new trial: every neuron returns to the state
    /// it was built with (membrane, synaptic currents or conductances, adaptation,
    /// refractoriness; a threshold offset `theta` stays), the input ring buffers are emptied, so
    /// no spike in flight arrives, and each plastic projection first applies every weight change
    /// pending, then forgets its traces, spike histories, eligibilities and dopamine, as after an
    /// infinitely long silence (short-term plasticity's resources go back to the state the
    /// projection was given to start with, which is the silent one unless another was given). The weights, thresholds, astrocytes, recorded data, spike counts,
    /// inputs' schedules and the time stay. A presynaptic spike in flight had its plastic effect
    /// when it was delivered (at the end of the run that emitted it); a postsynaptic spike within
    /// a synaptic delay of the reset has not reached its synapses, and is forgotten without it.
    pub fn reset_activity(&mut self) {
        self.pending.clear();
        let now = self.step;
        let parts = &mut self.partitions;
        if self.threads > 1 {
            use rayon::prelude::*;
            self.pool
                .install(|| parts.par_iter_mut().for_each(|p| p.forget_activity(now)));
        } else {
            parts.iter_mut().for_each(|p| p.forget_activity(now));
        }
    }

    /// Turns learning off (`false`) or on again (`true`) for the runs that follow: with learning
    /// off no plastic weight, threshold or Oja window changes (every change pending is applied
    /// first, so the weights read then are those the network uses), for labelling and testing a
    /// trained network; turned on again, the plastic projections start from silence (the delta
    /// rule keeps the presentation so far, to be answered or taught). A run setting, as the
    /// thread count: a checkpoint does not keep it.
    pub fn set_learning(&mut self, on: bool) {
        let now = self.step;
        for p in &mut self.partitions {
            p.set_learning(on, now);
        }
    }

    /// Adds spikes to spike-generator population `pop` between two runs, as NEST's `events`:
    /// neuron `senders[k]` (index within the population) spikes at `times_ms[k]`. Each time must
    /// be on the dt grid and later than the current time (the spike at `t` is emitted in the
    /// step that ends at `t`, so `t` ≥ now + dt); a time given twice is two spikes. Spikes
    /// already emitted are dropped from the schedules as new ones come, so that a long series of
    /// presentations keeps memory flat. Nothing is added when any event is refused.
    pub fn add_spike_events(
        &mut self,
        pop: PopulationId,
        senders: &[u32],
        times_ms: &[f64],
    ) -> Result<(), ScheduleError> {
        let (now, dt) = (self.step, self.dt);
        self.add_events(pop, senders, times_ms.len(), |k| {
            emission_step(times_ms[k], now, dt)
        })
    }

    /// [`Simulation::add_spike_events`] with the spikes given by step instead of time: neuron
    /// `senders[k]` spikes in step `steps[k]` (its spike stamped at the step's end, at time
    /// `(steps[k] + 1)·dt`), each step at or after the current one ([`Simulation::time_ms`] is
    /// the start of the current step). For learning on data, where an encoder yields steps: no
    /// conversion to and from milliseconds per spike.
    pub fn add_spike_steps(
        &mut self,
        pop: PopulationId,
        senders: &[u32],
        steps: &[u64],
    ) -> Result<(), ScheduleError> {
        let now = self.step;
        self.add_events(pop, senders, steps.len(), |k| not_before(steps[k], now))
    }

    /// What every schedule of spikes for population `pop` passes before it is taken (spike
    /// generators' events and clamps): the handle, the model (`refuse` says why a kind is
    /// refused), one sender per spike, each sender within the population, and spike `k`'s step
    /// as `step_of(k)` accepts it. On success `self.schedule` holds `(step, neuron)` in the order
    /// given and the population's name and partitions are returned; on failure nothing changed.
    pub(super) fn read_schedule(
        &mut self,
        pop: PopulationId,
        senders: &[u32],
        count: usize,
        step_of: impl Fn(usize) -> Result<u64, String>,
        refuse: impl Fn(ModelKind) -> Option<String>,
    ) -> Result<(String, std::ops::Range<usize>), ScheduleError> {
        let err = |population: String, neuron: usize, message: String| ScheduleError {
            population,
            neuron,
            message,
        };
        let Ok(info) = self.info(pop) else {
            return Err(err(
                format!("#{}", pop.index()),
                0,
                "this population handle belongs to another network".into(),
            ));
        };
        let (name, size, range) = (info.name.clone(), info.size, info.partitions.clone());
        if let Some(why) = refuse(info.kind) {
            let first = senders.first().copied().unwrap_or(0) as usize;
            return Err(err(name, first, why));
        }
        if senders.len() != count {
            return Err(err(
                name,
                0,
                format!(
                    "{} senders but {count} spikes: give one time per sender",
                    senders.len()
                ),
            ));
        }
        // in scratch kept from call to call: a schedule per presentation allocates nothing once
        // the buffer has grown
        self.schedule.clear();
        for (k, &n) in senders.iter().enumerate() {
            if n as usize >= size {
                let m = format!("the population has {size} neurons");
                return Err(err(name, n as usize, m));
            }
            let step = step_of(k).map_err(|m| err(name.clone(), n as usize, m))?;
            self.schedule.push((step, n));
        }
        Ok((name, range))
    }

    /// The work of [`Simulation::add_spike_events`] and [`Simulation::add_spike_steps`]: event
    /// `k` of `count` is neuron `senders[k]` at the emission step `step_of(k)`.
    fn add_events(
        &mut self,
        pop: PopulationId,
        senders: &[u32],
        count: usize,
        step_of: impl Fn(usize) -> Result<u64, String>,
    ) -> Result<(), ScheduleError> {
        let (_, range) = self.read_schedule(pop, senders, count, step_of, |kind| {
            (kind != ModelKind::SpikeGenerator).then(|| {
                format!(
                    "it is a {}, only a spike_generator takes spike times",
                    kind.name()
                )
            })
        })?;
        let parts = &mut self.partitions[range];
        // each partition's new spikes as (step, local neuron)
        let new = &mut self.new_events;
        new.resize_with(parts.len().max(new.len()), Vec::new);
        new.iter_mut().for_each(Vec::clear);
        for &(step, n) in &self.schedule {
            // the population's partitions are consecutive blocks of its neurons
            let j = if parts.len() == 1 {
                0
            } else {
                parts
                    .iter()
                    .position(|p| (n as usize).wrapping_sub(p.offset as usize) < p.len())
                    .expect("every neuron lies in a partition")
            };
            new[j].push((step, n - parts[j].offset));
        }
        for (p, events) in parts.iter_mut().zip(self.new_events.iter_mut()) {
            if events.is_empty() {
                continue;
            }
            let Dynamics::SpikeGenerator(g) = &mut p.dynamics else {
                unreachable!("a spike_generator population has generator dynamics");
            };
            if !events.is_sorted() {
                events.sort_unstable();
            }
            for &(step, i) in events.iter() {
                g.steps[i as usize].push(step);
            }
            g.queue_events(events);
            for (list, cursor) in g.steps.iter_mut().zip(g.cursor.iter_mut()) {
                // every step already emitted is before `now`: drop them once they are half the
                // list, and keep the pending ones in order
                if *cursor > 0 && 2 * *cursor >= list.len() {
                    list.drain(..*cursor);
                    *cursor = 0;
                }
                if !list[*cursor..].is_sorted() {
                    list[*cursor..].sort_unstable();
                }
            }
        }
        Ok(())
    }

    /// Adds spikes at `times_ms` to neuron `neuron` of spike-generator population `pop` between
    /// two [`Simulation::run`] calls: the closed-loop way to stimulate, or to deliver a reward
    /// (a reward-modulated projection releases dopamine at each spike of its modulator
    /// population). As [`Simulation::add_spike_events`] for one neuron.
    pub fn add_spike_times(
        &mut self,
        pop: PopulationId,
        neuron: usize,
        times_ms: &[f64],
    ) -> Result<(), ScheduleError> {
        let Ok(n) = u32::try_from(neuron) else {
            return Err(ScheduleError {
                population: format!("#{}", pop.index()),
                neuron,
                message: "no population has that many neurons".into(),
            });
        };
        self.add_spike_events(pop, &vec![n; times_ms.len()], times_ms)
    }

    /// Writes the spike counts of every neuron of population `pop` since the start into `out`
    /// (resized; no allocation once it has the population's size). The counts of a presentation
    /// are the difference of two such readings.
    pub fn spike_counts_into(
        &self,
        pop: PopulationId,
        out: &mut Vec<u32>,
    ) -> Result<(), BuildError> {
        out.clear();
        for p in self.parts_of(pop)? {
            out.extend_from_slice(&p.stats.count);
        }
        Ok(())
    }
}

/// The step in which a spike at `t` ms is emitted (the one that ends at `t`), which must be on the
/// dt grid and after the current step `now`; otherwise why not.
pub(super) fn emission_step(t: f64, now: u64, dt: f64) -> Result<u64, String> {
    grid_steps(t, dt)
        .filter(|&s| t.is_finite() && s > now)
        .map(|s| s - 1)
        .ok_or_else(|| {
            format!(
                "spike time {t} ms must be a multiple of dt = {dt} ms and later than the current \
                 time {} ms",
                now as f64 * dt
            )
        })
}

/// Spike step `s`, which must not be before the current step `now`.
pub(super) fn not_before(s: u64, now: u64) -> Result<u64, String> {
    if s >= now {
        Ok(s)
    } else {
        Err(format!(
            "spike step {s} must not be before the current step {now}"
        ))
    }
}
