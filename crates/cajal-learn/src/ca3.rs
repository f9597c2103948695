//! A hippocampal CA3 content-addressable memory (Casanueva-Morato et al., "Bio-inspired
//! computational memory model of the Hippocampus: an approach to a neuromorphic spike-based
//! Content-Addressable Memory", Neural Networks 2024; their SpiNNaker model, sPyMem's
//! `CA3_content_addressable`), built from the engine's populations, static synapses and pair
//! STDP.
//!
//! `cues` one-hot cue neurons address memories of `contents` bits. The input population's first
//! `cues` neurons are the cue, the others the content. Operations, on a 1 ms grid:
//! - **learn**: the cue neuron and the content's 1-bits fire for 3 steps together; STDP from the
//!   cue to the content (and back) stores the memory in one presentation, and overwrites (forgets)
//!   what the same cue held before. The memory appears at the output 5–7 ms later.
//! - **recall by cue**: the cue neuron fires once; 5 ms later the cue, one step later the
//!   content appears at the output.
//! - **recall by content**: some content bits fire once; the output shows the bits given and the
//!   cues of every memory holding at least one of them.
//!
//! The network and its parameters are sPyMem's. Its `IF_curr_exp` neurons have τ_syn = 0.3 ms
//! on a 1 ms grid, where SpiNNaker's integration gives a spike's whole effect as a jump of the
//! membrane in the step it arrives in; the engine runs them as `iaf_psc_delta` neurons with that
//! jump ([`jump`]), the same leak, threshold and refractoriness, so that each synapse takes
//! exactly its delay, as on SpiNNaker. STDP is the engine's pair STDP with SpiNNaker's
//! convention for pairings at zero lag ([`ZeroLag::Depress`]: a presynaptic spike arriving as a
//! postsynaptic one reaches the synapse depresses), on which overwriting a memory relies: with
//! NEST's convention ([`Memory::with_zero_lag`], [`ZeroLag::Unpaired`]) the old memory stays
//! beside the new one (docs/ca3.md).

use crate::error::engine;
use crate::LearnError;
use cajal_core::{
    Dist, ModelKind, Network, PlasticityDef, Population, PopulationId, Projection, Rule,
    Simulation, ZeroLag,
};
use std::collections::BTreeMap;

/// An `IF_curr_exp` population with sPyMem's values (rest and reset −60 mV, threshold `v_th`,
/// τ_syn 0.3 ms, refractory 1 ms, capacitance `cm` nF, τ_m `tau_m` ms) as SpiNNaker integrates
/// it on a 1 ms grid: the synaptic current of a spike decays within the step it arrives in
/// (τ_syn = 0.3 ms), so its whole effect is a jump of the membrane in that step. The engine's
/// `iaf_psc_delta` with the same leak takes that jump ([`jump`]) in the same step.
fn lif(name: &str, n: usize, cm: f64, tau_m: f64, v_th: f64) -> (Population, (f64, f64)) {
    let p = Population::new(name, ModelKind::IafPscDelta, n)
        .param("C_m", cm * 1000.0)
        .param("tau_m", tau_m)
        .param("t_ref", 1.0)
        .param("E_L", -60.0)
        .param("V_reset", -60.0)
        .param("V_th", v_th)
        .initial("V_m", Dist::Const(-60.0));
    (p, (cm, tau_m))
}

/// The membrane jump (mV) of a spike of weight `w` nA onto an `IF_curr_exp` neuron of
/// capacitance `cm` nF and time constant `tau_m` ms, as sPyNNaker integrates it with τ_syn =
/// 0.3 ms and dt = 1 ms: the spike's current over its step is `w · τ_syn/dt · (1 − e^{−dt/τ_syn})`
/// and the membrane moves by that current times `τ_m/cm · (1 − e^{−dt/τ_m})` (the current's
/// remainder in later steps, 3.6 % of it, is left out).
pub fn jump(w: f64, (cm, tau_m): (f64, f64)) -> f64 {
    let (tau_syn, dt) = (0.3, 1.0);
    let current = w * tau_syn / dt * (1.0 - (-dt / tau_syn).exp());
    current * tau_m / cm * (1.0 - (-dt / tau_m).exp())
}

/// The memory and its input and output.
pub struct Memory {
    /// The engine's simulation.
    pub sim: Simulation,
    /// Input spike generators: cues, then content bits.
    pub input: PopulationId,
    /// Output neurons: cues, then content bits.
    pub output: PopulationId,
    /// Cues.
    pub cues: usize,
    /// Content bits.
    pub contents: usize,
}

