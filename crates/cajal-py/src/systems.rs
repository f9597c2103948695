//! The systems from the literature that `cajal-learn` builds on the engine, from Python: the CA3
//! content-addressable memory, heterogeneous-delay motion detection, spatial-pattern detection
//! and active dendrites (docs/ca3.md, docs/motion.md, docs/spatial.md, docs/dendrites.md). The
//! GIL is released while the engine runs.

use cajal_core::ZeroLag;
use cajal_learn::ca3::{Memory, Operation};
use cajal_learn::dendrites::{Outcome, Setting};
use cajal_learn::motion::{self, DelayLayer, MovieSpec, Training};
use numpy::{IntoPyArray, PyArray2};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use rand::SeedableRng;
use std::sync::Mutex;

fn value_error(call: &str, e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(format!("{call}: {e}"))
}

fn zero_lag_of(name: &str, call: &str) -> PyResult<ZeroLag> {
    match name {
        "depress" => Ok(ZeroLag::Depress),
        "unpaired" => Ok(ZeroLag::Unpaired),
        other => Err(value_error(
            call,
            format!(
                "zero_lag must be \"depress\" (SpiNNaker's convention) or \"unpaired\" (NEST's), \
                 not {other:?}"
            ),
        )),
    }
}

/// sPyMem's CA3 memory on the engine (see the Python class `cajal.systems.CA3Memory`).
#[pyclass(module = "cajal._cajal")]
pub struct NativeCa3 {
    memory: Mutex<Memory>,
    cues: usize,
    contents: usize,
}

impl NativeCa3 {
    fn with<R>(&self, f: impl FnOnce(&mut Memory) -> R) -> PyResult<R> {
        let mut m = match self.memory.try_lock() {
            Ok(m) => m,
            Err(std::sync::TryLockError::WouldBlock) => {
                return Err(PyRuntimeError::new_err(
                    "this memory is running in another thread; wait for its run() to return",
                ))
            }
            Err(std::sync::TryLockError::Poisoned(_)) => {
                return Err(PyRuntimeError::new_err(
                    "an earlier call failed inside the engine and left this memory unusable; \
                     make a new CA3Memory",
                ))
            }
        };
        Ok(f(&mut m))
    }

    fn step(at: i64, call: &str) -> PyResult<u64> {
        u64::try_from(at).map_err(|_| value_error(call, format!("at must be >= 0 (got {at})")))
    }
}

#[pymethods]
impl NativeCa3 {
    #[new]
    fn new(cues: usize, contents: usize, zero_lag: &str) -> PyResult<Self> {
        let call = "CA3Memory()";
        let memory = Memory::with_zero_lag(cues, contents, zero_lag_of(zero_lag, call)?)
            .map_err(|e| value_error(call, e))?;
        Ok(NativeCa3 {
            memory: Mutex::new(memory),
            cues,
            contents,
        })
    }

    /// Schedules a learn of `content` (bit indices) under `cue` at step `at`.
    fn learn(&self, cue: usize, content: Vec<usize>, at: i64) -> PyResult<()> {
        let op = Operation::Learn { cue, content };
        let at = Self::step(at, "learn()")?;
        self.with(|m| m.schedule(&op, at))?
            .map_err(|e| value_error("learn()", e))
    }

    /// Schedules a recall by `cue` at step `at`.
    fn recall_by_cue(&self, cue: usize, at: i64) -> PyResult<()> {
        let at = Self::step(at, "recall_by_cue()")?;
        self.with(|m| m.schedule(&Operation::RecallByCue(cue), at))?
            .map_err(|e| value_error("recall_by_cue()", e))
    }

    /// Schedules a recall by content `bits` at step `at`.
    fn recall_by_content(&self, bits: Vec<usize>, at: i64) -> PyResult<()> {
        let at = Self::step(at, "recall_by_content()")?;
        self.with(|m| m.schedule(&Operation::RecallByContent(bits), at))?
            .map_err(|e| value_error("recall_by_content()", e))
    }

    /// Runs `ms` milliseconds (whole ms, at most 10^7 per call).
    fn run(&self, py: Python<'_>, ms: f64) -> PyResult<()> {
        let steps = cajal_core::duration_steps(ms, 1.0).map_err(|e| value_error("run()", e))?;
        if steps > 10_000_000 {
            return Err(value_error(
                "run()",
                format!("at most 10^7 ms per call (got {ms}); run in pieces"),
            ));
        }
        py.detach(|| self.with(|m| m.run(ms)))?
            .map_err(|e| value_error("run()", e))
    }

    /// The output's spikes so far as (step, output neuron): cues first, then content bits.
    fn output(&self) -> PyResult<Vec<(u64, u32)>> {
        self.with(|m| m.output_spikes())?
            .map_err(|e| value_error("output()", e))
    }

    /// (cues, content bits).
    fn shape(&self) -> (usize, usize) {
        (self.cues, self.contents)
    }
}

