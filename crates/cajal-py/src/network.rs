//! The native network behind `cajal.Network`: a model document (the model file's tables, added
//! call by call and checked by the same loader and builder as a file), and the simulation built
//! from it at the first run.

use crate::convert::{build_error, model_error, to_toml};
use cajal_core::{Network, PopulationId, ProjectionId, Simulation};
use numpy::{PyArray1, PyArrayMethods, PyReadonlyArray1};
use pyo3::exceptions::{PyKeyError, PyMemoryError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// What a network holds: the document, the checked model and, once built, the simulation.
struct Inner {
    doc: toml::Table,
    /// Folder of relative connection files (the model file's).
    base: Option<PathBuf>,
    threads: usize,
    model: cajal_model::Model,
    /// Tables were added unchecked (`add(..., check=False)`): `model` is that of an earlier
    /// document until [`Inner::refresh`].
    stale: bool,
    sim: Option<Simulation>,
    /// Addresses of the last buffers handed to NumPy (tests check that no copy was made).
    handed: Vec<usize>,
}

/// The native network (see the Python class `cajal.Network`).
#[pyclass(module = "cajal._cajal")]
pub struct NativeNetwork {
    inner: Mutex<Inner>,
}

fn busy() -> PyErr {
    PyRuntimeError::new_err(
        "this network is running in another thread; wait for its run() to return",
    )
}

/// Checks a document through the model loader (and so the builder).
fn check_doc(
    doc: &toml::Table,
    base: Option<&Path>,
) -> Result<(cajal_model::Model, String), (cajal_model::ModelError, String)> {
    let text = toml::to_string(doc).expect("a TOML table serialises");
    match cajal_model::load_str(&text, "<python>", base) {
        Ok(m) => Ok((m, text)),
        Err(e) => Err((e, text)),
    }
}

/// What a checkpoint written from Python starts its description with.
const CHECKPOINT_TAG: &str = "cajal-python-model\n";

impl NativeNetwork {
    fn lock(&self) -> PyResult<std::sync::MutexGuard<'_, Inner>> {
        match self.inner.try_lock() {
            Ok(g) => Ok(g),
            Err(std::sync::TryLockError::WouldBlock) => Err(busy()),
            Err(std::sync::TryLockError::Poisoned(_)) => Err(PyRuntimeError::new_err(
                "an earlier call failed inside the engine and left this network unusable \
                 (please report it, with the script that did it); make a new Network",
            )),
        }
    }

    /// The lock, with the simulation built (drawn with the GIL released).
    fn ready(&self, py: Python<'_>) -> PyResult<std::sync::MutexGuard<'_, Inner>> {
        let mut guard = self.lock()?;
        if guard.sim.is_none() {
            let inner = &mut *guard;
            py.detach(|| inner.build())?;
        }
        Ok(guard)
    }

    /// A schedule of spikes (`neurons[k]` at `times[k]` ms) given to population `population` by
    /// `take` (spike generators' events or a clamp); the engine checks it, `call` names it.
    fn schedule(
        &self,
        py: Python<'_>,
        population: &str,
        neurons: PyReadonlyArray1<'_, u32>,
        times: PyReadonlyArray1<'_, f64>,
        call: &str,
        take: impl FnOnce(
            &mut Simulation,
            PopulationId,
            &[u32],
            &[f64],
        ) -> Result<(), cajal_core::ScheduleError>,
    ) -> PyResult<()> {
        let mut inner = self.ready(py)?;
        let pop = inner.population(population, call)?;
        let (n, t) = (neurons.as_slice()?, times.as_slice()?);
        take(inner.sim.as_mut().expect("built"), pop, n, t)
            .map_err(|e| PyValueError::new_err(format!("{call}: {e}")))
    }
}

/// A seed as the model file holds it (a TOML integer), or an error naming the call.
fn seed_value(seed: u64, call: &str) -> PyResult<toml::Value> {
    i64::try_from(seed).map(toml::Value::Integer).map_err(|_| {
        PyValueError::new_err(format!(
            "{call}: seed must be from 0 to 2**63 - 1 (got {seed})"
        ))
    })
}

/// The error of a name the network does not have: what it has instead.
fn unknown(call: &str, what: &str, name: &str, known: Vec<&str>) -> PyErr {
    let has = if known.is_empty() {
        "none".to_string()
    } else {
        known.join(", ")
    };
    PyKeyError::new_err(format!(
        "{call}: no {what} named '{name}'; the network has: {has}"
    ))
}

impl Inner {
    /// Checks a document that grew unchecked, once, before it is read or built.
    fn refresh(&mut self) -> PyResult<()> {
        if self.stale {
            match check_doc(&self.doc, self.base.as_deref()) {
                Ok((model, _)) => {
                    self.model = model;
                    self.stale = false;
                }
                Err((e, text)) => return Err(model_error(&e, "build()", "", &text)),
            }
        }
        Ok(())
    }

    fn population(&self, name: &str, call: &str) -> PyResult<PopulationId> {
        self.model.network.population(name).ok_or_else(|| {
            let pops = &self.model.def().populations;
            unknown(
                call,
                "population",
                name,
                pops.iter().map(|p| p.name.as_str()).collect(),
            )
        })
    }

    fn projection(&self, name: &str, call: &str) -> PyResult<ProjectionId> {
        self.model.network.projection(name).ok_or_else(|| {
            let projs = &self.model.def().projections;
            unknown(
                call,
                "projection",
                name,
                projs.iter().map(|p| p.name.as_str()).collect(),
            )
        })
    }

    fn sim(&self, call: &str) -> PyResult<&Simulation> {
        self.sim.as_ref().ok_or_else(|| {
            PyRuntimeError::new_err(format!(
                "{call}: the network has not been built yet; call run() (or build()) first"
            ))
        })
    }

    fn build(&mut self) -> PyResult<()> {
        if self.sim.is_none() {
            self.refresh()?;
        }
        if self.sim.is_none() && self.model.def().populations.is_empty() {
            return Err(PyValueError::new_err(
                "build(): the network has no population; add one with add_population() first",
            ));
        }
        if self.sim.is_none() {
            if let Some(available) = cajal_core::memory::available_bytes() {
                cajal_core::memory::check_peak(
                    self.model.def(),
                    self.threads,
                    available,
                    "available to this process",
                )
                .map_err(|m| PyMemoryError::new_err(format!("build(): {m}")))?;
            }
            let sim = self
                .model
                .network
                .build(self.threads)
                .map_err(|e| build_error(&e, "build()"))?;
            self.sim = Some(sim);
        }
        Ok(())
    }
}

/// Spike times and senders as NumPy arrays.
type SpikeArrays<'py> = (Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<u32>>);

/// A vector handed to NumPy without a copy (the array owns the vector's buffer); its address is
/// noted for the tests.
fn hand<'py, T: numpy::Element>(
    py: Python<'py>,
    v: Vec<T>,
    handed: &mut Vec<usize>,
) -> Bound<'py, PyArray1<T>> {
    handed.push(v.as_ptr() as usize);
    PyArray1::from_vec(py, v)
}

