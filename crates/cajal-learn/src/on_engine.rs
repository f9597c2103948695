//! Diehl & Cook (2015), and the network of symmetric-STDP supervised learning built on it,
//! described with the engine's builder and trained through its episodes: what `cajal learn
//! diehl-cook` and `sym-stdp` run.
//!
//! The network: spike generators fed each image's Poisson trains as events, `iaf_psc_delta` (or
//! `iaf_cond_exp`) excitatory neurons with the adaptive threshold, input synapses with pair STDP
//! (additive, with nearest-spike pairing: traces set to 1 at a spike, as in the task;
//! λ = nu_post / w_max, α = nu_pre / nu_post, w_max; symmetric for `rule = "symmetric"`) and synaptic
//! scaling of each neuron's input to `norm` every presentation, one-to-one excitation of the
//! inhibitory partners and inhibition of every other excitatory neuron, delays of one step: the
//! task file's parameters. An image is presented from rest (`reset_activity`), again at a higher
//! rate while the layer answers with fewer than `min_spikes` spikes; for labelling and testing,
//! learning is turned off ([`EngineNetwork::set_learning`]). The supervised network adds the
//! label-clamped output layer ([`EngineNetwork::supervised`]).

use crate::diehl_cook::{DiehlCookConfig, StdpRule, SynapseModel};
use crate::encode::{poisson_rate, poisson_train};
use crate::error::{invalid, LearnError};
use crate::supervised::{OutputParams, CLASSES};
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
    output: Option<Output>,
}

/// The label-clamped output layer of symmetric-STDP supervised learning on the engine: one
/// `iaf_psc_delta` neuron per class, fed by every excitatory (hidden) neuron through symmetric
/// pair STDP (nearest spikes, `nu` per unit trace in either order, bounds [0, `w_max`]) with
/// each output neuron's incoming weights scaled to `norm_per_hidden` × hidden neurons every
/// presentation. While training, the population is clamped to the teacher: the label's neuron
/// fires a Poisson train (no spike within `t_ref` of the one before) and the others are
/// silent; testing, it runs freely.
struct Output {
    pop: PopulationId,
    proj: ProjectionId,
    params: OutputParams,
    before: Vec<u32>,
    after: Vec<u32>,
    teacher: Vec<u64>,
    teacher_senders: Vec<u32>,
    /// While learning is off: the hidden → output weights, hidden-major (for the input each
    /// output neuron received, which breaks ties).
    frozen: Option<Vec<f64>>,
}

/// What a presentation of the supervised network answers: the hidden layer's spike counts and
/// the output layer's.
pub struct Answer {
    /// Spikes of each excitatory (hidden) neuron in the accepted presentation.
    pub hidden: Vec<u32>,
    /// Spikes of each output neuron in it.
    pub output: Vec<u32>,
    /// The synaptic input each output neuron was sent in it (mV): the hidden counts weighed by
    /// the hidden → output weights (known while learning is off; empty otherwise). It counts
    /// the hidden spikes of the last step too, which arrive after the presentation; it only
    /// breaks ties.
    pub received: Vec<f64>,
}

impl EngineNetwork {
    /// Builds the network of `c` for images of `inputs` pixels, its initial weights drawn from
    /// `seed`; fails, naming the value, when the engine's builder refuses one of the task
    /// file's values.
    pub fn new(c: &DiehlCookConfig, inputs: usize, seed: u64) -> Result<EngineNetwork, LearnError> {
        Self::with_synapses(c, inputs, seed, SynapseModel::Current)
    }

    /// As [`EngineNetwork::new`], with current-based or conductance-based synapses.
    pub fn with_synapses(
        c: &DiehlCookConfig,
        inputs: usize,
        seed: u64,
        synapses: SynapseModel,
    ) -> Result<EngineNetwork, LearnError> {
        Self::build(c, inputs, seed, synapses, None)
    }

    /// The network of symmetric-STDP supervised learning: Diehl & Cook's (its hidden layer, as
    /// [`EngineNetwork::new`]) with the label-clamped output layer of `out` on its excitatory
    /// neurons. Present images with [`EngineNetwork::present_supervised`].
    pub fn supervised(
        c: &DiehlCookConfig,
        out: &OutputParams,
        inputs: usize,
        seed: u64,
    ) -> Result<EngineNetwork, LearnError> {
        Self::build(c, inputs, seed, c.synapses, Some(out))
    }