/// Heterogeneous-delay motion detection: movies, training, then every `keep` fraction of the
/// trained layer on the engine. Returns a dict (see `cajal.systems.motion_detection`).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn motion_detection<'py>(
    py: Python<'py>,
    size: usize,
    steps: usize,
    directions: usize,
    speeds: Vec<f64>,
    train_movies: usize,
    test_movies: usize,
    epochs: usize,
    delays: usize,
    radius: usize,
    stride: usize,
    learning_rate: f64,
    keep: Vec<f64>,
    seed: u64,
    score_from: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let call = "motion_detection()";
    let spec = MovieSpec {
        size,
        steps,
        directions,
        speeds,
        threshold: 1.5,
        ..MovieSpec::default()
    };
    if train_movies == 0 || test_movies == 0 {
        return Err(value_error(
            call,
            "train_movies and test_movies must be at least 1",
        ));
    }
    spec.check().map_err(|e| value_error(call, e))?;
    let layer =
        DelayLayer::new(radius, delays, spec.motions()).map_err(|e| value_error(call, e))?;
    let positions = layer.positions(size, stride).len();
    if positions == 0 {
        return Err(value_error(
            call,
            format!(
                "no output position: the window ({size} pixels) must be wider than the disc \
                 (radius {radius}) and stride at least 1"
            ),
        ));
    }
    // what the run holds at once: the training movies as volumes (a byte per pixel, polarity
    // and step) and the engine's synapses with their explicit list (about 33 bytes each:
    // every weight at every position)
    let volumes = (train_movies * steps * 2 * size * size) as f64;
    let synapses = (positions * layer.weights.len()) as f64;
    let bytes = volumes + 33.0 * synapses;
    if bytes > 16e9 {
        return Err(value_error(
            call,
            format!(
                "about {:.1} GB needed ({train_movies} training movies of {steps} steps of \
                 {size}² pixels, {synapses:.3e} synapses on the engine); at most 16 GB: fewer \
                 or shorter movies, a smaller window, fewer delays or motions, or a larger stride",
                bytes / 1e9
            ),
        ));
    }
    type Run = (DelayLayer, Vec<f64>, Vec<(f64, f64, f64, u64)>, f64);
    let run = py.detach(|| -> Result<Run, cajal_learn::LearnError> {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(seed);
        let train = motion::movies(&spec, train_movies, &mut rng)?;
        let test = motion::movies(&spec, test_movies, &mut rng)?;
        let density = test.iter().map(motion::Movie::density).sum::<f64>() / test.len() as f64;
        let mut layer = layer;
        let training = Training {
            epochs,
            learning_rate,
            stride: 1,
            seed,
        };
        let losses = layer.train(&train, &training, |_, _| {})?;
        let mut rows = Vec::new();
        for &k in &keep {
            let pruned = layer.pruned(k)?;
            let from = score_from.max(delays);
            let r = motion::score_on_engine(&pruned, &spec, &test, stride, from)?;
            rows.push((k, r.motion, r.direction, r.synapses));
        }
        Ok((layer, losses, rows, density))
    });
    let (layer, losses, rows, density) = run.map_err(|e| value_error(call, e))?;
    let d = PyDict::new(py);
    d.set_item("motions", spec.motions())?;
    d.set_item("density", density)?;
    d.set_item("losses", losses)?;
    d.set_item("keep", rows.iter().map(|r| r.0).collect::<Vec<_>>())?;
    d.set_item(
        "motion_accuracy",
        rows.iter().map(|r| r.1).collect::<Vec<_>>(),
    )?;
    d.set_item(
        "direction_accuracy",
        rows.iter().map(|r| r.2).collect::<Vec<_>>(),
    )?;
    d.set_item("synapses", rows.iter().map(|r| r.3).collect::<Vec<_>>())?;
    // the kernel as (inputs, classes), inputs ordered (delay, polarity, offset)
    let kernel = numpy::ndarray::Array2::from_shape_vec(
        (layer.inputs(), layer.classes),
        layer.weights.clone(),
    )
    .map_err(|e| value_error(call, e))?;
    let kernel: Bound<'py, PyArray2<f64>> = kernel.into_pyarray(py);
    d.set_item("kernel", kernel)?;
    d.set_item("bias", layer.bias.clone())?;
    d.set_item(
        "offsets",
        layer
            .offsets
            .iter()
            .map(|&(x, y)| (x, y))
            .collect::<Vec<_>>(),
    )?;
    Ok(d)
}

