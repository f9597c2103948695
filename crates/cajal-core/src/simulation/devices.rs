//! What a partition gets besides its synapses while it is built: initial values, spike
//! generators' times, Poisson and current inputs, and recorders.

use super::{grid_steps, period_steps, PopulationInfo, Simulation};
use crate::connect::delay_steps;
use crate::input::{CurrentDrive, PoissonDrive, PoissonSampler};
use crate::network::{BuildError, InputKind, NetworkDef, Place};
use crate::neuron::ModelKind;
use crate::partition::{Partition, StateBuffer};
use crate::rng::{stream, Purpose};

fn time_steps(place: &Place, field: &str, t: f64, dt: f64) -> Result<u64, BuildError> {
    if t == f64::INFINITY {
        return Ok(u64::MAX);
    }
    if !(t.is_finite() && t >= 0.0) {
        return Err(BuildError::new(
            place.clone(),
            field,
            format!("must be a time >= 0 ms (got {t})"),
        ));
    }
    Ok((t / dt).round() as u64)
}

impl Simulation {
    pub(super) fn initial_values(
        def: &NetworkDef,
        pi: usize,
    ) -> Result<Vec<(String, Vec<f64>)>, BuildError> {
        let pop = &def.populations[pi];
        let mut out = Vec::new();
        for (vi, (name, dist)) in pop.initial.iter().enumerate() {
            let field = format!("initial.{name}");
            if !pop.kind.state_variables().contains(&name.as_str()) {
                return Err(BuildError::new(
                    Place::Population(pi),
                    field,
                    format!(
                        "{} has no state variable '{name}'; it has: {}",
                        pop.kind.name(),
                        pop.kind.state_variables().join(", ")
                    ),
                ));
            }
            dist.validate()
                .map_err(|m| BuildError::new(Place::Population(pi), field, m))?;
            let mut rng = stream(def.seed, Purpose::Initial, pi as u64, vi as u64);
            out.push((
                name.clone(),
                (0..pop.size).map(|_| dist.sample(&mut rng)).collect(),
            ));
        }
        Ok(out)
    }

    pub(super) fn generator_steps(
        def: &NetworkDef,
        pi: usize,
    ) -> Result<Option<Vec<Vec<u64>>>, BuildError> {
        let pop = &def.populations[pi];
        let place = Place::Population(pi);
        if pop.kind != ModelKind::SpikeGenerator {
            if !pop.spike_times.is_empty() {
                return Err(BuildError::new(
                    place,
                    "spike_times",
                    "only a spike_generator takes spike_times",
                ));
            }
            return Ok(None);
        }
        let lists = match pop.spike_times.len() {
            0 => vec![Vec::new(); pop.size],
            1 => vec![pop.spike_times[0].clone(); pop.size],
            n if n == pop.size => pop.spike_times.clone(),
            n => {
                return Err(BuildError::new(
                    place,
                    "spike_times",
                    format!(
                        "give one list for all neurons or one per neuron ({} lists), not {n}",
                        pop.size
                    ),
                ))
            }
        };
        let mut out = Vec::with_capacity(lists.len());
        for times in lists {
            let mut steps = Vec::with_capacity(times.len());
            for t in times {
                let Some(s) = grid_steps(t, def.dt).filter(|&s| s >= 1 && t.is_finite()) else {
                    return Err(BuildError::new(
                        place,
                        "spike_times",
                        format!(
                            "spike time {t} ms must be > 0 and a multiple of dt = {} ms",
                            def.dt
                        ),
                    ));
                };
                steps.push(s - 1);
            }
            steps.sort_unstable();
            out.push(steps);
        }
        Ok(Some(out))
    }

    pub(super) fn local_targets(
        neurons: &Option<Vec<u32>>,
        size: usize,
        p: &Partition,
        place: &Place,
    ) -> Result<Option<Option<Vec<u16>>>, BuildError> {
        match neurons {
            None => Ok(Some(None)),
            Some(list) => {
                if let Some(bad) = list.iter().find(|&&i| i as usize >= size) {
                    return Err(BuildError::new(
                        place.clone(),
                        "neurons",
                        format!("neuron index {bad} is outside the population (size {size})"),
                    ));
                }
                let local: Vec<u16> = list
                    .iter()
                    .filter(|&&i| i >= p.offset && ((i - p.offset) as usize) < p.len())
                    .map(|&i| (i - p.offset) as u16)
                    .collect();
                Ok((!local.is_empty()).then_some(Some(local)))
            }
        }
    }

