//! A network built into partitions (`build.rs`, with its inputs and recorders in `devices.rs`),
//! run in min-delay intervals (here), and read back (`inspect.rs`).

mod build;
mod clamp;
mod delta;
mod devices;
mod episode;
mod full_store;
mod inspect;
mod steer;
mod tempotron;

use crate::balance::{split, Balance, Group};
use crate::crew::Crew;
use crate::exchange::Collectives;
use crate::neuron::ModelKind;
use crate::partition::{deliver, Partition, Spike};
use crate::plasticity::Learning;
use crate::synapses::Csr;
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

impl PopulationStats {
    /// The statistics of `spikes` spikes of a population of `size` neurons over `time_ms`,
    /// whose neurons with at least 3 spikes have the ISI CVs `cvs` (summed in order).
    pub fn from_parts(spikes: u64, cvs: &[f64], size: usize, time_ms: f64) -> PopulationStats {
        let t_s = time_ms / 1000.0;
        PopulationStats {
            spikes,
            rate_hz: if t_s > 0.0 {
                spikes as f64 / (size as f64 * t_s)
            } else {
                0.0
            },
            cv_isi: if cvs.is_empty() {
                f64::NAN
            } else {
                cvs.iter().sum::<f64>() / cvs.len() as f64
            },
        }
    }
}

/// A built network, ready to run.
pub struct Simulation {
    /// The [`crate::Network`] it was built from (handles carry it).
    network: u64,
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
    /// The helper threads of a run (made at the first run on several threads, then kept).
    pub(crate) crew: Option<Crew>,
    pub(crate) threads: usize,
    pub(crate) synapses: u64,
    /// Names of the projections, in definition order (their handles' indices).
    pub(crate) projections: Vec<String>,
    /// Names of the astrocytes, in definition order.
    pub(crate) astrocytes: Vec<String>,
    /// The spike exchange between processes (one process: nothing to exchange).
    /// Scratch of a schedule of spikes being read (`episode::read_schedule`): `(step, neuron)`.
    pub(crate) schedule: Vec<(u64, u32)>,
    pub(crate) communicator: Box<dyn crate::exchange::Communicator>,
    /// Scratch of `add_spike_events`: each partition's new events, (step, local neuron).
    pub(crate) new_events: Vec<Vec<(u64, u32)>>,
}

/// The synapses of a static projection whose weights are recorded, as built on one partition.
#[derive(Clone, Debug, Default)]
pub struct RecordedStatic {
    /// Projection index.
    pub projection: usize,
    /// `(source index, local target, weight, delay steps)`.
    pub synapses: Vec<(u32, u16, f32, u16)>,
}

/// Weights of one projection: every synapse, now and at each recorded time. The same type as a
/// run folder's weight file (`cajal_data::WeightsFile`), so it is written as it is.
pub type ProjectionWeights = cajal_data::WeightsFile;

/// Wall seconds between two calls of a run's progress. The other threads wait while the calling
/// thread reports, spinning at first and then blocking (`crew.rs`).
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
    /// Intervals simulated.
    intervals: u64,
}

/// Intervals between two readings of the clock for the progress callback.
const CLOCK_EVERY: u64 = 16;

use crate::builder::check::grid_steps;

/// The steps in a run of `duration_ms`: a finite time >= 0 on the grid of `dt` (a duration off
/// the grid would be rounded silently, 0.05 ms at dt 0.1 running 0.1 ms). The message names
/// the value and the nearest durations allowed.
pub fn duration_steps(duration_ms: f64, dt: f64) -> Result<u64, String> {
    if !(duration_ms.is_finite() && duration_ms >= 0.0) {
        return Err(format!(
            "duration must be a finite number of ms >= 0 (got {duration_ms})"
        ));
    }
    grid_steps(duration_ms, dt).ok_or_else(|| {
        let steps = (duration_ms / dt).floor();
        // (rounded for printing: 3 * 0.1 is 0.30000000000000004)
        let ms = |k: f64| (k * dt * 1e9).round() / 1e9;
        format!(
            "duration {duration_ms} ms is not a multiple of dt = {dt} ms; use {} or {} ms",
            ms(steps),
            ms(steps + 1.0)
        )
    })
}

