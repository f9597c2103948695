//! Steering a simulation between runs, as experiments do: setting state variables, a
//! population's parameters and plastic weights (and finding the learning projection a teacher
//! addresses). Each setter checks everything before it changes
//! anything, so a refused call leaves the simulation as it was.

use super::Simulation;
use crate::builder::{PopulationId, ProjectionId};
use crate::error::{BuildError, ErrorKind, Place};
use crate::neuron::{Dynamics, ModelKind};
use crate::plasticity::{Learning, LearningProjection, TargetParams};
use std::collections::BTreeMap;

impl Simulation {
    /// Sets state variable `variable` of every neuron of `pop`: one value for all, or one per
    /// neuron. Refused for a variable the model lacks, a wrong length or a non-finite value.
    pub fn set_state(
        &mut self,
        pop: PopulationId,
        variable: &str,
        values: &[f64],
    ) -> Result<(), BuildError> {
        let info = self.info(pop)?.clone();
        let place = Place::Population(pop.index());
        let err = |kind, message: String| {
            BuildError::new(kind, place.clone(), variable, message).named(&info.name)
        };
        if values.len() != 1 && values.len() != info.size {
            return Err(err(
                ErrorKind::Conflict,
                format!(
                    "{} values given for {} neurons; give one value for all or one per neuron",
                    values.len(),
                    info.size
                ),
            ));
        }
        if let Some((i, v)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(err(
                ErrorKind::InvalidValue,
                format!("value {i} is {v}; state values must be finite"),
            ));
        }
        let has = self.partitions[info.partitions.clone()]
            .first()
            .is_some_and(|p| p.dynamics.variable(variable).is_some() || variable == "theta");
        if !has || (variable == "theta" && !info.kind.has_theta()) {
            return Err(err(
                ErrorKind::UnknownName,
                format!(
                    "{} has no state variable '{variable}'; it has: {}",
                    info.kind.name(),
                    info.kind.state_variables().join(", ")
                ),
            ));
        }
        for p in &mut self.partitions[info.partitions.clone()] {
            let offset = p.offset as usize;
            let slot = p.dynamics.variable_mut(variable).expect("checked above");
            if values.len() == 1 {
                slot.fill(values[0]);
            } else {
                slot.copy_from_slice(&values[offset..offset + slot.len()]);
            }
        }
        Ok(())
    }

    /// Gives population `pop` the parameters `params` (NEST's names; the model's defaults for
    /// those not given) from now on, keeping every neuron's state (membrane, currents,
    /// refractoriness, threshold offset). A Poisson source draws its next spikes at the new rate.
    /// Refused, with nothing changed, where the parameters are impossible (as when the population
    /// was added) and for spike generators, which have none.
    pub fn set_params(
        &mut self,
        pop: PopulationId,
        params: &BTreeMap<String, f64>,
    ) -> Result<(), BuildError> {
        let info = self.info(pop)?.clone();
        let place = Place::Population(pop.index());
        if info.kind == ModelKind::SpikeGenerator {
            return Err(BuildError::new(
                ErrorKind::Conflict,
                place,
                "params",
                "a spike_generator has no parameters; add spike times instead",
            )
            .named(&info.name));
        }
        let mut fresh = Vec::new();
        for p in &self.partitions[info.partitions.clone()] {
            let d = Dynamics::new(info.kind, params, p.len(), self.dt).map_err(|e| {
                BuildError::new(
                    ErrorKind::InvalidValue,
                    place.clone(),
                    format!("params.{}", e.param),
                    e.message,
                )
                .named(&info.name)
            })?;
            fresh.push(d);
        }
        // the learning projections onto these neurons take their new parameters (or refuse them)
        let targets = TargetParams {
            kind: info.kind,
            population: &info.name,
            params,
            dt: self.dt,
        };
        for l in self.partitions[info.partitions.clone()]
            .iter()
            .flat_map(|p| &p.learning)
        {
            l.check_targets(&targets).map_err(|m| {
                BuildError::new(ErrorKind::Conflict, place.clone(), "params", m).named(&info.name)
            })?;
        }
        for (p, mut d) in self.partitions[info.partitions.clone()]
            .iter_mut()
            .zip(fresh)
        {
            for l in &mut p.learning {
                l.retarget(&targets);
            }
            d.restore_from(&p.dynamics);
            if let (Some(old), Some(new)) = (p.dynamics.theta_mut(), d.theta_mut()) {
                new.copy_from_slice(old);
            }
            p.dynamics = d;
        }
        Ok(())
    }

