//! Training and testing a Diehl & Cook network on a dataset: sequential STDP training with a
//! running accuracy, checkpoints and resumption, then a frozen labelling pass and a frozen test
//! pass (both in parallel over images; every image's Poisson spikes come from a stream derived
//! from the seed, the pass and the image's index, so the results do not depend on the number of
//! threads, and a resumed training is identical to an uninterrupted one).

use crate::diehl_cook::{DiehlCookConfig, DiehlCookState};
use crate::error::LearnError;
use crate::evaluate::{assign_labels, classify};
use crate::on_engine::EngineNetwork;
use crate::supervised::{predict, OutputLayer, OutputParams, CLASSES};
use cajal_core::rng::{stream, Purpose};
use cajal_data::idx::ImageSet;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Which pass an image is presented in (part of its random stream).
#[derive(Clone, Copy, Debug)]
pub enum Pass {
    /// Learning.
    Train = 0,
    /// Frozen, to assign labels to neurons.
    Label = 1,
    /// Frozen, on the test set.
    Test = 2,
    /// Learning in the liquid (NALSM).
    Liquid = 3,
}

/// A training run in progress: everything needed to continue it (what a checkpoint holds).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainRun {
    /// The network's parameters.
    pub config: DiehlCookConfig,
    /// Seed of the initial weights and of every image's spikes.
    pub seed: u64,
    /// Training presentations finished (image `i` of the run is dataset image `i % count`).
    pub images_done: usize,
    /// Weights and thresholds (a copy of the engine's, kept with each checkpoint; before the
    /// first training, the initial weights, which the engine scales at its first step).
    pub state: DiehlCookState,
    /// Images per window of the running accuracy.
    pub window: usize,
    /// Responses and labels of the current window.
    pub window_responses: Vec<(Vec<u32>, u8)>,
    /// Labels of the neurons from the previous window.
    pub window_assignments: Vec<Option<u8>>,
    /// Right predictions in the current window, and predictions made.
    pub window_score: (usize, usize),
    /// Accuracy over the last complete window (predicted with the labels of the one before).
    pub running_accuracy: Option<f64>,
    /// Seconds spent training so far (over all sessions).
    pub train_seconds: f64,
    /// The label-clamped output layer of symmetric-STDP supervised learning, if any.
    pub output: Option<OutputLayer>,
    /// The engine's checkpoint of the network (weights, thresholds and everything else), once
    /// trained; `state` (and `output`) then hold a copy of its weights and thresholds.
    // one CBOR byte string, not an array of numbers
    #[serde(default, with = "serde_bytes")]
    pub engine: Option<Vec<u8>>,
}

impl TrainRun {
    /// A new run: random initial weights (scaled by the engine at its first step).
    pub fn new(config: DiehlCookConfig, inputs: usize, seed: u64, window: usize) -> TrainRun {
        let state = DiehlCookState::new(&config, inputs, seed);
        TrainRun {
            config,
            seed,
            images_done: 0,
            state,
            window: window.max(1),
            window_responses: Vec::new(),
            window_assignments: Vec::new(),
            window_score: (0, 0),
            running_accuracy: None,
            train_seconds: 0.0,
            output: None,
            engine: None,
        }
    }

    /// The engine's network in this run's state: restored from the run's engine checkpoint, or
    /// given the state's weights and thresholds before the first training.
    pub fn engine_network(&self) -> Result<EngineNetwork, LearnError> {
        let (c, inputs, seed) = (&self.config, self.state.inputs, self.seed);
        let mut net = match &self.output {
            Some(out) => EngineNetwork::supervised(c, &out.params, inputs, seed),
            None => EngineNetwork::with_synapses(c, inputs, seed, c.synapses),
        }?;
        let fail = |m: String| LearnError::EngineState(m);
        match &self.engine {
            Some(bytes) => {
                let ck = cajal_core::Checkpoint::from_bytes(bytes, Path::new("the engine's state"))
                    .map_err(|e| fail(e.to_string()))?;
                net.sim.restore(ck).map_err(|e| fail(e.to_string()))?;
            }
            // a run not yet trained on the engine (new, or a checkpoint of the loops it
            // replaced): its weights and thresholds
            None => {
                net.load_state(&self.state.weights, &self.state.theta)
                    .map_err(fail)?;
                if let Some(out) = &self.output {
                    net.load_output_weights(&out.weights).map_err(fail)?;
                }
            }
        }
        Ok(net)
    }

    /// Keeps the engine's network's state in the run (its checkpoint, and its weights and
    /// thresholds in `state` and `output`).
    fn keep(&mut self, net: &EngineNetwork) {
        self.engine = Some(net.sim.checkpoint_bytes(&[]));
        net.store_state(&mut self.state);
        if let (Some(out), Some(w)) = (&mut self.output, net.output_weights()) {
            out.weights = w.iter().map(|&x| x as f32).collect();
        }
    }

