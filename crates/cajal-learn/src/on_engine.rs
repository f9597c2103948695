//! Diehl & Cook (2015) built from the engine's populations, projections and rules and trained
//! through its episodes (issue 21: the tasks move onto the engine; until then this stands beside
//! the task's own loop in `diehl_cook.rs`, and `examples/diehl_cook_engine.rs` compares them).
//!
//! The network: spike generators fed each image's Poisson trains as events, `iaf_psc_delta`
//! excitatory neurons with the adaptive threshold, input synapses with pair STDP (additive, with
//! nearest-spike pairing: traces set to 1 at a spike, as in the task; λ = nu_post,
//! α = nu_pre / nu_post, w_max) and synaptic scaling of each neuron's input to `norm` every
//! presentation, one-to-one excitation of the inhibitory partners and inhibition of every other
//! excitatory neuron, delays of one step: the task file's parameters. An image is presented from
//! rest (`reset_activity`), again at a higher rate while the layer answers with fewer than
//! `min_spikes` spikes; for labelling and testing, learning is turned off
//! (`Simulation::set_learning`).

use crate::diehl_cook::{DiehlCookConfig, SynapseModel};
use crate::encode::poisson_rate;
use cajal_core::{
    Dist, ModelKind, Network, Pairing, PlasticityDef, Population, PopulationId, Projection,
    ProjectionId, Rule, ScalingDef, Simulation, ThresholdDef,
};

/// A Diehl & Cook network built on the engine, with its scratch buffers.
pub struct EngineNetwork {
    /// The simulation.
    pub sim: Simulation,
    input: PopulationId,
    exc: PopulationId,
    plastic: ProjectionId,
    senders: Vec<u32>,
    steps: Vec<u64>,
    before: Vec<u32>,
    after: Vec<u32>,
}

impl EngineNetwork {
    /// Builds the network of `c` for images of `inputs` pixels, its initial weights drawn from
    /// `seed`.
    pub fn new(c: &DiehlCookConfig, inputs: usize, seed: u64) -> EngineNetwork {
        Self::with_synapses(c, inputs, seed, SynapseModel::Current)
    }

    /// As [`EngineNetwork::new`], with current-based or conductance-based synapses.
    pub fn with_synapses(
        c: &DiehlCookConfig,
        inputs: usize,
        seed: u64,
        synapses: SynapseModel,
    ) -> EngineNetwork {
        let dt = c.schedule.dt;
        let n = c.excitatory.neurons;
        let (e, i, s) = (&c.excitatory, &c.inhibitory, &c.stdp);
        let conductance = synapses == SynapseModel::Conductance;
        let mut net = Network::new(dt, seed).unwrap();
        let input = net
            .add_population(Population::new("input", ModelKind::SpikeGenerator, inputs))
            .unwrap();
        let lif = |name: &str, l: &crate::diehl_cook::LifParams, e_in: f64| {
            let model = if conductance {
                ModelKind::IafCondExp
            } else {
                ModelKind::IafPscDelta
            };
            let p = Population::new(name, model, n)
                .param("E_L", l.v_rest)
                .param("V_reset", l.v_reset)
                .param("V_th", l.v_th)
                .param("C_m", l.tau_m)
                .param("t_ref", l.t_ref)
                .initial("V_m", l.v_rest);
            if conductance {
                p.param("g_L", 1.0)
                    .param("E_ex", 0.0)
                    .param("E_in", e_in)
                    .param("tau_syn_ex", 1.0)
                    .param("tau_syn_in", 2.0)
            } else {
                p.param("tau_m", l.tau_m)
            }
        };
        let theta_plus = e.theta_plus;
        let exc = net
            .add_population(
                lif("exc", &e.lif(), -100.0).threshold(ThresholdDef::Adaptive {
                    theta_plus,
                    tau_theta: e.tau_theta,
                }),
            )
            .unwrap();
        let inh = net.add_population(lif("inh", &i.lif(), -85.0)).unwrap();
        let (w_ei, w_ie, norm) = (e.w_to_inhibitory, i.w_to_excitatory, s.norm);
        let mut stdp = Projection::new(input, exc, Rule::AllToAll)
            .weight(Dist::Uniform {
                low: 0.0,
                high: s.w_init,
            })
            .delay(dt)
            .plastic(PlasticityDef::Stdp {
                tau_plus: s.tau_pre,
                tau_minus: s.tau_post,
                lambda: s.nu_post,
                alpha: s.nu_pre / s.nu_post,
                mu_plus: 0.0,
                mu_minus: 0.0,
                w_max: s.w_max,
                pairing: Pairing::Nearest,
                symmetric: false,
            });
        if norm > 0.0 {
            stdp = stdp.scaling(ScalingDef {
                target: norm,
                every: c.schedule.presentation,
            });
        }
        let plastic = net.connect(stdp).unwrap();
        net.connect(
            Projection::new(exc, inh, Rule::OneToOne)
                .weight(w_ei)
                .delay(dt),
        )
        .unwrap();
        let (sources, targets): (Vec<u32>, Vec<u32>) = (0..n as u32)
            .flat_map(|a| (0..n as u32).filter(move |&b| b != a).map(move |b| (a, b)))
            .unzip();
        let explicit = Rule::Explicit {
            sources,
            targets,
            weights: None,
            delays: None,
        };
        net.connect(Projection::new(inh, exc, explicit).weight(-w_ie).delay(dt))
            .unwrap();
        EngineNetwork {
            sim: net.build(1).unwrap(),
            input,
            exc,
            plastic,
            senders: Vec::new(),
            steps: Vec::new(),
            before: Vec::new(),
            after: Vec::new(),
        }
    }

