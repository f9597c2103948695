//! The Tempotron's capacity (Gütig & Sompolinsky 2006): how many random spatio-temporal spike
//! patterns, each given a random label, one neuron learns to classify (fire for the positive
//! ones, stay silent for the negative ones), as a function of the load `P / N` (patterns per
//! synapse).
//!
//! Everything neural runs in the engine: `N` spike generators, one `iaf_psc_exp` neuron (rest
//! 0 mV, threshold `v_th`, so that potentials are in the paper's units when `v_th` = 1) and an
//! all-to-all projection learning with [`cajal_core::TempotronDef`]; each presentation is an
//! episode (`reset_activity`, the pattern's spikes as events, `run`, `tempotron_teach`). This
//! module only draws the patterns and labels, and counts the errors.

use crate::error::engine;
use crate::LearnError;
use cajal_core::{
    Dist, ModelKind, Network, Population, Projection, PspKernel, Rule, Simulation, TempotronDef,
};
use rand::{Rng, SeedableRng};

/// The setting of a capacity run (the paper's values by default).
#[derive(Clone, Debug, PartialEq)]
pub struct CapacitySetting {
    /// Afferents (synapses), N.
    pub afferents: usize,
    /// Pattern duration T (ms): each afferent fires once, at a time uniform in (0, T].
    pub duration_ms: f64,
    /// Membrane time constant τ (ms).
    pub tau_m: f64,
    /// Synaptic time constant τ_s (ms).
    pub tau_s: f64,
    /// Threshold above rest (mV).
    pub v_th: f64,
    /// Time step (ms).
    pub dt: f64,
    /// Learning rate λ (mV of peak PSP per error and unit kernel).
    pub lambda: f64,
    /// Momentum μ.
    pub momentum: f64,
    /// Standard deviation of the initial weights, as peak PSPs (mV); mean 0.
    pub initial_sd: f64,
    /// Passes over the patterns at most.
    pub max_epochs: usize,
    /// Seed of the patterns, labels and initial weights.
    pub seed: u64,
}

impl Default for CapacitySetting {
    fn default() -> Self {
        CapacitySetting {
            afferents: 500,
            duration_ms: 500.0,
            tau_m: 15.0,
            tau_s: 3.75,
            v_th: 1.0,
            dt: 0.1,
            lambda: 3e-4,
            momentum: 0.99,
            initial_sd: 0.1,
            max_epochs: 500,
            seed: 1,
        }
    }
}

/// What one load gave.
#[derive(Clone, Debug, PartialEq)]
pub struct CapacityPoint {
    /// Patterns per synapse, P / N.
    pub load: f64,
    /// Patterns, P.
    pub patterns: usize,
    /// Misclassified patterns in each pass (before its corrections took effect on later ones).
    pub errors_per_epoch: Vec<usize>,
    /// Misclassified patterns after training, in a pass without learning.
    pub final_errors: usize,
    /// Seconds of the whole run.
    pub seconds: f64,
}

impl CapacityPoint {
    /// The fraction of patterns misclassified after training.
    pub fn error_fraction(&self) -> f64 {
        self.final_errors as f64 / self.patterns.max(1) as f64
    }
}

impl CapacitySetting {
    /// Checks the values; the message names the field.
    pub fn validate(&self) -> Result<(), LearnError> {
        let positive = |name: &str, x: f64| {
            if x.is_finite() && x > 0.0 {
                Ok(())
            } else {
                Err(LearnError::InvalidParameter(format!(
                    "tempotron.{name} must be a finite number > 0 (got {x})"
                )))
            }
        };
        positive("duration_ms", self.duration_ms)?;
        positive("tau_m", self.tau_m)?;
        positive("tau_s", self.tau_s)?;
        positive("v_th", self.v_th)?;
        positive("dt", self.dt)?;
        positive("lambda", self.lambda)?;
        if !(self.initial_sd.is_finite() && self.initial_sd > 0.0) {
            return Err(LearnError::InvalidParameter(format!(
                "tempotron.initial_sd must be a finite number > 0 (got {}): with all weights \
                 equal the potential has no peak to learn from",
                self.initial_sd
            )));
        }
        if self.afferents == 0 || self.max_epochs == 0 {
            return Err(LearnError::InvalidParameter(
                "tempotron.afferents and tempotron.max_epochs must be at least 1".into(),
            ));
        }
        if self.duration_ms / self.dt < 2.0 {
            return Err(LearnError::InvalidParameter(format!(
                "tempotron.duration_ms ({}) must span at least two steps of {} ms",
                self.duration_ms, self.dt
            )));
        }
        Ok(())
    }

    /// The PSP kernel of the neuron (per pA), for converting weights to peak PSPs.
    fn kernel(&self) -> PspKernel {
        PspKernel::new(self.tau_m, self.tau_s, C_M, self.dt).expect("validated")
    }