impl Simulation {
    /// Simulates `duration_ms` more (rounded to steps), calling `progress(done, total)` about
    /// every 0.1 s of wall time (after the interval that reaches it) and at the end. The
    /// state is checked for non-finite values at least every millisecond of biological time
    /// (and at the end); a NaN or infinite value stops the run there with a [`NumericalError`]
    /// naming the population, neuron, variable and time. The simulation then stands at the end
    /// of the interval in which it was found, and what was recorded so far can still be read.
    pub fn run(
        &mut self,
        duration_ms: f64,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<(), NumericalError> {
        self.run_with(duration_ms, &mut progress)
    }

    /// [`Simulation::run`] with the progress callback behind a pointer: the loop is compiled
    /// once, here, and not in each caller's crate (where its speed came to depend on whatever
    /// else that crate held: Song 2000's network ran 15 % slower from one commit of the command
    /// line to the next, with no change to the engine).
    #[inline(never)]
    fn run_with(
        &mut self,
        duration_ms: f64,
        progress: &mut dyn FnMut(u64, u64),
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
            intervals: 0,
        };
        if self.threads > 1 && self.balance.is_none() {
            self.balance = Some(Balance::new(&self.partitions, &self.groups, self.threads));
        }
        // the calling thread runs the loop and takes its share of each interval's work; the
        // other threads are a crew that waits between intervals spinning (`crew.rs`)
        let mut crew = self
            .crew
            .take()
            .unwrap_or_else(|| Crew::new(0).expect("no thread to start"));
        let mut outcome = Ok(());
        while self.step < end && outcome.is_ok() {
            let until = Instant::now() + Duration::from_secs_f64(PROGRESS_EVERY_S);
            outcome = self.advance_until(until, &mut run, &mut crew);
            if outcome.is_ok() {
                progress(self.step - start, steps);
            }
        }
        self.crew = Some(crew);
        if let Err(e) = outcome {
            self.pending = run.pending;
            return Err(e);
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
    fn advance_until(
        &mut self,
        until: Instant,
        run: &mut RunState,
        crew: &mut Crew,
    ) -> Result<(), NumericalError> {
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
                Some(b) => b.run(parts, &self.groups, crew, &interval),
                // one thread takes every group whole
                None => {
                    let lens = self.groups.iter().map(|g| g.parts.len());
                    for (piece, g) in split(parts, lens).into_iter().zip(&self.groups) {
                        interval(piece, &g.csr, 0);
                    }
                }
            }
            // the exchange: this process's spikes in partition order, then everyone's
            run.pending.clear();
            for p in self.partitions.iter_mut() {
                run.pending.append(&mut p.out);
            }
            self.communicator.exchange(&mut run.pending);
            self.step = to;
            if check {
                if let Some(e) = self.first_error_anywhere(run.last_check) {
                    return Err(e);
                }
                run.last_check = to;
            }
            // the clock is read every few intervals (runs of one-step intervals, as in learning
            // on data, would otherwise read it every step)
            run.intervals += 1;
            if run.intervals.is_multiple_of(CLOCK_EVERY) && Instant::now() >= until {
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

    /// Step multiples at which intervals must end (plastic flushes and weight snapshots), those
    /// of every process (collective: all processes end their intervals together).
    fn interval_cuts(&mut self) -> Vec<u64> {
        let mut cuts: Vec<u64> = Vec::new();
        for p in &self.partitions {
            for l in &p.learning {
                cuts.extend(l.cuts());
            }
        }
        let mut cuts = self.communicator.all_concat(&cuts);
        cuts.sort_unstable();
        cuts.dedup();
        cuts
    }

    /// [`Simulation::first_non_finite`] of the first process (in rank order) that found one,
    /// on every process (collective), so that all stop at the same interval.
    fn first_error_anywhere(&mut self, since: u64) -> Option<NumericalError> {
        let mine = self.first_non_finite(since);
        if self.communicator.processes() == 1 {
            return mine;
        }
        let bytes = match &mine {
            None => Vec::new(),
            Some(e) => {
                let mut b = Vec::new();
                let fields = (
                    &e.population,
                    e.neuron,
                    &e.variable,
                    e.value,
                    e.last_finite_ms,
                    e.time_ms,
                );
                ciborium::ser::into_writer(&fields, &mut b).expect("serialises into memory");
                b
            }
        };
        let all = self.communicator.all_gather_bytes(&bytes);
        let first = all.iter().find(|b| !b.is_empty())?;
        let (population, neuron, variable, value, last_finite_ms, time_ms): (
            String,
            usize,
            String,
            f64,
            f64,
            f64,
        ) = ciborium::de::from_reader(first.as_slice()).expect("written by a process of this run");
        Some(NumericalError {
            population,
            neuron,
            variable,
            value,
            last_finite_ms,
            time_ms,
        })
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
}
