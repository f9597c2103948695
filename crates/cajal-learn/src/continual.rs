//! Continual learning on the engine: a spiking network learns a sequence of tasks, with and
//! without Hebbian-learning-based orthogonal projection (HLOP, Xiao et al. 2024), and with
//! elastic weight consolidation (EWC, Kirkpatrick et al. 2017) for comparison.
//!
//! **The network.** Images are Poisson spike trains of `pixel / 255 · max_rate` Hz from a
//! spike-generator population; ten `iaf_psc_delta` output neurons, one per class, are fed by
//! every input through a delta-rule projection ([`cajal_core::DeltaDef`]): after each
//! presentation the label's neuron is taught toward `desired` spikes and the others toward
//! none, `Δw_ij = η (d_i − n_i) x_j` with `x_j` the integral of input `j`'s presynaptic trace.
//! The answer is the output neuron that fired most (ties broken by the drive, weights times
//! traces).
//!
//! **HLOP.** A lateral population learns, with Oja's subspace rule on the same inputs
//! ([`cajal_core::OjaDef`], one window per presentation), the principal subspace of each task's
//! input activity while the task is learned: `lateral_per_task` new neurons per task, their
//! weights drawn at random when the task starts; the rows of earlier tasks are fixed
//! ([`cajal_core::Simulation::oja_fix_rows`]) and take part in the rule's anti-Hebbian term, so
//! the new rows grow orthogonal to them. When a task ends its rows are fixed and handed to the
//! delta rule as the subspace to protect ([`cajal_core::Simulation::delta_protect`]): later
//! updates are `η e xᵀ (I − HᵀH)`, which leave the outputs for inputs of that subspace alone.
//!
//! **Protocols.** *Permuted*: every task is the ten classes with the pixels in a task's own
//! fixed random order (task 0 unpermuted), one shared output layer (domain-incremental, as the
//! paper's PMNIST). *Split*: five tasks of two classes each (0/1, 2/3, …), each answered among
//! its own two outputs (task-incremental, multi-head).
//!
//! **Scores** (Lopez-Paz & Ranzato 2017, as the paper): `R[t][k]`, the test accuracy on task
//! `k` after learning task `t`; ACC, the mean of the last row; BWT, the mean over the tasks
//! before the last of `R[T−1][k] − R[k][k]` (negative: forgetting).

use crate::encode::{poisson_rate, regular_rate};
use crate::error::invalid;
use crate::LearnError;
use cajal_core::{
    DeltaDef, Dist, ModelKind, Network, OjaDef, Population, PopulationId, Projection, ProjectionId,
    Rule, Simulation,
};
use cajal_data::idx::ImageSet;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};

/// Ten classes, one output neuron each.
pub const CLASSES: usize = 10;

/// The most tasks of a run (each holds a permutation of the pixels).
pub const MAX_TASKS: usize = 1000;

/// How the tasks are made from the dataset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// `tasks` tasks of all ten classes, each with its own fixed permutation of the pixels (the
    /// first unpermuted); one shared output layer.
    Permuted {
        /// Number of tasks.
        tasks: usize,
    },
    /// Five tasks of two classes each (0/1, 2/3, 4/5, 6/7, 8/9), each answered among its own two
    /// outputs.
    Split,
}

impl Protocol {
    /// Number of tasks.
    pub fn tasks(self) -> usize {
        match self {
            Protocol::Permuted { tasks } => tasks,
            Protocol::Split => CLASSES / 2,
        }
    }

    /// The classes of task `t`.
    pub fn classes(self, t: usize) -> Vec<u8> {
        match self {
            Protocol::Permuted { .. } => (0..CLASSES as u8).collect(),
            Protocol::Split => vec![2 * t as u8, 2 * t as u8 + 1],
        }
    }
}

/// What protects old tasks.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Method {
    /// Nothing: plain sequential training (the paper's baseline).
    Plain,
    /// Hebbian-learning-based orthogonal projection.
    Hlop,
    /// Elastic weight consolidation with strength `lambda`.
    Ewc {
        /// The pull toward the anchored weights (per unit of importance).
        lambda: f64,
    },
}

impl Method {
    /// Its name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Method::Plain => "plain",
            Method::Hlop => "hlop",
            Method::Ewc { .. } => "ewc",
        }
    }
}