    /// The engine's network: generators, the neuron, the learning projection.
    fn network(
        &self,
    ) -> Result<
        (
            Simulation,
            cajal_core::PopulationId,
            cajal_core::ProjectionId,
        ),
        LearnError,
    > {
        let mut net = Network::new(self.dt, self.seed).map_err(engine)?;
        let g = net
            .add_population(Population::new(
                "afferents",
                ModelKind::SpikeGenerator,
                self.afferents,
            ))
            .map_err(engine)?;
        let out = net
            .add_population(
                Population::new("tempotron", ModelKind::IafPscExp, 1)
                    .param("E_L", 0.0)
                    .param("V_reset", 0.0)
                    .param("V_th", self.v_th)
                    .param("tau_m", self.tau_m)
                    .param("tau_syn_ex", self.tau_s)
                    .param("tau_syn_in", self.tau_s)
                    .param("C_m", C_M)
                    .param("t_ref", self.dt)
                    .initial("V_m", Dist::Const(0.0)),
            )
            .map_err(engine)?;
        let proj = net
            .connect(
                Projection::new(g, out, Rule::AllToAll)
                    .weight(0.0)
                    .delay(self.dt)
                    .tempotron(TempotronDef {
                        lambda: self.lambda,
                        momentum: self.momentum,
                    }),
            )
            .map_err(engine)?;
        let sim = net.build(1).map_err(engine)?;
        Ok((sim, g, proj))
    }

    /// Trains one neuron on `round(load · N)` random patterns with random labels (half positive
    /// on average) until a pass has no error or `max_epochs` passes ran, then counts the errors
    /// in a pass without learning. `progress(epoch, errors)` is called after each pass.
    pub fn run(
        &self,
        load: f64,
        mut progress: impl FnMut(usize, usize),
    ) -> Result<CapacityPoint, LearnError> {
        self.validate()?;
        if !(load.is_finite() && load > 0.0) {
            return Err(LearnError::InvalidParameter(format!(
                "a load must be a finite number > 0 patterns per synapse (got {load})"
            )));
        }
        let begin = std::time::Instant::now();
        let n = self.afferents;
        let p = ((load * n as f64).round() as usize).max(1);
        // one stream per load, so that each point can be rerun alone
        let mut rng = rand_pcg::Pcg64::seed_from_u64(self.seed ^ (load * 1e6).round() as u64);
        let grid = (self.duration_ms / self.dt).round() as u64;
        let patterns: Vec<Vec<f64>> = (0..p)
            .map(|_| {
                (0..n)
                    .map(|_| rng.random_range(1..=grid) as f64 * self.dt)
                    .collect()
            })
            .collect();
        let labels: Vec<bool> = (0..p).map(|_| rng.random_bool(0.5)).collect();
        let (mut sim, g, proj) = self.network()?;
        let per_pa = self.kernel().peak();
        let normal = rand_distr::Normal::new(0.0, self.initial_sd / per_pa).expect("validated");
        let initial: Vec<f64> = (0..n).map(|_| rng.sample(normal)).collect();
        sim.set_weights(proj, &initial).map_err(engine)?;
        let senders: Vec<u32> = (0..n as u32).collect();
        let mut times = vec![0.0; n];
        let mut present = |sim: &mut Simulation, x: &[f64]| -> Result<bool, LearnError> {
            sim.reset_activity();
            let start = sim.time_ms();
            for (t, &x) in times.iter_mut().zip(x) {
                *t = start + x;
            }
            sim.add_spike_events(g, &senders, &times).map_err(engine)?;
            sim.run(self.duration_ms + self.dt, |_, _| {})
                .map_err(engine)?;
            Ok(sim.tempotron_answer(proj).map_err(engine)?.fired[0])
        };
        let mut errors_per_epoch = Vec::new();
        for epoch in 0..self.max_epochs {
            let mut wrong = 0;
            for (x, &y) in patterns.iter().zip(&labels) {
                present(&mut sim, x)?;
                wrong += sim.tempotron_teach(proj, &[y]).map_err(engine)?;
            }
            errors_per_epoch.push(wrong);
            progress(epoch + 1, wrong);
            if wrong == 0 {
                break;
            }
        }
        sim.set_learning(false);
        let mut final_errors = 0;
        for (x, &y) in patterns.iter().zip(&labels) {
            if present(&mut sim, x)? != y {
                final_errors += 1;
            }
        }
        Ok(CapacityPoint {
            load,
            patterns: p,
            errors_per_epoch,
            final_errors,
            seconds: begin.elapsed().as_secs_f64(),
        })
    }
}

/// Membrane capacitance (pF): any value serves, weights scale with it.
const C_M: f64 = 250.0;