    fn build(
        c: &DiehlCookConfig,
        inputs: usize,
        seed: u64,
        synapses: SynapseModel,
        out: Option<&OutputParams>,
    ) -> Result<EngineNetwork, LearnError> {
        Self::describe(c, inputs, seed, synapses, out).map_err(|e| {
            invalid(format!(
                "the task file's values do not make a network the engine takes: {e}; \
                 make them smaller or finite"
            ))
        })
    }

    fn describe(
        c: &DiehlCookConfig,
        inputs: usize,
        seed: u64,
        synapses: SynapseModel,
        out: Option<&OutputParams>,
    ) -> Result<EngineNetwork, cajal_core::BuildError> {
        let dt = c.schedule.dt;
        let n = c.excitatory.neurons;
        let (e, i, s) = (&c.excitatory, &c.inhibitory, &c.stdp);
        let conductance = synapses == SynapseModel::Conductance;
        let mut net = Network::new(dt, seed)?;
        let input =
            net.add_population(Population::new("input", ModelKind::SpikeGenerator, inputs))?;
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
        let exc = net.add_population(lif("exc", &e.lif(), -100.0).threshold(
            ThresholdDef::Adaptive {
                theta_plus,
                tau_theta: e.tau_theta,
            },
        ))?;
        let inh = net.add_population(lif("inh", &i.lif(), -85.0))?;
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
                // the engine's step is w_max · λ · trace: nu_post per unit trace
                lambda: s.nu_post / s.w_max,
                alpha: s.nu_pre / s.nu_post,
                mu_plus: 0.0,
                mu_minus: 0.0,
                w_max: s.w_max,
                pairing: Pairing::Nearest,
                symmetric: s.rule == StdpRule::Symmetric,
                zero_lag: Default::default(),
            });
        if norm > 0.0 {
            stdp = stdp.scaling(ScalingDef {
                target: norm,
                every: c.schedule.presentation,
            });
        }
        let plastic = net.connect(stdp)?;
        net.connect(
            Projection::new(exc, inh, Rule::OneToOne)
                .weight(w_ei)
                .delay(dt),
        )?;
        let (sources, targets): (Vec<u32>, Vec<u32>) = (0..n as u32)
            .flat_map(|a| (0..n as u32).filter(move |&b| b != a).map(move |b| (a, b)))
            .unzip();
        let explicit = Rule::Explicit {
            sources,
            targets,
            weights: None,
            delays: None,
        };
        net.connect(Projection::new(inh, exc, explicit).weight(-w_ie).delay(dt))?;
        let output = out
            .map(|o| -> Result<Output, cajal_core::BuildError> {
                let pop = net.add_population(
                    Population::new("output", ModelKind::IafPscDelta, CLASSES)
                        .param("E_L", o.v_rest)
                        .param("V_reset", o.v_reset)
                        .param("V_th", o.v_th)
                        .param("C_m", o.tau_m)
                        .param("tau_m", o.tau_m)
                        .param("t_ref", o.t_ref)
                        .initial("V_m", o.v_rest),
                )?;
                let learn = Projection::new(exc, pop, Rule::AllToAll)
                    .weight(o.norm_per_hidden)
                    .delay(dt)
                    .plastic(PlasticityDef::Stdp {
                        tau_plus: o.tau_trace,
                        tau_minus: o.tau_trace,
                        lambda: o.nu / o.w_max,
                        alpha: 1.0,
                        mu_plus: 0.0,
                        mu_minus: 0.0,
                        w_max: o.w_max,
                        pairing: Pairing::Nearest,
                        symmetric: true,
                        zero_lag: Default::default(),
                    })
                    .scaling(ScalingDef {
                        target: o.norm_per_hidden * n as f64,
                        every: c.schedule.presentation,
                    });
                Ok(Output {
                    pop,
                    proj: net.connect(learn)?,
                    params: o.clone(),
                    before: Vec::new(),
                    after: Vec::new(),
                    teacher: Vec::new(),
                    teacher_senders: Vec::new(),
                    frozen: None,
                })
            })
            .transpose()?;
        Ok(EngineNetwork {
            sim: net.build(1)?,
            output,
            input,
            exc,
            plastic,
            senders: Vec::new(),
            steps: Vec::new(),
            before: Vec::new(),
            after: Vec::new(),
        })
    }

    /// Gives the input synapses the weights `w` (input-major, `w[i * neurons + j]`, as
    /// [`crate::diehl_cook::DiehlCookState::weights`]) and the excitatory neurons the threshold
    /// offsets `theta` (mV).
    pub fn load_state(&mut self, weights: &[f32], theta: &[f64]) -> Result<(), String> {
        let neurons = theta.len();
        let w: Vec<f64> = weights.iter().map(|&x| x as f64).collect();
        set_matrix(&mut self.sim, self.plastic, &w, neurons)?;
        self.sim
            .set_state(self.exc, "theta", theta)
            .map_err(|e| e.to_string())
    }

    /// Gives the supervised network's hidden → output synapses the weights `w` (hidden-major,
    /// as [`crate::supervised::OutputLayer::weights`]); nothing without an output layer.
    pub fn load_output_weights(&mut self, w: &[f32]) -> Result<(), String> {
        let Some(out) = &self.output else {
            return Ok(());
        };
        let w: Vec<f64> = w.iter().map(|&x| x as f64).collect();
        set_matrix(&mut self.sim, out.proj, &w, CLASSES)
    }

    /// The input weights (input-major) and threshold offsets as they stand, into `state`.
    pub fn store_state(&self, state: &mut crate::diehl_cook::DiehlCookState) {
        let w = matrix(&self.sim, self.plastic, state.neurons);
        state.weights = w.iter().map(|&x| x as f32).collect();
        state.theta = self
            .sim
            .state_now(self.exc, "theta")
            .expect("the excitatory neurons have a threshold");
    }

    /// Turns learning off (labelling and testing: weights and thresholds stay, the output layer
    /// runs freely) or on again.
    pub fn set_learning(&mut self, on: bool) {
        self.sim.set_learning(on);
        // (the next presentation releases the output layer's clamp: it has no teacher then)
        let frozen = if on { None } else { self.output_weights() };
        if let Some(out) = &mut self.output {
            out.frozen = frozen;
        }
    }

    /// The hidden → output weights of the supervised network as they stand, hidden-major
    /// (`w[j * CLASSES + c]`, as [`crate::supervised::OutputLayer::weights`]); `None` without an
    /// output layer.
    pub fn output_weights(&self) -> Option<Vec<f64>> {
        let out = self.output.as_ref()?;
        Some(matrix(&self.sim, out.proj, CLASSES))
    }

    /// Presents `image` from rest, again at a higher rate while the layer is too quiet; returns
    /// the excitatory spike counts of the accepted presentation. Fails for an image of another
    /// size than the network's input, or when the state leaves the finite numbers.
    pub fn present(
        &mut self,
        c: &DiehlCookConfig,
        image: &[u8],
        rng: &mut impl rand::Rng,
    ) -> Result<Vec<u32>, LearnError> {
        Ok(self.present_with(c, image, None, rng)?.hidden)
    }

    /// As [`EngineNetwork::present`] for the supervised network: while learning, the output layer
    /// is clamped to the teacher of class `label` in every presentation of the image (its
    /// Poisson train drawn from `rng` after the image's spikes), and keeps only what the accepted
    /// presentation taught it (a presentation with too few hidden spikes has its output weights
    /// undone, as the task's own loop taught only the accepted one); with learning off it runs
    /// freely (`label` is not used). Returns the hidden and output answers of the accepted
    /// presentation.
    pub fn present_supervised(
        &mut self,
        c: &DiehlCookConfig,
        image: &[u8],
        label: u8,
        rng: &mut impl rand::Rng,
    ) -> Result<Answer, LearnError> {
        self.present_with(c, image, Some(label), rng)
    }

    fn present_with(
        &mut self,
        c: &DiehlCookConfig,
        image: &[u8],
        label: Option<u8>,
        rng: &mut impl rand::Rng,
    ) -> Result<Answer, LearnError> {
        let s = &c.schedule;
        let steps = (s.presentation / s.dt).round() as usize;
        let mut rate = s.max_rate;
        let mut answer = Answer {
            hidden: Vec::new(),
            output: Vec::new(),
            received: Vec::new(),
        };
        for attempt in 1..=s.max_presentations {
            let raster = poisson_rate(image, rate, s.dt, steps, rng);
            self.sim.reset_activity();
            let now = self.sim.steps_done();
            raster.steps_from(now, &mut self.senders, &mut self.steps);
            self.sim
                .add_spike_steps(self.input, &self.senders, &self.steps)
                .map_err(|e| invalid(format!("the image does not fit the network's input: {e}")))?;
            if let Some(out) = &mut self.output {
                match (label, &out.frozen) {
                    // learning with a label: the teacher of its class
                    (Some(label), None) => {
                        let p = &out.params;
                        // the label's neuron as a refractory neuron would fire the teacher's
                        // Poisson train
                        let refractory = (p.t_ref / s.dt).round() as u64;
                        out.teacher.clear();
                        let teacher = &mut out.teacher;
                        poisson_train(p.teacher_rate, s.dt, steps, refractory, rng, |k| {
                            teacher.push(now + k)
                        });
                        out.teacher_senders.clear();
                        out.teacher_senders.resize(out.teacher.len(), label as u32);
                        self.sim
                            .clamp_spikes(out.pop, &out.teacher_senders, &out.teacher)
                            .map_err(|e| {
                                invalid(format!(
                                    "label {label}: the output layer has {CLASSES} classes ({e})"
                                ))
                            })?;
                    }
                    // no label, or testing: the output layer runs freely
                    _ => self
                        .sim
                        .release_clamp(out.pop)
                        .expect("the network's own population"),
                }
            }
            self.sim
                .spike_counts_into(self.exc, &mut self.before)
                .unwrap();
            if let Some(out) = &mut self.output {
                self.sim
                    .spike_counts_into(out.pop, &mut out.before)
                    .unwrap();
            }
            // what the output layer knew before this presentation: a presentation that is not
            // accepted (too few hidden spikes) teaches it nothing
            let teaching =
                label.is_some() && self.output.as_ref().is_some_and(|o| o.frozen.is_none());
            let output_before = match &self.output {
                Some(out) if teaching => Some(
                    self.sim
                        .weights(out.proj)
                        .expect("the network's own projection")
                        .expect("a plastic projection")
                        .weights,
                ),
                _ => None,
            };
            self.sim.run(s.presentation, |_, _| {}).map_err(|e| {
                invalid(format!(
                    "the network's state left the finite numbers ({e}): make the weights \
                     (stdp.w_max, excitatory.w_to_inhibitory, inhibitory.w_to_excitatory) or \
                     excitatory.theta_plus smaller"
                ))
            })?;
            self.sim
                .spike_counts_into(self.exc, &mut self.after)
                .unwrap();
            answer.hidden = difference(&self.after, &self.before);
            if let Some(out) = &mut self.output {
                self.sim.spike_counts_into(out.pop, &mut out.after).unwrap();
                answer.output = difference(&out.after, &out.before);
            }
            let total: u32 = answer.hidden.iter().sum();
            if total >= s.min_spikes || attempt == s.max_presentations {
                break;
            }
            if let (Some(out), Some(w)) = (&self.output, &output_before) {
                self.sim
                    .set_weights(out.proj, w)
                    .expect("the weights it had a presentation ago");
            }
            rate += s.rate_step;
        }
        if let Some(w) = self.output.as_ref().and_then(|o| o.frozen.as_ref()) {
            answer.received = (0..CLASSES)
                .map(|c| {
                    answer
                        .hidden
                        .iter()
                        .enumerate()
                        .map(|(j, &k)| k as f64 * w[j * CLASSES + c])
                        .sum()
                })
                .collect();
        }
        Ok(answer)
    }
}