    /// Sets every weight of plastic projection `proj` (with sign, in the order
    /// [`Simulation::weights`] lists them) from now on; changes pending from earlier spikes are
    /// applied first, traces stay. Refused for static projections (their weights are stored
    /// compactly and fixed when built), a wrong length, or a weight of the other sign or outside
    /// the rule's bounds.
    pub fn set_weights(&mut self, proj: ProjectionId, weights: &[f64]) -> Result<(), BuildError> {
        let ji = self.projection_index(proj)?;
        let name = self.projections[ji].clone();
        let place = Place::Projection(ji);
        let err = |kind, message: String| {
            BuildError::new(kind, place.clone(), "weights", message).named(&name)
        };
        let pieces = || {
            self.partitions
                .iter()
                .flat_map(|p| &p.learning)
                .filter(move |l| l.projection() == ji)
        };
        let total: usize = pieces().map(|l| l.len()).sum();
        let plastic = pieces().next().is_some();
        if !plastic {
            return Err(err(
                ErrorKind::Conflict,
                "its synapses are static: their weights are fixed when the network is built; \
                 give the projection a plasticity rule, or build a new network with other weights"
                    .into(),
            ));
        }
        if weights.len() != total {
            return Err(err(
                ErrorKind::Conflict,
                format!(
                    "{} weights given for {total} synapses; give one per synapse, in the order \
                     weights() lists them",
                    weights.len()
                ),
            ));
        }
        // check every piece before changing any
        let mut at = 0;
        for p in &self.partitions {
            for l in p.learning.iter().filter(|l| l.projection() == ji) {
                let n = l.len();
                l.check_weights(&weights[at..at + n])
                    .map_err(|m| err(ErrorKind::InvalidValue, shift(&m, at)))?;
                at += n;
            }
        }
        let now = self.step;
        let mut at = 0;
        for p in &mut self.partitions {
            for l in p.learning.iter_mut().filter(|l| l.projection() == ji) {
                let n = l.len();
                l.set_weights(&weights[at..at + n], now)
                    .expect("checked above");
                at += n;
            }
        }
        Ok(())
    }

    /// Where the learning projection `proj` lies, if `is_kind` accepts it: (partition, index in
    /// its learning list); otherwise an error saying it does not learn with `what`.
    pub(super) fn learning_at(
        &self,
        proj: ProjectionId,
        is_kind: impl Fn(&LearningProjection) -> bool,
        what: &str,
    ) -> Result<(usize, usize), BuildError> {
        let ji = self.projection_index(proj)?;
        for (pi, p) in self.partitions.iter().enumerate() {
            for (li, l) in p.learning.iter().enumerate() {
                if is_kind(l) && l.projection() == ji {
                    return Ok((pi, li));
                }
            }
        }
        Err(self.conflict(
            ji,
            format!("this projection does not learn with {what} (on this process)"),
        ))
    }

    /// A conflict of projection `ji`'s plasticity, with `message`.
    pub(super) fn conflict(&self, ji: usize, message: String) -> BuildError {
        BuildError::new(
            ErrorKind::Conflict,
            Place::Projection(ji),
            "plasticity",
            message,
        )
        .named(&self.projections[ji])
    }
}

/// A piece's message "weight k is ..." renumbered to the projection's synapse `offset + k`.
fn shift(message: &str, offset: usize) -> String {
    let rest = message
        .strip_prefix("weight ")
        .and_then(|m| m.split_once(' '));
    match rest.and_then(|(k, tail)| Some((k.parse::<usize>().ok()?, tail))) {
        Some((k, tail)) => format!("weight {} {tail}", k + offset),
        None => message.to_string(),
    }
}

impl Simulation {
    /// Gives current input `input` (a `dc_generator` or `step_current_generator`, numbered as
    /// the network's inputs were added) a new schedule for the steps not yet simulated: the
    /// amplitude is `amplitudes[k]` pA from `times[k]` ms until the next time, zero before the
    /// first time and from `stop` ms on (`None`: never). Times are rounded to the step as when
    /// the input was built. Refused, with nothing changed, for times that are not finite, negative
    /// or not increasing, non-finite amplitudes, lists of different lengths, or an input that is not
    /// a current on this network's neurons. A checkpoint keeps the schedule as set.
    pub fn set_current(
        &mut self,
        input: usize,
        times: &[f64],
        amplitudes: &[f64],
        stop: Option<f64>,
    ) -> Result<(), BuildError> {
        use crate::builder::check::time_steps;
        let place = Place::Input(input);
        let err =
            |kind, what: &str, message: String| BuildError::new(kind, place.clone(), what, message);
        if times.len() != amplitudes.len() {
            return Err(err(
                ErrorKind::Conflict,
                "amplitude_times",
                format!(
                    "{} times and {} amplitudes; give one amplitude per time",
                    times.len(),
                    amplitudes.len()
                ),
            ));
        }
        let mut changes = Vec::with_capacity(times.len());
        for (k, (&t, &a)) in times.iter().zip(amplitudes).enumerate() {
            let step = time_steps(t, self.dt).map_err(|m| {
                err(
                    ErrorKind::InvalidValue,
                    "amplitude_times",
                    format!("time {k}: {m}"),
                )
            })?;
            if !a.is_finite() {
                return Err(err(
                    ErrorKind::InvalidValue,
                    "amplitude_values",
                    format!("amplitude {k} is {a}; amplitudes must be finite pA"),
                ));
            }
            if changes.last().is_some_and(|&(s, _)| s >= step) {
                return Err(err(
                    ErrorKind::InvalidValue,
                    "amplitude_times",
                    format!("time {k} ({t} ms) is not after the time before it, on the grid of dt = {} ms", self.dt),
                ));
            }
            changes.push((step, a));
        }
        let stop = match stop {
            None => u64::MAX,
            Some(s) => {
                time_steps(s, self.dt).map_err(|m| err(ErrorKind::InvalidValue, "stop", m))?
            }
        };
        let mut found = false;
        for p in &mut self.partitions {
            for c in p.currents.iter_mut().filter(|c| c.input == input) {
                c.changes.clone_from(&changes);
                c.stop = stop;
                found = true;
            }
        }
        if !found {
            return Err(err(
                ErrorKind::UnknownName,
                "input",
                format!(
                    "input {input} is not a dc_generator or step_current_generator of this network"
                ),
            ));
        }
        Ok(())
    }
}