/// The settings of a continual-learning run.
#[derive(Clone, Debug, PartialEq)]
pub struct ContinualConfig {
    /// How the tasks are made.
    pub protocol: Protocol,
    /// What protects old tasks.
    pub method: Method,
    /// Training images per task (the first ones of the task's classes in the training set,
    /// presented in a seeded random order each epoch).
    pub train_per_task: usize,
    /// Passes over a task's training images.
    pub epochs: usize,
    /// Test images per task (the first ones of the task's classes in the test set).
    pub test_per_task: usize,
    /// Presentation (ms); each starts from rest.
    pub presentation: f64,
    /// Time step (ms).
    pub dt: f64,
    /// Rate of a white pixel (Hz).
    pub max_rate: f64,
    /// Poisson spike trains (`false`: regular ones with a random phase, the counts without
    /// their Poisson noise).
    pub poisson: bool,
    /// Delta rule: learning rate (mV per spike of error per unit of trace integral).
    pub eta: f64,
    /// Delta rule: the rate decays within a task as `eta / (1 + k / eta_decay)` after `k` of
    /// its presentations (0: constant).
    pub eta_decay: f64,
    /// Delta rule: presynaptic trace time constant (ms).
    pub tau: f64,
    /// Spikes the label's neuron is taught toward in a presentation.
    pub desired: f64,
    /// HLOP: lateral neurons added per task (the rank of each task's protected subspace).
    pub lateral_per_task: usize,
    /// HLOP: Oja's learning rate per presentation, as a share of `1 / E‖x‖²` of the first
    /// task's spike counts, estimated as for Poisson counts (`m² + m` per pixel of mean count
    /// `m`, an overestimate for regular trains); stable below 1.
    pub oja_rate: f64,
    /// Seed of the network, the inputs and the orders.
    pub seed: u64,
}

impl ContinualConfig {
    /// The defaults for `protocol` and `method`: 5,000 training and 1,000 test images per task,
    /// one epoch, 50 ms presentations at dt 1 ms, regular spike trains of 100 Hz for white, η
    /// 0.004 mV decaying with `eta_decay` 500 presentations, τ 5 ms, 10 desired spikes, 40 lateral
    /// neurons per task (10 for split), Oja rate 0.3, seed 1.
    pub fn new(protocol: Protocol, method: Method) -> ContinualConfig {
        ContinualConfig {
            protocol,
            method,
            train_per_task: 5000,
            epochs: 1,
            test_per_task: 1000,
            presentation: 50.0,
            dt: 1.0,
            max_rate: 100.0,
            poisson: false,
            eta: 0.004,
            eta_decay: 500.0,
            tau: 5.0,
            desired: 10.0,
            lateral_per_task: match protocol {
                Protocol::Permuted { .. } => 40,
                Protocol::Split => 10,
            },
            oja_rate: 0.3,
            seed: 1,
        }
    }

    fn check(&self, pixels: usize) -> Result<(), LearnError> {
        let tasks = self.protocol.tasks();
        if tasks == 0 || tasks > MAX_TASKS {
            return Err(invalid(format!(
                "the number of tasks must be 1 to {MAX_TASKS} (got {tasks})"
            )));
        }
        if self.train_per_task == 0 || self.test_per_task == 0 || self.epochs == 0 {
            return Err(invalid(
                "train_per_task, test_per_task and epochs must be at least 1",
            ));
        }
        for (name, v) in [
            ("presentation", self.presentation),
            ("dt", self.dt),
            ("eta", self.eta),
            ("tau", self.tau),
            ("desired", self.desired),
            ("oja_rate", self.oja_rate),
        ] {
            crate::positive(name, v)?;
        }
        crate::non_negative("max_rate", self.max_rate)?;
        crate::steps_within_bound("presentation", self.presentation, self.dt)?;
        let steps = self.presentation / self.dt;
        if steps < 1.0 || (steps - steps.round()).abs() > 1e-9 * steps {
            return Err(invalid(format!(
                "presentation ({} ms) must be a whole number (at least 1) of steps of dt = {} ms",
                self.presentation, self.dt
            )));
        }
        crate::non_negative("eta_decay", self.eta_decay)?;
        if let Method::Ewc { lambda } = self.method {
            crate::non_negative("lambda", lambda)?;
        }
        if self.method == Method::Hlop {
            let rows = self.lateral_per_task.saturating_mul(tasks);
            if self.lateral_per_task == 0 || rows > pixels {
                return Err(invalid(format!(
                    "HLOP needs 1 to {} lateral neurons per task for {tasks} tasks of {pixels} \
                     inputs (got {}): the protected subspaces must fit in the input space",
                    pixels / tasks,
                    self.lateral_per_task
                )));
            }
        }
        Ok(())
    }
}