    /// Gives the input synapses the weights `w` (input-major, `w[i * neurons + j]`, as
    /// [`crate::diehl_cook::DiehlCookState::weights`]) and the excitatory neurons the threshold
    /// offsets `theta` (mV).
    pub fn load_state(&mut self, weights: &[f32], theta: &[f64]) -> Result<(), String> {
        let w: Vec<f64> = weights.iter().map(|&x| x as f64).collect();
        self.sim
            .set_weights(self.plastic, &w)
            .map_err(|e| e.to_string())?;
        self.sim
            .set_state(self.exc, "theta", theta)
            .map_err(|e| e.to_string())
    }

    /// The input weights (input-major) and threshold offsets as they stand, into `state`.
    pub fn store_state(&self, state: &mut crate::diehl_cook::DiehlCookState) {
        let w = self
            .sim
            .weights(self.plastic)
            .expect("the network's own projection")
            .expect("plastic weights are always readable");
        state.weights = w.weights.iter().map(|&x| x as f32).collect();
        state.theta = self
            .sim
            .state_now(self.exc, "theta")
            .expect("the excitatory neurons have a threshold");
    }

    /// Presents `image` from rest, again at a higher rate while the layer is too quiet; returns
    /// the excitatory spike counts of the accepted presentation.
    pub fn present(
        &mut self,
        c: &DiehlCookConfig,
        image: &[u8],
        rng: &mut impl rand::Rng,
    ) -> Vec<u32> {
        let s = &c.schedule;
        let steps = (s.presentation / s.dt).round() as usize;
        let mut rate = s.max_rate;
        let mut counts = Vec::new();
        for attempt in 1..=s.max_presentations {
            let raster = poisson_rate(image, rate, s.dt, steps, rng);
            self.sim.reset_activity();
            raster.steps_from(self.sim.steps_done(), &mut self.senders, &mut self.steps);
            self.sim
                .add_spike_steps(self.input, &self.senders, &self.steps)
                .unwrap();
            self.sim
                .spike_counts_into(self.exc, &mut self.before)
                .unwrap();
            self.sim.run(s.presentation, |_, _| {}).unwrap();
            self.sim
                .spike_counts_into(self.exc, &mut self.after)
                .unwrap();
            counts = self
                .after
                .iter()
                .zip(&self.before)
                .map(|(a, b)| a - b)
                .collect();
            let total: u32 = counts.iter().sum();
            if total >= s.min_spikes || attempt == s.max_presentations {
                break;
            }
            rate += s.rate_step;
        }
        counts
    }
}