#[pymethods]
impl NativeNetwork {
    /// An empty network: time step `dt` (ms), `seed`, `threads` (0: one per core).
    #[new]
    fn new(dt: f64, seed: u64, threads: usize) -> PyResult<Self> {
        Network::new(dt, seed)
            .map_err(|e| PyValueError::new_err(format!("Network(): dt: {}", e.message)))?;
        Network::check_threads(threads)
            .map_err(|e| PyValueError::new_err(format!("Network(): threads: {}", e.message)))?;
        let mut sim = toml::Table::new();
        sim.insert("dt".into(), toml::Value::Float(dt));
        sim.insert("seed".into(), seed_value(seed, "Network()")?);
        let mut doc = toml::Table::new();
        doc.insert("simulation".into(), toml::Value::Table(sim));
        // an empty network is valid here (populations come next); the loader wants one, so the
        // model is made directly
        let model = cajal_model::Model {
            name: "python".into(),
            description: String::new(),
            network: Network::new(dt, seed).expect("checked"),
            duration: 1000.0,
            files: Vec::new(),
        };
        Ok(NativeNetwork {
            inner: Mutex::new(Inner {
                stale: false,
                doc,
                base: None,
                threads,
                model,
                sim: None,
                handed: Vec::new(),
            }),
        })
    }