/// The scores of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct ContinualResult {
    /// `accuracy[t][k]`: test accuracy on task `k` after learning task `t` (every task, learned
    /// or not).
    pub accuracy: Vec<Vec<f64>>,
    /// Mean accuracy over all tasks after the last.
    pub acc: f64,
    /// Backward transfer: mean over the tasks before the last of the final accuracy minus the
    /// accuracy just after the task was learned (negative: forgetting).
    pub bwt: f64,
    /// HLOP: the rows of the protected subspace after each task (empty otherwise).
    pub protected_rows: Vec<usize>,
    /// Presentations run (training and testing).
    pub presentations: u64,
}

/// Accuracy matrix → (ACC, BWT).
pub fn scores(accuracy: &[Vec<f64>]) -> (f64, f64) {
    let t = accuracy.len();
    if t == 0 {
        return (f64::NAN, f64::NAN);
    }
    let last = &accuracy[t - 1];
    let acc = last.iter().sum::<f64>() / last.len() as f64;
    let bwt = if t > 1 {
        (0..t - 1).map(|k| last[k] - accuracy[k][k]).sum::<f64>() / (t - 1) as f64
    } else {
        0.0
    };
    (acc, bwt)
}

/// The network of a run: input, outputs, and for HLOP the lateral circuit.
struct Learner {
    sim: Simulation,
    input: PopulationId,
    delta: ProjectionId,
    oja: Option<ProjectionId>,
    steps: usize,
    senders: Vec<u32>,
    spike_steps: Vec<u64>,
    permuted: Vec<u8>,
}

impl Learner {
    fn new(c: &ContinualConfig, pixels: usize, oja_eta: f64) -> Result<Learner, LearnError> {
        Self::describe(c, pixels, oja_eta).map_err(|e| {
            invalid(format!(
                "the settings do not make a network the engine takes: {e}"
            ))
        })
    }

    fn describe(
        c: &ContinualConfig,
        pixels: usize,
        oja_eta: f64,
    ) -> Result<Learner, cajal_core::BuildError> {
        let mut net = Network::new(c.dt, c.seed)?;
        let input =
            net.add_population(Population::new("input", ModelKind::SpikeGenerator, pixels))?;
        let output = net.add_population(
            Population::new("output", ModelKind::IafPscDelta, CLASSES)
                .param("tau_m", 20.0)
                .param("t_ref", 2.0),
        )?;
        let delta = net.connect(
            Projection::new(input, output, Rule::AllToAll)
                .name("input->output")
                .weight(0.0)
                .delay(c.dt)
                .delta(DeltaDef {
                    eta: c.eta,
                    tau: c.tau,
                }),
        )?;
        let oja = if c.method == Method::Hlop {
            let rows = c.lateral_per_task * c.protocol.tasks();
            // the lateral neurons only carry the subspace: a threshold they never reach
            let lateral = net.add_population(
                Population::new("lateral", ModelKind::IafPscDelta, rows).param("V_th", 1e12),
            )?;
            Some(
                net.connect(
                    Projection::new(input, lateral, Rule::AllToAll)
                        .name("input->lateral")
                        .weight(Dist::Const(0.0))
                        .delay(c.dt)
                        .oja(OjaDef {
                            eta: oja_eta,
                            every: c.presentation,
                        }),
                )?,
            )
        } else {
            None
        };
        let sim = net.build(1)?;
        Ok(Learner {
            sim,
            input,
            delta,
            oja,
            steps: (c.presentation / c.dt).round() as usize,
            senders: Vec::new(),
            spike_steps: Vec::new(),
            permuted: vec![0; pixels],
        })
    }

