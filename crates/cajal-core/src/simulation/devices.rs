//! What a partition gets besides its synapses while it is built: initial values, spike
//! generators' times, Poisson and current inputs, and recorders.

use super::{PopulationInfo, Simulation};
use crate::builder::check::{period_steps, time_steps};
use crate::connect::delay_steps;
use crate::input::{CurrentDrive, PoissonDrive, PoissonSampler};
use crate::network::{InputKind, NetworkDef};
use crate::partition::{Partition, StateBuffer};
use crate::rng::{stream, Purpose};

impl Simulation {
    /// The initial values of a population's state variables, drawn from their streams.
    pub(super) fn initial_values(def: &NetworkDef, pi: usize) -> Vec<(String, Vec<f64>)> {
        let pop = &def.populations[pi];
        let mut out = Vec::new();
        for (vi, (name, dist)) in pop.initial.iter().enumerate() {
            let mut rng = stream(def.seed, Purpose::Initial, pi as u64, vi as u64);
            out.push((
                name.clone(),
                (0..pop.size).map(|_| dist.sample(&mut rng)).collect(),
            ));
        }
        out
    }

    /// An input's targets within partition `p`: `None` if it has none there, `Some(None)` for all.
    fn local_targets(neurons: &Option<Vec<u32>>, p: &Partition) -> Option<Option<Vec<u16>>> {
        match neurons {
            None => Some(None),
            Some(list) => {
                let local: Vec<u16> = list
                    .iter()
                    .filter(|&&i| i >= p.offset && ((i - p.offset) as usize) < p.len())
                    .map(|&i| (i - p.offset) as u16)
                    .collect();
                (!local.is_empty()).then_some(Some(local))
            }
        }
    }

    /// Gives input `ii` to the partitions it drives; returns its delay in steps (0 for
    /// currents).
    pub(super) fn attach_input(
        def: &NetworkDef,
        ii: usize,
        pops: &[PopulationInfo],
        parts: &mut [Partition],
    ) -> usize {
        const CHECKED: &str = "checked when the input was added";
        let input = &def.inputs[ii];
        let pop = &pops[input.target];
        let start = time_steps(input.start, def.dt).expect(CHECKED);
        let stop = time_steps(input.stop, def.dt).expect(CHECKED);
        let mut max_delay = 0;
        for p in &mut parts[pop.partitions.clone()] {
            let Some(targets) = Self::local_targets(&input.neurons, p) else {
                continue;
            };
            match &input.kind {
                InputKind::Poisson {
                    rate,
                    weight,
                    delay,
                } => {
                    let d = delay_steps(*delay, def.dt).expect(CHECKED);
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
                    p.currents.push(CurrentDrive {
                        input: ii,
                        changes: vec![(start, *amplitude)],
                        stop,
                        targets,
                    });
                }
                InputKind::StepCurrent { times, amplitudes } => {
                    let changes = times
                        .iter()
                        .zip(amplitudes)
                        .map(|(t, a)| (time_steps(*t, def.dt).expect(CHECKED).max(start), *a))
                        .collect();
                    p.currents.push(CurrentDrive {
                        input: ii,
                        changes,
                        stop,
                        targets,
                    });
                }
            }
        }
        max_delay
    }

    /// Gives recorder `ri` to the partitions of its population.
    pub(super) fn attach_record(
        def: &NetworkDef,
        ri: usize,
        pops: &[PopulationInfo],
        parts: &mut [Partition],
    ) {
        let rec = &def.records[ri];
        let pop = &pops[rec.population];
        let interval = period_steps(rec.interval, def.dt, "interval")
            .expect("checked when the recorder was added");
        let indices = rec.neurons.indices(pop.size);
        let state_indices = match &rec.state_neurons {
            Some(sel) => sel.indices(pop.size),
            None => indices.clone(),
        };
        for p in &mut parts[pop.partitions.clone()] {
            if rec.variables.iter().any(|v| v == "theta") {
                p.dynamics.theta_mut();
            }
            let local_of = |indices: &[u32]| -> Vec<u32> {
                indices
                    .iter()
                    .filter(|&&i| i >= p.offset && ((i - p.offset) as usize) < p.len())
                    .map(|&i| i - p.offset)
                    .collect()
            };
            let (local, local_state) = (local_of(&indices), local_of(&state_indices));
            if rec.spikes {
                p.record_mask = vec![false; p.len()];
                local.iter().for_each(|&i| p.record_mask[i as usize] = true);
            }
            if !rec.variables.is_empty() && !local_state.is_empty() {
                p.state = Some(StateBuffer {
                    neurons: local_state,
                    variables: rec.variables.clone(),
                    interval,
                    steps: Vec::new(),
                    values: vec![Vec::new(); rec.variables.len()],
                });
            }
        }
    }
}