    pub(super) fn attach_input(
        def: &NetworkDef,
        ii: usize,
        pops: &[PopulationInfo],
        parts: &mut [Partition],
    ) -> Result<usize, BuildError> {
        let input = &def.inputs[ii];
        let place = Place::Input(ii);
        let err = |f: &str, m: String| BuildError::new(place.clone(), f, m);
        let pop = pops
            .get(input.target)
            .ok_or_else(|| err("target", "unknown population".into()))?;
        if pop.kind.is_source() {
            return Err(err(
                "target",
                format!("'{}' is a {} and takes no input", pop.name, pop.kind.name()),
            ));
        }
        let start = time_steps(&place, "start", input.start, def.dt)?;
        let stop = time_steps(&place, "stop", input.stop, def.dt)?;
        if stop <= start {
            return Err(err(
                "stop",
                format!(
                    "stop ({} ms) must be after start ({} ms)",
                    input.stop, input.start
                ),
            ));
        }
        let mut max_delay = 0;
        for p in &mut parts[pop.partitions.clone()] {
            let Some(targets) = Self::local_targets(&input.neurons, pop.size, p, &place)? else {
                continue;
            };
            match &input.kind {
                InputKind::Poisson {
                    rate,
                    weight,
                    delay,
                } => {
                    if !(rate.is_finite() && *rate >= 0.0) {
                        return Err(err(
                            "rate",
                            format!("rate must be a finite number of Hz >= 0 (got {rate})"),
                        ));
                    }
                    // the count drawn per neuron and step must stay a sane Poisson mean
                    if rate * def.dt / 1000.0 > 1e9 {
                        return Err(err(
                            "rate",
                            format!(
                                "rate {rate} Hz means more than 1e9 spikes per neuron and step; \
                                 use a dc_generator for such a drive"
                            ),
                        ));
                    }
                    if !weight.is_finite() {
                        return Err(err(
                            "weight",
                            format!("weight must be finite (got {weight})"),
                        ));
                    }
                    let d = delay_steps(*delay, def.dt).map_err(|m| err("delay", m))?;
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
                    if !amplitude.is_finite() {
                        return Err(err(
                            "amplitude",
                            format!("amplitude must be finite (got {amplitude})"),
                        ));
                    }
                    p.currents.push(CurrentDrive {
                        changes: vec![(start, *amplitude)],
                        stop,
                        targets,
                    });
                }
                InputKind::StepCurrent { times, amplitudes } => {
                    if times.len() != amplitudes.len() {
                        return Err(err(
                            "amplitude_values",
                            format!(
                                "{} amplitude_times but {} amplitude_values",
                                times.len(),
                                amplitudes.len()
                            ),
                        ));
                    }
                    let mut changes = Vec::new();
                    for (t, a) in times.iter().zip(amplitudes) {
                        let s = time_steps(&place, "amplitude_times", *t, def.dt)?;
                        if changes.last().is_some_and(|&(prev, _)| s <= prev) {
                            return Err(err(
                                "amplitude_times",
                                "times must increase strictly (after rounding to the grid)".into(),
                            ));
                        }
                        if !a.is_finite() {
                            return Err(err(
                                "amplitude_values",
                                format!("amplitude must be finite (got {a})"),
                            ));
                        }
                        changes.push((s.max(start), *a));
                    }
                    p.currents.push(CurrentDrive {
                        changes,
                        stop,
                        targets,
                    });
                }
            }
        }
        Ok(max_delay)
    }

    pub(super) fn attach_record(
        def: &NetworkDef,
        ri: usize,
        pops: &[PopulationInfo],
        parts: &mut [Partition],
    ) -> Result<(), BuildError> {
        let rec = &def.records[ri];
        let place = Place::Record(ri);
        let pop = pops
            .get(rec.population)
            .ok_or_else(|| BuildError::new(place.clone(), "population", "unknown population"))?;
        if def.records[..ri]
            .iter()
            .any(|r| r.population == rec.population)
        {
            return Err(BuildError::new(
                place,
                "population",
                format!("'{}' already has a recorder", pop.name),
            ));
        }
        for v in &rec.variables {
            if !pop.kind.state_variables().contains(&v.as_str()) {
                return Err(BuildError::new(
                    place,
                    "variables",
                    format!(
                        "{} has no state variable '{v}'; it has: {}",
                        pop.kind.name(),
                        pop.kind.state_variables().join(", ")
                    ),
                ));
            }
        }
        let interval = period_steps(&place, "interval", rec.interval, def.dt)?;
        let indices = rec.neurons.indices(pop.size);
        if let Some(bad) = indices.iter().find(|&&i| i as usize >= pop.size) {
            return Err(BuildError::new(
                place,
                "neurons",
                format!(
                    "neuron index {bad} is outside '{}' (size {})",
                    pop.name, pop.size
                ),
            ));
        }
        for p in &mut parts[pop.partitions.clone()] {
            if rec.variables.iter().any(|v| v == "theta") {
                p.dynamics.theta_mut();
            }
            let local: Vec<u32> = indices
                .iter()
                .filter(|&&i| i >= p.offset && ((i - p.offset) as usize) < p.len())
                .map(|&i| i - p.offset)
                .collect();
            if rec.spikes {
                p.record_mask = vec![false; p.len()];
                local.iter().for_each(|&i| p.record_mask[i as usize] = true);
            }
            if !rec.variables.is_empty() && !local.is_empty() {
                p.state = Some(StateBuffer {
                    neurons: local,
                    variables: rec.variables.clone(),
                    interval,
                    steps: Vec::new(),
                    values: vec![Vec::new(); rec.variables.len()],
                });
            }
        }
        Ok(())
    }
}