    /// A network from a model file's text; `file` names it in errors, `base` is its folder.
    #[staticmethod]
    #[pyo3(signature = (text, file, base, seed, threads))]
    fn from_toml(
        text: &str,
        file: &str,
        base: Option<PathBuf>,
        seed: Option<u64>,
        threads: usize,
    ) -> PyResult<Self> {
        Network::check_threads(threads).map_err(|e| {
            PyValueError::new_err(format!("Network.from_toml(): threads: {}", e.message))
        })?;
        // the file as written is checked first, so its errors name its lines
        cajal_model::load_str(text, file, base.as_deref())
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        let mut doc: toml::Table = toml::from_str(text)
            .map_err(|e| PyValueError::new_err(format!("{file}: {}", e.message().trim())))?;
        // connection files by absolute path, so that the description stands anywhere
        if let (Some(base), Some(toml::Value::Array(list))) = (&base, doc.get_mut("projection")) {
            for p in list {
                if let Some(toml::Value::String(f)) = p.get_mut("file") {
                    if Path::new(f.as_str()).is_relative() {
                        *f = base.join(&*f).display().to_string();
                    }
                }
            }
        }
        if let Some(seed) = seed {
            let sim = doc
                .entry("simulation")
                .or_insert_with(|| toml::Value::Table(Default::default()));
            if let toml::Value::Table(t) = sim {
                t.insert("seed".into(), seed_value(seed, "Network.from_toml()")?);
            }
        }
        let (model, _) = check_doc(&doc, base.as_deref())
            .map_err(|(e, _)| PyValueError::new_err(e.to_string()))?;
        Ok(NativeNetwork {
            inner: Mutex::new(Inner {
                stale: false,
                doc,
                base,
                threads,
                model,
                sim: None,
                handed: Vec::new(),
            }),
        })
    }

    /// Adds a table to section `section` (`population`, `projection`, `input`, `record`,
    /// `astrocyte`), checked with the whole document; `call` names the Python call in errors.
    /// Returns the table's index in its section. With `check=False` the document is checked
    /// once, when the network is next read or built (a program adding many tables at once:
    /// each check reads the whole document).
    #[pyo3(signature = (section, table, call, check=true))]
    fn add(
        &self,
        section: &str,
        table: &Bound<'_, PyDict>,
        call: &str,
        check: bool,
    ) -> PyResult<usize> {
        // (Python code may run while converting: before the lock is taken)
        let Some(toml::Value::Table(t)) = to_toml(table.as_any(), call)? else {
            unreachable!("a dict is a table")
        };
        let mut inner = self.lock()?;
        if inner.sim.is_some() {
            return Err(PyRuntimeError::new_err(format!(
                "{call}: the network was built at its first run and cannot grow; describe every \
                 population, projection, input and recorder before run(), or make a new Network"
            )));
        }
        let list = inner
            .doc
            .entry(section)
            .or_insert_with(|| toml::Value::Array(Vec::new()));
        let toml::Value::Array(list) = list else {
            unreachable!("sections are arrays of tables")
        };
        list.push(toml::Value::Table(t));
        let index = list.len() - 1;
        if !check {
            inner.stale = true;
            return Ok(index);
        }
        let base = inner.base.clone();
        match check_doc(&inner.doc, base.as_deref()) {
            Ok((model, _)) => {
                inner.model = model;
                Ok(index)
            }
            Err((e, text)) => {
                if let Some(toml::Value::Array(list)) = inner.doc.get_mut(section) {
                    list.pop();
                    if list.is_empty() {
                        inner.doc.remove(section);
                    }
                }
                Err(model_error(&e, call, &format!("{section}[{index}]"), &text))
            }
        }
    }

    /// The network as a model file (TOML).
    fn to_toml(&self) -> PyResult<String> {
        let inner = self.lock()?;
        Ok(toml::to_string(&inner.doc).expect("a TOML table serialises"))
    }

    /// The model's duration (ms; the file's `[simulation] duration`, else 1000).
    #[getter]
    fn duration(&self) -> PyResult<f64> {
        Ok(self.lock()?.model.duration)
    }

    /// Time step (ms).
    #[getter]
    fn dt(&self) -> PyResult<f64> {
        Ok(self.lock()?.model.network.dt())
    }

    /// Seed.
    #[getter]
    fn seed(&self) -> PyResult<u64> {
        Ok(self.lock()?.model.network.seed())
    }

    /// Threads.
    #[getter]
    fn threads(&self) -> PyResult<usize> {
        let inner = self.lock()?;
        Ok(inner
            .sim
            .as_ref()
            .map(|s| s.threads())
            .unwrap_or(inner.threads))
    }

    /// Whether the network has been built.
    #[getter]
    fn built(&self) -> PyResult<bool> {
        Ok(self.lock()?.sim.is_some())
    }

    /// Simulated time so far (ms).
    #[getter]
    fn time(&self) -> PyResult<f64> {
        Ok(self
            .lock()?
            .sim
            .as_ref()
            .map(|s| s.time_ms())
            .unwrap_or(0.0))
    }

    /// The spike exchange interval (ms): runs split at its multiples give the bits of one run.
    #[getter]
    fn interval(&self, py: Python<'_>) -> PyResult<f64> {
        let inner = self.ready(py)?;
        let sim = inner.sim("interval")?;
        Ok(sim.interval_steps() as f64 * sim.dt())
    }