/// Spatial-pattern detection: a detector trained on `words` (of `bits` bits), shown every word.
#[pyfunction]
pub fn spatial_detection<'py>(
    py: Python<'py>,
    words: Vec<u32>,
    bits: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let det = py
        .detach(|| cajal_learn::spatial::evaluate(&words, bits))
        .map_err(|e| value_error("spatial_detection()", e))?;
    let d = PyDict::new(py);
    d.set_item("factor", det.factor)?;
    d.set_item("positives", det.positives)?;
    d.set_item("negatives", det.negatives)?;
    d.set_item("true_positives", det.true_positives)?;
    d.set_item("true_negatives", det.true_negatives)?;
    d.set_item("false_positives", det.false_positives)?;
    d.set_item("false_negatives", det.false_negatives)?;
    d.set_item("accuracy", det.accuracy())?;
    d.set_item("precision", det.precision())?;
    d.set_item("sensitivity", det.sensitivity())?;
    d.set_item("specificity", det.specificity())?;
    Ok(d)
}

fn outcome<'py>(py: Python<'py>, o: &Outcome) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("trials", o.trials)?;
    d.set_item("matches", o.matches)?;
    d.set_item("rate", o.rate())?;
    d.set_item("theory", o.theory())?;
    d.set_item("expected", o.expected)?;
    d.set_item("sd", o.sd)?;
    d.set_item("within_99", o.within_99())?;
    Ok(d)
}

/// Continual learning of permuted or split Fashion-MNIST (or MNIST) by the engine's delta-rule
/// output layer, with HLOP, elastic weight consolidation or nothing. Returns a dict (see
/// `cajal.systems.continual_learning`).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn continual_learning<'py>(
    py: Python<'py>,
    protocol: &str,
    tasks: usize,
    method: &str,
    ewc_lambda: f64,
    train_per_task: usize,
    test_per_task: usize,
    lateral_per_task: Option<usize>,
    poisson: bool,
    seed: u64,
    dataset: &str,
    folder: Option<std::path::PathBuf>,
) -> PyResult<Bound<'py, PyDict>> {
    use cajal_data::idx::{load, DatasetName, Split};
    use cajal_learn::continual::{run, ContinualConfig, Method, Protocol};
    let call = "continual_learning()";
    let protocol = match protocol {
        "permuted" => Protocol::Permuted { tasks },
        "split" => Protocol::Split,
        other => {
            return Err(value_error(
                call,
                format!("protocol is \"permuted\" or \"split\", not {other:?}"),
            ))
        }
    };
    let method = match method {
        "plain" => Method::Plain,
        "hlop" => Method::Hlop,
        "ewc" => Method::Ewc { lambda: ewc_lambda },
        other => {
            return Err(value_error(
                call,
                format!("method is \"plain\", \"hlop\" or \"ewc\", not {other:?}"),
            ))
        }
    };
    let data = DatasetName::from_name(dataset).ok_or_else(|| {
        value_error(
            call,
            format!("dataset is \"fashion-mnist\" or \"mnist\", not {dataset:?}"),
        )
    })?;
    let mut c = ContinualConfig::new(protocol, method);
    c.train_per_task = train_per_task;
    c.test_per_task = test_per_task;
    c.poisson = poisson;
    c.seed = seed;
    if let Some(k) = lateral_per_task {
        c.lateral_per_task = k;
    }
    let folder = folder.as_deref();
    let result = py.detach(|| {
        let train = load(data, Split::Train, folder).map_err(|e| e.to_string())?;
        let test = load(data, Split::Test, folder).map_err(|e| e.to_string())?;
        run(&c, &train, &test, |_, _| {}).map_err(|e| e.to_string())
    });
    let r = result.map_err(|e| value_error(call, e))?;
    let d = PyDict::new(py);
    d.set_item("accuracy", r.accuracy)?;
    d.set_item("acc", r.acc)?;
    d.set_item("bwt", r.bwt)?;
    d.set_item("protected_rows", r.protected_rows)?;
    d.set_item("presentations", r.presentations)?;
    Ok(d)
}

/// Active dendrites: random patterns (or a stored one with `noise` cells replaced, when given)
/// shown to segments of the engine's `dendritic_segment`, counted against the closed form.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn dendrite_matches<'py>(
    py: Python<'py>,
    n: usize,
    a: usize,
    s: usize,
    theta: usize,
    stored: usize,
    segments: usize,
    presentations: usize,
    seed: u64,
    noise: Option<usize>,
) -> PyResult<Bound<'py, PyDict>> {
    let setting = Setting {
        n,
        a,
        s,
        theta,
        stored,
        segments,
        presentations,
        seed,
    };
    let o = py
        .detach(|| match noise {
            None => setting.false_matches(),
            Some(k) => setting.noisy_matches(k),
        })
        .map_err(|e| value_error("dendrite_matches()", e))?;
    outcome(py, &o)
}

/// Adds the systems to the native module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativeCa3>()?;
    m.add_function(wrap_pyfunction!(motion_detection, m)?)?;
    m.add_function(wrap_pyfunction!(spatial_detection, m)?)?;
    m.add_function(wrap_pyfunction!(dendrite_matches, m)?)?;
    m.add_function(wrap_pyfunction!(continual_learning, m)?)?;
    Ok(())
}