impl Memory {
    /// Builds the memory of `cues` one-hot cues and `contents` content bits, with SpiNNaker's
    /// STDP convention at zero lag.
    pub fn new(cues: usize, contents: usize) -> Result<Memory, LearnError> {
        Memory::with_zero_lag(cues, contents, ZeroLag::Depress)
    }

    /// [`Memory::new`] with pairings at zero lag handled as `zero_lag` says.
    pub fn with_zero_lag(
        cues: usize,
        contents: usize,
        zero_lag: ZeroLag,
    ) -> Result<Memory, LearnError> {
        if cues == 0 || contents == 0 || cues > 4096 || contents > 4096 {
            return Err(LearnError::InvalidParameter(format!(
                "a memory needs 1 to 4096 cues and 1 to 4096 content bits (got {cues} and \
                 {contents}): its all-to-all projections grow with their product"
            )));
        }
        let mut net = Network::new(1.0, 1).map_err(engine)?;
        let mut shapes = BTreeMap::new();
        let mut add = |(p, shape): (Population, (f64, f64))| {
            let id = net.add_population(p).map_err(engine)?;
            shapes.insert(id.index(), shape);
            Ok::<_, LearnError>(id)
        };
        let input = add((
            Population::new("input", ModelKind::SpikeGenerator, cues + contents),
            (1.0, 1.0),
        ))?;
        let cue_cue = add(lif("CA3cueCueRecall", cues, 0.27, 3.0, -57.0))?;
        let cue_cont = add(lif("CA3cueContRecall", cues, 0.14, 0.5, -57.0))?;
        let cont_cue = add(lif("CA3contCueRecall", contents, 0.27, 3.0, -57.0))?;
        let cont_cont = add(lif("CA3contContRecall", contents, 0.27, 3.0, -57.0))?;
        let cond = add(lif("CA3contCond", contents, 0.14, 0.5, -57.0))?;
        let cond_int = add(lif("CA3contCondInt", 1, 0.14, 0.5, -57.0))?;
        let merge_cue = add(lif("CA3mergeCue", cues, 0.27, 3.0, -57.0))?;
        let merge_cont = add(lif("CA3mergeCont", contents, 0.27, 3.0, -57.0))?;
        let output = add(lif("output", cues + contents, 0.27, 3.0, -57.5))?;
        // weights in nA (PyNN), negative for inhibitory synapses
        let mut connect = |source, target: PopulationId, rule: Rule, w_na: f64, delay: f64| {
            let mut p = Projection::new(source, target, rule)
                .weight(jump(w_na, shapes[&target.index()]))
                .delay(delay);
            if w_na < 0.0 {
                let name = |id: PopulationId| net.def().populations[id.index()].name.clone();
                p = p.name(format!("{}->{} (inhibitory)", name(source), name(target)));
            }
            net.connect(p).map(|_| ()).map_err(engine)
        };
        let one = || Rule::OneToOne;
        let all = || Rule::AllToAll;
        // the input's cue and content parts, one to one
        let first = |n: usize, offset: usize| Rule::Explicit {
            sources: (offset as u32..(offset + n) as u32).collect(),
            targets: (0..n as u32).collect(),
            weights: None,
            delays: None,
        };
        connect(input, cue_cue, first(cues, 0), 6.0, 1.0)?;
        connect(input, cont_cue, first(contents, cues), 6.0, 1.0)?;
        connect(cue_cue, cue_cont, one(), 6.0, 2.0)?;
        let others = |n: usize| {
            let (mut s, mut t) = (Vec::new(), Vec::new());
            for i in 0..n as u32 {
                for j in 0..n as u32 {
                    if i != j {
                        s.push(i);
                        t.push(j);
                    }
                }
            }
            Rule::Explicit {
                sources: s,
                targets: t,
                weights: None,
                delays: None,
            }
        };
        let k = contents as f64;
        if cues > 1 {
            connect(cue_cue, cue_cont, others(cues), -6.0 * k, 3.0)?;
            connect(cue_cont, cue_cont, others(cues), -6.0 * k, 2.0)?;
        }
        connect(cue_cue, cond, all(), -6.0, 2.0)?;
        connect(cont_cue, cond, one(), 9.0, 1.0)?;
        connect(cond, cont_cont, one(), 6.0, 1.0)?;
        connect(cont_cue, cond_int, all(), 6.0, 1.0)?;
        connect(cond_int, cond, all(), 2.0, 1.0)?;
        connect(cue_cue, merge_cue, one(), 6.0, 3.0)?;
        connect(cue_cont, merge_cue, one(), 6.0, 1.0)?;
        connect(cont_cue, merge_cont, one(), 6.0, 3.0)?;
        connect(cont_cont, merge_cont, one(), 6.0, 1.0)?;
        let out_part = |n: usize, offset: usize| Rule::Explicit {
            sources: (0..n as u32).collect(),
            targets: (offset as u32..(offset + n) as u32).collect(),
            weights: None,
            delays: None,
        };
        connect(merge_cue, output, out_part(cues, 0), 6.0, 1.0)?;
        connect(merge_cont, output, out_part(contents, cues), 6.0, 1.0)?;
        // the memory: pair STDP (τ 3 ms, A+ = A− = 6, weights 0 to 6 nA) cue → content and back
        let stdp = |target: PopulationId| {
            let p: BTreeMap<String, f64> = [
                ("tau_plus", 3.0),
                ("tau_minus", 3.0),
                ("lambda", 1.0),
                ("alpha", 1.0),
                ("Wmax", jump(6.0, shapes[&target.index()])),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
            PlasticityDef::from_params("stdp", &p, None, None, None)
                .and_then(|r| r.with_zero_lag(zero_lag))
                .map_err(engine)
        };
        net.connect(
            Projection::new(cue_cue, cont_cue, Rule::AllToAll)
                .weight(0.0)
                .delay(1.0)
                .plastic(stdp(cont_cue)?),
        )
        .map_err(engine)?;
        net.connect(
            Projection::new(cont_cont, cue_cont, Rule::AllToAll)
                .weight(0.0)
                .delay(1.0)
                .plastic(stdp(cue_cont)?),
        )
        .map_err(engine)?;
        net.add_record(cajal_core::Record::spikes(output))
            .map_err(engine)?;
        let sim = net.build(1).map_err(engine)?;
        Ok(Memory {
            sim,
            input,
            output,
            cues,
            contents,
        })
    }
}

impl Memory {
    /// Schedules input spikes: neuron `i` of the input (cues, then content bits) fires in the
    /// steps `steps[i]` (ms on sPyMem's grid, where a spike at `t` is emitted in step `t`).
    pub fn input_spikes(&mut self, steps: &[Vec<u64>]) -> Result<(), LearnError> {
        let (mut senders, mut times) = (Vec::new(), Vec::new());
        for (i, list) in steps.iter().enumerate() {
            for &t in list {
                senders.push(i as u32);
                // the engine stamps a spike at its step's end
                times.push(t as f64 + 1.0);
            }
        }
        self.sim
            .add_spike_events(self.input, &senders, &times)
            .map_err(engine)
    }