    /// `(name, model, size)` of every population, in order.
    fn populations(&self) -> PyResult<Vec<(String, String, usize)>> {
        let mut inner = self.lock()?;
        inner.refresh()?;
        Ok(inner
            .model
            .def()
            .populations
            .iter()
            .map(|p| (p.name.clone(), p.kind.name().to_string(), p.size))
            .collect())
    }

    /// `(name, source, target, plastic)` of every projection, in order.
    fn projections(&self) -> PyResult<Vec<(String, String, String, bool)>> {
        let mut inner = self.lock()?;
        inner.refresh()?;
        let def = inner.model.def();
        Ok(def
            .projections
            .iter()
            .map(|p| {
                (
                    p.name.clone(),
                    def.populations[p.source].name.clone(),
                    def.populations[p.target].name.clone(),
                    p.learns(),
                )
            })
            .collect())
    }

    /// Builds the simulation (draws the synapses) now.
    fn build(&self, py: Python<'_>) -> PyResult<()> {
        let mut inner = self.lock()?;
        let inner = &mut *inner;
        py.detach(|| inner.build())
    }

    /// Simulates `ms` more, the GIL released. `ms` must be on the grid of dt.
    fn run_chunk(&self, py: Python<'_>, ms: f64) -> PyResult<()> {
        let mut inner = self.lock()?;
        let dt = inner.model.network.dt();
        cajal_core::duration_steps(ms, dt)
            .map_err(|m| PyValueError::new_err(format!("run(): {m}")))?;
        let inner = &mut *inner;
        py.detach(|| -> PyResult<()> {
            inner.build()?;
            let sim = inner.sim.as_mut().expect("built");
            sim.run(ms, |_, _| {})
                .map_err(|e| PyRuntimeError::new_err(format!("run(): {e}")))
        })
    }