    /// Runs one presentation of `image` with its pixels in the order `perm` (input `j` shows
    /// pixel `perm[j]`); returns the outputs' counts and drives.
    fn present(
        &mut self,
        c: &ContinualConfig,
        image: &[u8],
        perm: &[u32],
        rng: &mut impl Rng,
    ) -> Result<cajal_core::DeltaAnswer, LearnError> {
        for (p, &src) in self.permuted.iter_mut().zip(perm) {
            *p = image[src as usize];
        }
        let raster = if c.poisson {
            poisson_rate(&self.permuted, c.max_rate, c.dt, self.steps, rng)
        } else {
            regular_rate(&self.permuted, c.max_rate, c.dt, self.steps, rng)
        };
        self.sim.reset_activity();
        let now = self.sim.steps_done();
        raster.steps_from(now, &mut self.senders, &mut self.spike_steps);
        self.sim
            .add_spike_steps(self.input, &self.senders, &self.spike_steps)
            .map_err(|e| invalid(format!("the image does not fit the input: {e}")))?;
        self.sim.run(c.presentation, |_, _| {}).map_err(|e| {
            invalid(format!(
                "the network's state left the finite numbers ({e}): make eta smaller"
            ))
        })?;
        self.sim
            .delta_answer(self.delta)
            .map_err(|e| invalid(e.to_string()))
    }
}

/// The answer among `classes`: most spikes, ties broken by the drive.
fn answer(a: &cajal_core::DeltaAnswer, classes: &[u8]) -> u8 {
    let key = |c: u8| (a.counts[c as usize], a.drive[c as usize]);
    let mut best = classes[0];
    for &c in &classes[1..] {
        let (n, d) = key(c);
        let (bn, bd) = key(best);
        if n > bn || (n == bn && d > bd) {
            best = c;
        }
    }
    best
}

/// The indices of the first `n` images of `classes` in `set`.
fn pick(set: &ImageSet, classes: &[u8], n: usize) -> Vec<usize> {
    (0..set.count())
        .filter(|&i| classes.contains(&set.labels[i]))
        .take(n)
        .collect()
}