    /// Reads a checkpoint and checks that it continues the run asked for: fails as
    /// [`checkpoint::load`](crate::checkpoint::load) does, or with
    /// [`LearnError::OtherParameters`] or [`LearnError::OtherSeed`].
    pub fn resume(
        path: &Path,
        config: &DiehlCookConfig,
        output: Option<&OutputParams>,
        seed: u64,
    ) -> Result<TrainRun, LearnError> {
        let run: TrainRun = crate::checkpoint::load(path)?;
        if &run.config != config || run.output.as_ref().map(|o| &o.params) != output {
            return Err(LearnError::OtherParameters {
                path: path.to_path_buf(),
            });
        }
        if run.seed != seed {
            return Err(LearnError::OtherSeed {
                path: path.to_path_buf(),
                written: run.seed,
                asked: seed,
            });
        }
        Ok(run)
    }

    /// Trains until `total` presentations are done (continuing from `images_done`), writing a
    /// checkpoint to `checkpoint` every `every` images and at the end, calling `progress` after
    /// each image. Stops early, with a checkpoint, when `stop` is set; returns whether all
    /// `total` images are done. Fails only when a checkpoint cannot be written.
    pub fn train(
        &mut self,
        images: &ImageSet,
        total: usize,
        checkpoint: Option<(&Path, usize)>,
        stop: &AtomicBool,
        mut progress: impl FnMut(&TrainRun),
    ) -> Result<bool, LearnError> {
        let started = std::time::Instant::now();
        let base_seconds = self.train_seconds;
        let classes = CLASSES;
        let mut net = self.engine_network()?;
        while self.images_done < total {
            if stop.load(Ordering::Relaxed) {
                break;
            }
            let i = self.images_done % images.count();
            let mut rng = stream(
                self.seed,
                Purpose::Encode,
                Pass::Train as u64,
                self.images_done as u64,
            );
            let label = images.labels[i];
            let counts = if self.output.is_some() {
                net.present_supervised(&self.config, images.image(i), label, &mut rng)?
                    .hidden
            } else {
                net.present(&self.config, images.image(i), &mut rng)?
            };
            if !self.window_assignments.is_empty() {
                let p = classify(&counts, &self.window_assignments, classes);
                self.window_score.0 += usize::from(p == Some(label));
                self.window_score.1 += 1;
            }
            self.window_responses.push((counts, label));
            self.images_done += 1;
            if self.window_responses.len() >= self.window {
                let (resp, labels): (Vec<Vec<u32>>, Vec<u8>) =
                    std::mem::take(&mut self.window_responses)
                        .into_iter()
                        .unzip();
                self.window_assignments = assign_labels(&resp, &labels, classes);
                if self.window_score.1 > 0 {
                    self.running_accuracy =
                        Some(self.window_score.0 as f64 / self.window_score.1 as f64);
                }
                self.window_score = (0, 0);
            }
            self.train_seconds = base_seconds + started.elapsed().as_secs_f64();
            if let Some((path, every)) = checkpoint {
                if every > 0 && self.images_done.is_multiple_of(every) && self.images_done < total {
                    self.keep(&net);
                    crate::checkpoint::save(path, self)?;
                }
            }
            progress(self);
        }
        self.keep(&net);
        if let Some((path, _)) = checkpoint {
            crate::checkpoint::save(path, self)?;
        }
        Ok(self.images_done >= total)
    }

    /// One frozen engine network per worker of the current pool: an image's answer depends
    /// only on the weights, the thresholds and its own spikes.
    fn frozen_networks(&self) -> Result<crate::PerWorker<EngineNetwork>, LearnError> {
        crate::PerWorker::build(|| {
            self.engine_network().map(|mut net| {
                net.set_learning(false);
                net
            })
        })
    }

    /// Responses (spike counts per neuron) of the frozen network to `images`, in parallel;
    /// `done` counts finished images (for a progress display).
    pub fn responses(
        &self,
        images: &ImageSet,
        pass: Pass,
        done: &AtomicUsize,
    ) -> Result<Vec<Vec<u32>>, LearnError> {
        let nets = self.frozen_networks()?;
        (0..images.count())
            .into_par_iter()
            .map(|i| {
                let mut rng = stream(self.seed, Purpose::Encode, pass as u64, i as u64);
                let r = nets.with(|net| net.present(&self.config, images.image(i), &mut rng));
                done.fetch_add(1, Ordering::Relaxed);
                r
            })
            .collect()
    }

    /// The frozen network's hidden responses and the classes its output layer predicts
    /// (symmetric-STDP supervised learning) for `images`, in one parallel pass; `None` for a
    /// run without an output layer.
    #[allow(clippy::type_complexity)]
    pub fn outputs(
        &self,
        images: &ImageSet,
        pass: Pass,
        done: &AtomicUsize,
    ) -> Result<Option<(Vec<Vec<u32>>, Vec<Option<u8>>)>, LearnError> {
        if self.output.is_none() {
            return Ok(None);
        }
        let nets = self.frozen_networks()?;
        let answers = (0..images.count())
            .into_par_iter()
            .map(|i| {
                let mut rng = stream(self.seed, Purpose::Encode, pass as u64, i as u64);
                let a = nets
                    .with(|net| net.present_supervised(&self.config, images.image(i), 0, &mut rng));
                done.fetch_add(1, Ordering::Relaxed);
                a.map(|a| {
                    let p = predict(&a.output, &a.received);
                    (a.hidden, p)
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(answers.into_iter().unzip()))
    }
}