    /// Recorded spikes of a population: (times ms float64, senders uint32), handed over without
    /// a copy.
    fn spikes<'py>(&self, py: Python<'py>, population: &str) -> PyResult<SpikeArrays<'py>> {
        let mut inner = self.lock()?;
        let pop = inner.population(population, "spikes()")?;
        let sim = inner.sim("spikes()")?;
        if !sim
            .records_spikes(pop)
            .map_err(|e| build_error(&e, "spikes()"))?
        {
            return Err(PyValueError::new_err(format!(
                "spikes(): population '{population}' does not record spikes; add \
                 net.record('{population}') before the first run"
            )));
        }
        let trains = sim
            .spike_trains(pop)
            .map_err(|e| build_error(&e, "spikes()"))?;
        inner.handed.clear();
        let handed = &mut inner.handed;
        Ok((
            hand(py, trains.times, handed),
            hand(py, trains.senders, handed),
        ))
    }

    /// Sampled state of a population: a dict of `times`, `senders` and one array per variable
    /// (NEST's multimeter events), handed over without a copy.
    fn state<'py>(&self, py: Python<'py>, population: &str) -> PyResult<Bound<'py, PyDict>> {
        let mut inner = self.lock()?;
        let pop = inner.population(population, "state()")?;
        let sim = inner.sim("state()")?;
        let trace = sim
            .state_trace(pop)
            .map_err(|e| build_error(&e, "state()"))?
            .ok_or_else(|| {
                PyValueError::new_err(format!(
                    "state(): population '{population}' samples no state variable; add \
                     net.record('{population}', variables=['V_m']) before the first run"
                ))
            })?;
        inner.handed.clear();
        let handed = &mut inner.handed;
        let d = PyDict::new(py);
        d.set_item("times", hand(py, trace.times, handed))?;
        d.set_item("senders", hand(py, trace.senders, handed))?;
        for (name, values) in trace.variables {
            d.set_item(name, hand(py, values, handed))?;
        }
        Ok(d)
    }

    /// Indices of the neurons of a population whose spikes are recorded.
    fn recorded_ids(&self, population: &str) -> PyResult<Vec<u32>> {
        let inner = self.lock()?;
        let pop = inner.population(population, "recorded_ids()")?;
        inner
            .sim("recorded_ids()")?
            .recorded_ids(pop)
            .map_err(|e| build_error(&e, "recorded_ids()"))
    }

    /// Addresses of the buffers handed to NumPy by the last spikes(), state() or weights().
    fn _handed(&self) -> PyResult<Vec<usize>> {
        Ok(self.lock()?.handed.clone())
    }

    /// Current value of a state variable of every neuron of a population.
    fn get_state<'py>(
        &self,
        py: Python<'py>,
        population: &str,
        variable: &str,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let inner = self.ready(py)?;
        let pop = inner.population(population, "get_state()")?;
        let v = inner
            .sim("get_state()")?
            .state_now(pop, variable)
            .map_err(|e| build_error(&e, "get_state()"))?;
        Ok(PyArray1::from_vec(py, v))
    }

    /// Sets a state variable of every neuron (one value or one per neuron).
    fn set_state(
        &self,
        py: Python<'_>,
        population: &str,
        variable: &str,
        values: PyReadonlyArray1<'_, f64>,
    ) -> PyResult<()> {
        let mut inner = self.ready(py)?;
        let pop = inner.population(population, "set_state()")?;
        let values = values.as_slice()?;
        inner
            .sim
            .as_mut()
            .expect("built")
            .set_state(pop, variable, values)
            .map_err(|e| build_error(&e, "set_state()"))
    }

    /// A population's parameters: those given, and the model's defaults for the rest.
    fn get_params(&self, population: &str) -> PyResult<BTreeMap<String, f64>> {
        let mut inner = self.lock()?;
        inner.refresh()?;
        let pop = inner.population(population, "get_params()")?;
        let def = &inner.model.def().populations[pop.index()];
        let mut out: BTreeMap<String, f64> = def
            .kind
            .params()
            .iter()
            .map(|p| (p.name.to_string(), p.default))
            .collect();
        out.extend(def.params.clone());
        Ok(out)
    }

    /// Sets some of a population's parameters, before or between runs; checked as when the
    /// population was added.
    fn set_params(&self, population: &str, params: &Bound<'_, PyDict>) -> PyResult<()> {
        let Some(toml::Value::Table(new)) = to_toml(params.as_any(), "set_params()")? else {
            unreachable!("a dict is a table")
        };
        let mut inner = self.lock()?;
        let pop = inner.population(population, "set_params()")?;
        let i = pop.index();
        let old_doc = inner.doc.clone();
        {
            let Some(toml::Value::Array(list)) = inner.doc.get_mut("population") else {
                unreachable!("a population exists")
            };
            let toml::Value::Table(t) = &mut list[i] else {
                unreachable!("tables")
            };
            let entry = t
                .entry("params")
                .or_insert_with(|| toml::Value::Table(Default::default()));
            let toml::Value::Table(p) = entry else {
                unreachable!("params is a table")
            };
            p.extend(new);
        }
        // the whole document checked, as when the population was added
        let base = inner.base.clone();
        let params = match check_doc(&inner.doc, base.as_deref()) {
            Ok((m, _)) => m.def().populations[i].params.clone(),
            Err((e, text)) => {
                inner.doc = old_doc;
                return Err(model_error(
                    &e,
                    "set_params()",
                    &format!("population[{i}]"),
                    &text,
                ));
            }
        };
        // the builder's network keeps its identity, so the simulation's handles stay valid
        let old_params = inner.model.def().populations[i].params.clone();
        let inner = &mut *inner;
        let applied = inner
            .model
            .network
            .set_params(pop, params.clone())
            .and_then(|()| match inner.sim.as_mut() {
                Some(sim) => sim.set_params(pop, &params),
                None => Ok(()),
            });
        if let Err(e) = applied {
            inner.doc = old_doc;
            let _ = inner.model.network.set_params(pop, old_params);
            return Err(build_error(&e, "set_params()"));
        }
        Ok(())
    }

    /// Weights of a projection: a dict of `sources`, `targets` (indices within their
    /// populations), `weights`, `delays` (ms), and for recorded projections `times` with
    /// `history` (one row of weights per time).
    fn weights<'py>(&self, py: Python<'py>, projection: &str) -> PyResult<Bound<'py, PyDict>> {
        let mut inner = self.ready(py)?;
        let proj = inner.projection(projection, "weights()")?;
        let w = inner
            .sim("weights()")?
            .weights(proj)
            .map_err(|e| build_error(&e, "weights()"))?
            .ok_or_else(|| {
                PyValueError::new_err(format!(
                    "weights(): projection '{projection}' is static and its weights are not \
                     recorded; give it record_weights=True"
                ))
            })?;
        inner.handed.clear();
        let handed = &mut inner.handed;
        let d = PyDict::new(py);
        d.set_item("sources", hand(py, w.sources, handed))?;
        d.set_item("targets", hand(py, w.targets, handed))?;
        d.set_item("weights", hand(py, w.weights, handed))?;
        d.set_item("delays", hand(py, w.delays_ms, handed))?;
        if !w.times_ms.is_empty() {
            let rows = w.history.len();
            let cols = w.history.first().map(|r| r.len()).unwrap_or(0);
            let flat: Vec<f64> = w.history.into_iter().flatten().collect();
            let arr = hand(py, flat, handed).reshape([rows, cols])?;
            d.set_item("times", hand(py, w.times_ms, handed))?;
            d.set_item("history", arr)?;
        }
        Ok(d)
    }

    /// Every synapse of the network: `sources` and `targets` as global ids (the populations'
    /// neurons counted in order from 0), `weights` (plastic ones as they stand) and `delays`
    /// (ms), sorted by target then source: the ground truth for connectivity inference.
    fn connections<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let mut inner = self.ready(py)?;
        let all = inner.sim("connections()")?.connections();
        let mut c = (
            Vec::with_capacity(all.len()),
            Vec::with_capacity(all.len()),
            Vec::with_capacity(all.len()),
            Vec::with_capacity(all.len()),
        );
        for (s, t, w, d) in all {
            c.0.push(s);
            c.1.push(t);
            c.2.push(w as f64);
            c.3.push(d);
        }
        inner.handed.clear();
        let handed = &mut inner.handed;
        let d = PyDict::new(py);
        d.set_item("sources", hand(py, c.0, handed))?;
        d.set_item("targets", hand(py, c.1, handed))?;
        d.set_item("weights", hand(py, c.2, handed))?;
        d.set_item("delays", hand(py, c.3, handed))?;
        Ok(d)
    }

    /// Sets every weight of a plastic projection (in the order weights() lists them).
    fn set_weights(
        &self,
        py: Python<'_>,
        projection: &str,
        weights: PyReadonlyArray1<'_, f64>,
    ) -> PyResult<()> {
        let mut inner = self.ready(py)?;
        let proj = inner.projection(projection, "set_weights()")?;
        let w = weights.as_slice()?;
        inner
            .sim
            .as_mut()
            .expect("built")
            .set_weights(proj, w)
            .map_err(|e| build_error(&e, "set_weights()"))
    }

    /// Gives current input `input` (numbered as added) a new schedule for the steps not yet
    /// simulated: `amplitudes[k]` pA from `times[k]` ms, zero before the first and from `stop`.
    #[pyo3(signature = (input, times, amplitudes, stop=None))]
    fn set_current(
        &self,
        py: Python<'_>,
        input: usize,
        times: Vec<f64>,
        amplitudes: Vec<f64>,
        stop: Option<f64>,
    ) -> PyResult<()> {
        let mut inner = self.ready(py)?;
        inner
            .sim
            .as_mut()
            .expect("built")
            .set_current(input, &times, &amplitudes, stop)
            .map_err(|e| build_error(&e, "set_current()"))
    }

    /// Adds spikes to neurons of a spike_generator population between runs: `neurons[k]` fires
    /// at `times[k]` (ms, at or after the current time plus dt).
    fn add_spikes(
        &self,
        py: Python<'_>,
        population: &str,
        neurons: PyReadonlyArray1<'_, u32>,
        times: PyReadonlyArray1<'_, f64>,
    ) -> PyResult<()> {
        self.schedule(
            py,
            population,
            neurons,
            times,
            "add_spikes()",
            Simulation::add_spike_events,
        )
    }

    /// Starts an episode: every neuron back to its built state (thresholds kept), nothing in
    /// flight, plastic projections' traces forgotten (weights kept).
    fn reset_activity(&self, py: Python<'_>) -> PyResult<()> {
        let mut inner = self.ready(py)?;
        inner.sim.as_mut().expect("built").reset_activity();
        Ok(())
    }

    /// Turns learning off (weights and thresholds stay as they are) or on again.
    fn set_learning(&self, py: Python<'_>, on: bool) -> PyResult<()> {
        let mut inner = self.ready(py)?;
        inner.sim.as_mut().expect("built").set_learning(on);
        Ok(())
    }

    /// The Tempotron's correction after a presentation: each target whose answer (fired or not)
    /// differs from `desired` has its weights moved; returns how many were corrected.
    fn tempotron_teach(
        &self,
        py: Python<'_>,
        projection: &str,
        desired: Vec<bool>,
    ) -> PyResult<usize> {
        let mut inner = self.ready(py)?;
        let proj = inner.projection(projection, "tempotron_teach()")?;
        inner
            .sim
            .as_mut()
            .expect("built")
            .tempotron_teach(proj, &desired)
            .map_err(|e| build_error(&e, "tempotron_teach()"))
    }

    /// What a Tempotron's targets did since the last reset_activity: (fired, peak potential
    /// before the first spike in mV, its time in ms).
    #[allow(clippy::type_complexity)]
    fn tempotron_answer<'py>(
        &self,
        py: Python<'py>,
        projection: &str,
    ) -> PyResult<(
        Vec<bool>,
        Bound<'py, PyArray1<f64>>,
        Bound<'py, PyArray1<f64>>,
    )> {
        let mut inner = self.ready(py)?;
        let proj = inner.projection(projection, "tempotron_answer()")?;
        let a = inner
            .sim
            .as_mut()
            .expect("built")
            .tempotron_answer(proj)
            .map_err(|e| build_error(&e, "tempotron_answer()"))?;
        Ok((
            a.fired,
            PyArray1::from_vec(py, a.peak_v),
            PyArray1::from_vec(py, a.peak_ms),
        ))
    }

    /// The delta rule after a presentation: each target with a desired count moves its weights by
    /// eta (desired - count) times the presynaptic trace integrals; returns how many taught
    /// targets missed their count.
    fn delta_teach(
        &self,
        py: Python<'_>,
        projection: &str,
        desired: Vec<Option<f64>>,
    ) -> PyResult<usize> {
        let mut inner = self.ready(py)?;
        let proj = inner.projection(projection, "delta_teach()")?;
        inner
            .sim
            .as_mut()
            .expect("built")
            .delta_teach(proj, &desired)
            .map_err(|e| build_error(&e, "delta_teach()"))
    }

    /// What a delta rule's targets did since the last reset_activity: (spike counts, drives).
    #[allow(clippy::type_complexity)]
    fn delta_answer<'py>(
        &self,
        py: Python<'py>,
        projection: &str,
    ) -> PyResult<(Bound<'py, PyArray1<u64>>, Bound<'py, PyArray1<f64>>)> {
        let mut inner = self.ready(py)?;
        let proj = inner.projection(projection, "delta_answer()")?;
        let a = inner
            .sim
            .as_mut()
            .expect("built")
            .delta_answer(proj)
            .map_err(|e| build_error(&e, "delta_answer()"))?;
        Ok((
            PyArray1::from_vec(py, a.counts),
            PyArray1::from_vec(py, a.drive),
        ))
    }

    /// HLOP: the delta rule protects the span of the Oja projection's fixed rows; returns the
    /// rows of its orthonormal basis.
    fn delta_protect(&self, py: Python<'_>, delta: &str, oja: &str) -> PyResult<usize> {
        let mut inner = self.ready(py)?;
        let d = inner.projection(delta, "delta_protect()")?;
        let o = inner.projection(oja, "delta_protect()")?;
        inner
            .sim
            .as_mut()
            .expect("built")
            .delta_protect(d, o)
            .map_err(|e| build_error(&e, "delta_protect()"))
    }

    /// Elastic weight consolidation of a delta rule; returns the presentations its importance
    /// was taken from.
    fn delta_consolidate(&self, py: Python<'_>, projection: &str, strength: f64) -> PyResult<u64> {
        let mut inner = self.ready(py)?;
        let proj = inner.projection(projection, "delta_consolidate()")?;
        inner
            .sim
            .as_mut()
            .expect("built")
            .delta_consolidate(proj, strength)
            .map_err(|e| build_error(&e, "delta_consolidate()"))
    }

    /// Sets a delta rule's learning rate for the teaching that follows.
    fn delta_set_eta(&self, py: Python<'_>, projection: &str, eta: f64) -> PyResult<()> {
        let mut inner = self.ready(py)?;
        let proj = inner.projection(projection, "delta_set_eta()")?;
        inner
            .sim
            .as_mut()
            .expect("built")
            .delta_set_eta(proj, eta)
            .map_err(|e| build_error(&e, "delta_set_eta()"))
    }

    /// Fixes the first `rows` rows of an oja_subspace projection.
    fn oja_fix_rows(&self, py: Python<'_>, projection: &str, rows: usize) -> PyResult<()> {
        let mut inner = self.ready(py)?;
        let proj = inner.projection(projection, "oja_fix_rows()")?;
        inner
            .sim
            .as_mut()
            .expect("built")
            .oja_fix_rows(proj, rows)
            .map_err(|e| build_error(&e, "oja_fix_rows()"))
    }

    /// Clamps a population to a teacher: `neurons[k]` spikes at `times[k]` (ms, after the
    /// current time) and no neuron of it spikes otherwise, until release_clamp.
    fn clamp(
        &self,
        py: Python<'_>,
        population: &str,
        neurons: PyReadonlyArray1<'_, u32>,
        times: PyReadonlyArray1<'_, f64>,
    ) -> PyResult<()> {
        self.schedule(
            py,
            population,
            neurons,
            times,
            "clamp()",
            Simulation::clamp_spike_times,
        )
    }

    /// Ends a population's clamp: its neurons spike on their own again.
    fn release_clamp(&self, py: Python<'_>, population: &str) -> PyResult<()> {
        let mut inner = self.ready(py)?;
        let pop = inner.population(population, "release_clamp()")?;
        inner
            .sim
            .as_mut()
            .expect("built")
            .release_clamp(pop)
            .map_err(|e| build_error(&e, "release_clamp()"))
    }

    /// Spike counts of every neuron of a population since the start.
    fn spike_counts<'py>(
        &self,
        py: Python<'py>,
        population: &str,
    ) -> PyResult<Bound<'py, PyArray1<u32>>> {
        let inner = self.ready(py)?;
        let pop = inner.population(population, "spike_counts()")?;
        let c = inner
            .sim("spike_counts()")?
            .spike_counts(pop)
            .map_err(|e| build_error(&e, "spike_counts()"))?;
        Ok(PyArray1::from_vec(py, c))
    }

    /// Writes a checkpoint (the whole state, and the network's description: `model`, or the
    /// document as it stands) to `path`, atomically.
    #[pyo3(signature = (path, model=None))]
    fn save_checkpoint(
        &self,
        py: Python<'_>,
        path: PathBuf,
        model: Option<String>,
    ) -> PyResult<()> {
        let inner = self.ready(py)?;
        let text = model.unwrap_or_else(|| toml::to_string(&inner.doc).expect("serialises"));
        let extra = format!("{CHECKPOINT_TAG}{text}");
        inner
            .sim("save_checkpoint()")?
            .save_checkpoint(&path, extra.as_bytes())
            .map_err(|e| PyValueError::new_err(format!("save_checkpoint(): {e}")))
    }

    /// Puts the network in the state of a checkpoint written by a network described the same
    /// way (same tables, seed and threads).
    fn restore(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        let ck = cajal_core::Checkpoint::read(&path)
            .map_err(|e| PyValueError::new_err(format!("restore(): {e}")))?;
        let mut guard = self.ready(py)?;
        if let Some(theirs) = std::str::from_utf8(&ck.extra)
            .ok()
            .and_then(|t| t.strip_prefix(CHECKPOINT_TAG))
        {
            let same = toml::from_str::<toml::Table>(theirs)
                .map(|t| strip_files(t) == strip_files(guard.doc.clone()))
                .unwrap_or(false);
            if !same {
                return Err(PyValueError::new_err(format!(
                    "restore(): {} was written from a network described otherwise (its \
                     populations, parameters, projections, inputs or recorders differ from this \
                     one's); rebuild it with Network.from_checkpoint",
                    path.display()
                )));
            }
        }
        let inner = &mut *guard;
        py.detach(|| {
            inner
                .sim
                .as_mut()
                .expect("built")
                .restore(ck)
                .map_err(|e| PyValueError::new_err(format!("restore(): {e}")))
        })
    }

    /// The network description stored in a checkpoint written from Python (TOML text), and the
    /// thread count it was written with.
    #[staticmethod]
    fn checkpoint_model(path: PathBuf) -> PyResult<(String, usize)> {
        let ck = cajal_core::Checkpoint::read(&path)
            .map_err(|e| PyValueError::new_err(format!("from_checkpoint(): {e}")))?;
        let threads = ck.threads();
        std::str::from_utf8(&ck.extra)
            .ok()
            .and_then(|t| t.strip_prefix(CHECKPOINT_TAG))
            .map(|t| (t.to_string(), threads))
            .ok_or_else(|| {
                PyValueError::new_err(format!(
                    "from_checkpoint(): {} was not written from Python (it holds no network \
                     description); resume it with `cajal resume`, or restore it into the network \
                     it was written from",
                    path.display()
                ))
            })
    }

    /// Mean rate (Hz), spike count and mean CV of the ISIs of a population so far.
    fn population_stats(&self, population: &str) -> PyResult<(u64, f64, f64)> {
        let inner = self.lock()?;
        let pop = inner.population(population, "rates()")?;
        let s = inner
            .sim("rates()")?
            .population_stats(pop)
            .map_err(|e| build_error(&e, "rates()"))?;
        Ok((s.spikes, s.rate_hz, s.cv_isi))
    }
}

/// A document without the paths of its connection files (a checkpoint's description names the
/// files beside it; the connections themselves are in the checkpoint's synapses).
fn strip_files(mut doc: toml::Table) -> toml::Table {
    if let Some(toml::Value::Array(list)) = doc.get_mut("projection") {
        for p in list {
            if let toml::Value::Table(t) = p {
                t.remove("file");
            }
        }
    }
    doc
}