/// Runs the tasks of `c` in sequence on `train` and `test` (images of the same size), reporting
/// each finished task to `progress` (task, its row of accuracies).
pub fn run(
    c: &ContinualConfig,
    train: &ImageSet,
    test: &ImageSet,
    mut progress: impl FnMut(usize, &[f64]),
) -> Result<ContinualResult, LearnError> {
    let pixels = train.rows * train.cols;
    if pixels == 0 || test.rows * test.cols != pixels {
        return Err(invalid(format!(
            "the training images ({}x{}) and test images ({}x{}) must be of one non-empty size",
            train.rows, train.cols, test.rows, test.cols
        )));
    }
    c.check(pixels)?;
    let tasks = c.protocol.tasks();
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(c.seed ^ 0x5eed_c0a7);
    // task 0 in the dataset's order, the others permuted (permuted protocol)
    let perms: Vec<Vec<u32>> = (0..tasks)
        .map(|t| {
            let mut p: Vec<u32> = (0..pixels as u32).collect();
            if t > 0 && matches!(c.protocol, Protocol::Permuted { .. }) {
                p.shuffle(&mut rng);
            }
            p
        })
        .collect();
    let sets: Vec<(Vec<usize>, Vec<usize>)> = (0..tasks)
        .map(|t| {
            let cl = c.protocol.classes(t);
            (
                pick(train, &cl, c.train_per_task),
                pick(test, &cl, c.test_per_task),
            )
        })
        .collect();
    if let Some(t) = sets.iter().position(|(a, b)| a.is_empty() || b.is_empty()) {
        return Err(invalid(format!(
            "task {t} (classes {:?}) has no training or no test image in the dataset",
            c.protocol.classes(t)
        )));
    }
    // Oja's rate from the first task's mean squared count
    let oja_eta = if c.method == Method::Hlop {
        let scale = c.max_rate * c.presentation / 1000.0 / 255.0;
        let n = sets[0].0.len().min(200);
        let mean_sq = sets[0].0[..n]
            .iter()
            .map(|&i| {
                train
                    .image(i)
                    .iter()
                    .map(|&p| {
                        // E[count²] of a Poisson count of mean m: m² + m
                        let m = p as f64 * scale;
                        m * m + m
                    })
                    .sum::<f64>()
            })
            .sum::<f64>()
            / n as f64;
        c.oja_rate / mean_sq.max(1e-12)
    } else {
        1.0
    };
    let mut net = Learner::new(c, pixels, oja_eta)?;
    // checked for HLOP (at most the pixels); not used otherwise
    let lateral_rows = c.lateral_per_task.saturating_mul(tasks);
    let mut accuracy = Vec::with_capacity(tasks);
    let mut protected_rows = Vec::new();
    let mut presentations = 0u64;
    for t in 0..tasks {
        let classes = c.protocol.classes(t);
        if let Some(oja) = net.oja {
            // the task's new lateral rows: random directions of length 1
            let (from, to) = (t * c.lateral_per_task, (t + 1) * c.lateral_per_task);
            let mut w = net
                .sim
                .weights(oja)
                .map_err(|e| invalid(e.to_string()))?
                .expect("a learning projection")
                .weights;
            // weights are listed by source, then target: w[j * rows + i]
            let scale = 1.0 / (pixels as f64).sqrt();
            for j in 0..pixels {
                for i in from..to {
                    let g: f64 = StandardNormal.sample(&mut rng);
                    w[j * lateral_rows + i] = g * scale;
                }
            }
            net.sim
                .set_weights(oja, &w)
                .map_err(|e| invalid(e.to_string()))?;
        }
        net.sim.set_learning(true);
        let mut order = sets[t].0.clone();
        let mut taught = 0usize;
        for _ in 0..c.epochs {
            order.shuffle(&mut rng);
            for &i in &order {
                if c.eta_decay > 0.0 {
                    let eta = c.eta / (1.0 + taught as f64 / c.eta_decay);
                    net.sim
                        .delta_set_eta(net.delta, eta)
                        .map_err(|e| invalid(e.to_string()))?;
                }
                taught += 1;
                net.present(c, train.image(i), &perms[t], &mut rng)?;
                let label = train.labels[i];
                let desired: Vec<Option<f64>> = (0..CLASSES as u8)
                    .map(|k| {
                        if !classes.contains(&k) {
                            None
                        } else if k == label {
                            Some(c.desired)
                        } else {
                            Some(0.0)
                        }
                    })
                    .collect();
                net.sim
                    .delta_teach(net.delta, &desired)
                    .map_err(|e| invalid(e.to_string()))?;
                presentations += 1;
            }
        }
        match c.method {
            Method::Hlop => {
                let oja = net.oja.expect("built for HLOP");
                let rows = (t + 1) * c.lateral_per_task;
                net.sim
                    .oja_fix_rows(oja, rows)
                    .map_err(|e| invalid(e.to_string()))?;
                let protected = net
                    .sim
                    .delta_protect(net.delta, oja)
                    .map_err(|e| invalid(e.to_string()))?;
                protected_rows.push(protected);
            }
            Method::Ewc { lambda } => {
                net.sim
                    .delta_consolidate(net.delta, lambda)
                    .map_err(|e| invalid(e.to_string()))?;
            }
            Method::Plain => {}
        }
        // test every task
        net.sim.set_learning(false);
        let mut row = Vec::with_capacity(tasks);
        for (k, (_, tests)) in sets.iter().enumerate() {
            let classes = c.protocol.classes(k);
            let mut right = 0usize;
            for &i in tests {
                let a = net.present(c, test.image(i), &perms[k], &mut rng)?;
                right += usize::from(answer(&a, &classes) == test.labels[i]);
                presentations += 1;
            }
            row.push(right as f64 / tests.len() as f64);
        }
        progress(t, &row);
        accuracy.push(row);
    }
    let (acc, bwt) = scores(&accuracy);
    Ok(ContinualResult {
        accuracy,
        acc,
        bwt,
        protected_rows,
        presentations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acc_and_bwt_follow_their_definitions() {
        let r = vec![
            vec![0.9, 0.1, 0.1],
            vec![0.7, 0.8, 0.1],
            vec![0.6, 0.7, 0.9],
        ];
        let (acc, bwt) = scores(&r);
        assert!((acc - (0.6 + 0.7 + 0.9) / 3.0).abs() < 1e-12);
        assert!((bwt - ((0.6 - 0.9) + (0.7 - 0.8)) / 2.0).abs() < 1e-12);
    }

    #[test]
    fn ties_are_broken_by_the_drive_among_the_task_classes() {
        let a = cajal_core::DeltaAnswer {
            counts: vec![3, 3, 5, 0, 0, 0, 0, 0, 0, 0],
            drive: vec![1.0, 2.0, 9.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        };
        assert_eq!(answer(&a, &[0, 1, 2]), 2);
        assert_eq!(answer(&a, &[0, 1]), 1);
    }
}