    /// Runs `ms` milliseconds.
    pub fn run(&mut self, ms: f64) -> Result<(), LearnError> {
        self.sim.run(ms, |_, _| {}).map_err(engine)
    }

    /// The output's spikes so far as (step on sPyMem's grid, output neuron), in time order.
    pub fn output_spikes(&self) -> Result<Vec<(u64, u32)>, LearnError> {
        let tr = self.sim.spike_trains(self.output).map_err(engine)?;
        let mut v: Vec<(u64, u32)> = tr
            .times
            .iter()
            .zip(&tr.senders)
            .map(|(&t, &s)| ((t.round() as u64).saturating_sub(1), s))
            .collect();
        v.sort_unstable();
        Ok(v)
    }
}

/// An operation on the memory, at a step of sPyMem's grid.
#[derive(Clone, Debug, PartialEq)]
pub enum Operation {
    /// Store `content` (content-bit indices) under cue `cue` (3 steps of input).
    Learn {
        /// Cue index.
        cue: usize,
        /// The content's 1-bits.
        content: Vec<usize>,
    },
    /// Recall the content stored under `cue` (one input step).
    RecallByCue(usize),
    /// Recall the cues whose content holds any of these bits (one input step).
    RecallByContent(Vec<usize>),
}

/// What the output should show after `op` at step `t`, as sPyMem documents its model, given
/// the memories stored before (`memories[cue]`, updated by a learn): (step, output neurons),
/// output neurons numbered cues first, then content bits, sorted. Panics on a cue outside
/// `memories` (a programming error: [`Memory::schedule`] refuses such operations).
pub fn expected_output(
    op: &Operation,
    t: u64,
    cues: usize,
    memories: &mut [Vec<usize>],
) -> Vec<(u64, Vec<u32>)> {
    // output neurons, sorted and each once
    let bits = |b: &[usize]| -> Vec<u32> {
        let mut v: Vec<u32> = b.iter().map(|&i| (cues + i) as u32).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    match op {
        Operation::Learn { cue, content } => {
            memories[*cue] = content.clone();
            let mut all = vec![*cue as u32];
            all.extend(bits(content));
            vec![(t + 5, all.clone()), (t + 7, all)]
        }
        Operation::RecallByCue(cue) => {
            vec![(t + 5, vec![*cue as u32]), (t + 6, bits(&memories[*cue]))]
        }
        Operation::RecallByContent(given) => {
            let holders: Vec<u32> = (0..cues)
                .filter(|&c| memories[c].iter().any(|b| given.contains(b)))
                .map(|c| c as u32)
                .collect();
            vec![(t + 5, bits(given)), (t + 6, holders)]
        }
    }
}

impl Memory {
    /// Schedules `op` at step `t` (at most 10^9) as input spikes.
    pub fn schedule(&mut self, op: &Operation, t: u64) -> Result<(), LearnError> {
        if t > 1_000_000_000 {
            return Err(LearnError::InvalidParameter(format!(
                "step {t}: operations are scheduled at steps of at most 10^9 (ms)"
            )));
        }
        let mut steps = vec![Vec::new(); self.cues + self.contents];
        let check = |i: usize, n: usize, what: &str| {
            if i < n {
                Ok(())
            } else {
                Err(LearnError::InvalidParameter(format!(
                    "{what} {i} does not exist: the memory has {n}"
                )))
            }
        };
        match op {
            Operation::Learn { cue, content } => {
                check(*cue, self.cues, "cue")?;
                for k in 0..3 {
                    steps[*cue].push(t + k);
                    for &b in content {
                        check(b, self.contents, "content bit")?;
                        steps[self.cues + b].push(t + k);
                    }
                }
            }
            Operation::RecallByCue(cue) => {
                check(*cue, self.cues, "cue")?;
                steps[*cue].push(t);
            }
            Operation::RecallByContent(given) => {
                for &b in given {
                    check(b, self.contents, "content bit")?;
                    steps[self.cues + b].push(t);
                }
            }
        }
        self.input_spikes(&steps)
    }
}

fn learn(cue: usize, content: &[usize]) -> Operation {
    Operation::Learn {
        cue,
        content: content.to_vec(),
    }
}

/// sPyMem's five test benches (5 cues, 10 content bits): a name and the operations with their
/// steps.
pub fn test_benches() -> Vec<(&'static str, Vec<(u64, Operation)>)> {
    use Operation::{RecallByContent, RecallByCue};
    vec![
        (
            "1: learn and recall",
            vec![(0, learn(0, &[0, 1, 2, 9])), (10, RecallByCue(0))],
        ),
        (
            "2: learn, recall, relearn (forget), recall",
            vec![
                (0, learn(0, &[0, 1, 2, 9])),
                (10, RecallByCue(0)),
                (20, learn(0, &[2, 3, 8])),
                (30, RecallByCue(0)),
            ],
        ),
        (
            "3: operations at the highest rate",
            vec![
                (0, learn(4, &[7, 8, 9])),
                (7, learn(3, &[6, 7, 8])),
                (14, learn(2, &[5, 6, 7])),
                (21, RecallByCue(4)),
                (27, RecallByCue(3)),
                (33, learn(3, &[0, 1, 5, 6, 7])),
                (40, learn(2, &[0, 1, 8, 9])),
                (47, RecallByCue(3)),
                (53, RecallByCue(2)),
            ],
        ),
        (
            "4: learn, recall by cue and by content (one bit), relearn",
            vec![
                (0, learn(0, &[0, 1, 2, 8, 9])),
                (10, learn(1, &[0, 7, 8, 9])),
                (20, RecallByContent(vec![0])),
                (30, RecallByContent(vec![9])),
                (40, RecallByContent(vec![2])),
                (50, RecallByCue(0)),
                (60, learn(0, &[2, 3, 9])),
                (70, RecallByCue(0)),
                (80, RecallByContent(vec![0])),
                (90, RecallByContent(vec![2])),
                (100, RecallByContent(vec![9])),
            ],
        ),
        (
            "5: recall by content (several bits)",
            vec![
                (0, learn(0, &[0, 1, 2])),
                (10, learn(1, &[1, 2, 3])),
                (20, learn(2, &[2, 3, 4])),
                (30, RecallByContent(vec![0, 4])),
                (40, RecallByContent(vec![2])),
                (50, RecallByCue(1)),
                (60, RecallByContent(vec![1, 3])),
            ],
        ),
    ]
}