/// The weights of all-to-all projection `proj` onto `targets` neurons as a source-major matrix
/// (`m[source * targets + target]`), whatever order the engine lists them in (partition by
/// partition).
fn matrix(sim: &Simulation, proj: ProjectionId, targets: usize) -> Vec<f64> {
    let w = sim
        .weights(proj)
        .expect("the network's own projection")
        .expect("plastic weights are always readable");
    let mut m = vec![0.0; w.weights.len()];
    for ((&s, &t), &x) in w.sources.iter().zip(&w.targets).zip(&w.weights) {
        m[s as usize * targets + t as usize] = x;
    }
    m
}

/// Sets the weights of all-to-all projection `proj` onto `targets` neurons from a source-major
/// matrix, in the order the engine lists its synapses.
fn set_matrix(
    sim: &mut Simulation,
    proj: ProjectionId,
    m: &[f64],
    targets: usize,
) -> Result<(), String> {
    let w = sim
        .weights(proj)
        .expect("the network's own projection")
        .expect("plastic weights are always readable");
    if m.len() != w.weights.len() {
        return Err(format!(
            "{} weights given for {} synapses",
            m.len(),
            w.weights.len()
        ));
    }
    let listed: Vec<f64> = w
        .sources
        .iter()
        .zip(&w.targets)
        .map(|(&s, &t)| m[s as usize * targets + t as usize])
        .collect();
    sim.set_weights(proj, &listed).map_err(|e| e.to_string())
}

/// Counts after less counts before.
fn difference(after: &[u32], before: &[u32]) -> Vec<u32> {
    after.iter().zip(before).map(|(a, b)| a - b).collect()
}
