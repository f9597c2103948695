//! The typed builder: the one way to make a network. Each call that adds an item checks it at
//! once (`check.rs`) and returns a handle; [`Network::build`] then cuts the network into
//! partitions and draws its synapses. Model files and other front ends describe networks through
//! the same calls, so they report the same errors.

pub(crate) mod check;
mod specs;

pub use specs::{Input, Population, Projection, Record};

use crate::error::{BuildError, ErrorKind, Place};
use crate::network::{InputDef, NetworkDef, PopulationDef, ProjectionDef, RecordDef};
use crate::{AstrocyteDef, Simulation};
use std::sync::atomic::{AtomicU64, Ordering};

static NEXT_NETWORK: AtomicU64 = AtomicU64::new(1);

/// A population of a [`Network`] (and of the [`Simulation`] built from it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PopulationId {
    pub(crate) network: u64,
    pub(crate) index: u32,
}

/// A projection of a [`Network`] (and of the [`Simulation`] built from it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ProjectionId {
    pub(crate) network: u64,
    pub(crate) index: u32,
}

/// An astrocyte of a [`Network`] (and of the [`Simulation`] built from it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AstrocyteId {
    pub(crate) network: u64,
    pub(crate) index: u32,
}

impl PopulationId {
    /// Position among the network's populations, in the order they were added (global neuron
    /// ids follow this order).
    pub fn index(self) -> usize {
        self.index as usize
    }
}

impl ProjectionId {
    /// Position among the network's projections, in the order they were added.
    pub fn index(self) -> usize {
        self.index as usize
    }
}

impl AstrocyteId {
    /// Position among the network's astrocytes, in the order they were added.
    pub fn index(self) -> usize {
        self.index as usize
    }
}

/// A network being described: time step, seed, and the populations, projections, inputs,
/// recorders and astrocytes added so far, each checked when it was added.
///
/// ```
/// use cajal_core::{Network, Population, Projection, Input, Record, ModelKind, Rule};
/// let mut net = Network::new(0.1, 1).unwrap();
/// let n = net.add_population(Population::new("n", ModelKind::IafPscDelta, 2)).unwrap();
/// net.add_input(Input::dc(500.0).onto(n)).unwrap();
/// net.connect(Projection::new(n, n, Rule::AllToAll).weight(0.5).delay(1.0)).unwrap();
/// net.add_record(Record::spikes(n)).unwrap();
/// // a value the model cannot take is refused where it enters, naming it
/// let bad = net.add_population(Population::new("m", ModelKind::IafPscDelta, 1).param("tau_m", -5.0));
/// assert_eq!(bad.unwrap_err().to_string(), "population 'm': params.tau_m: must be > 0 (got -5)");
/// let mut sim = net.build(1).unwrap();
/// sim.run(100.0, |_, _| {}).unwrap();
/// assert!(sim.spike_trains(n).unwrap().times.len() > 5);
/// ```
#[derive(Clone, Debug)]
pub struct Network {
    id: u64,
    def: NetworkDef,
}

impl Network {
    /// An empty network with time step `dt` ms and the seed of all its random streams.
    pub fn new(dt: f64, seed: u64) -> Result<Network, BuildError> {
        check::network(dt)?;
        Ok(Network {
            id: NEXT_NETWORK.fetch_add(1, Ordering::Relaxed),
            def: NetworkDef {
                dt,
                seed,
                populations: Vec::new(),
                projections: Vec::new(),
                inputs: Vec::new(),
                records: Vec::new(),
                astrocytes: Vec::new(),
            },
        })
    }

    /// Replays a plain-data definition through the builder's checks (in the order populations,
    /// astrocytes, projections, inputs, recorders), so it is checked exactly as if built by
    /// calls.
    pub fn from_def(def: NetworkDef) -> Result<Network, BuildError> {
        let mut net = Network::new(def.dt, def.seed)?;
        for p in def.populations {
            net.push_population(p)?;
        }
        for a in def.astrocytes {
            net.push_astrocyte(a)?;
        }
        for p in def.projections {
            net.push_projection(p)?;
        }
        for i in def.inputs {
            net.push_input(i)?;
        }
        for r in def.records {
            net.push_record(r)?;
        }
        Ok(net)
    }

    /// The time step (ms).
    pub fn dt(&self) -> f64 {
        self.def.dt
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.def.seed
    }

    /// The network as plain data (checked).
    pub fn def(&self) -> &NetworkDef {
        &self.def
    }

    /// The handle of the population named `name`.
    pub fn population(&self, name: &str) -> Option<PopulationId> {
        let i = self.def.populations.iter().position(|p| p.name == name)?;
        Some(PopulationId {
            network: self.id,
            index: i as u32,
        })
    }

    /// The handle of the projection named `name`.
    pub fn projection(&self, name: &str) -> Option<ProjectionId> {
        let i = self.def.projections.iter().position(|p| p.name == name)?;
        Some(ProjectionId {
            network: self.id,
            index: i as u32,
        })
    }

    /// The handle of the astrocyte named `name`.
    pub fn astrocyte(&self, name: &str) -> Option<AstrocyteId> {
        let i = self.def.astrocytes.iter().position(|a| a.name == name)?;
        Some(AstrocyteId {
            network: self.id,
            index: i as u32,
        })
    }

    /// Changes the seed of every random stream (any value is allowed).
    pub fn set_seed(&mut self, seed: u64) {
        self.def.seed = seed;
    }

    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// Adds a population; its name, size, parameters, initial values, spike times and threshold
    /// are checked here.
    pub fn add_population(&mut self, p: Population) -> Result<PopulationId, BuildError> {
        self.push_population(p.into_def())
    }

    fn push_population(&mut self, p: PopulationDef) -> Result<PopulationId, BuildError> {
        let index = self.def.populations.len();
        check::population(&self.def, index, &p)?;
        self.def.populations.push(p);
        Ok(PopulationId {
            network: self.id,
            index: index as u32,
        })
    }

    /// Replaces the parameters of population `pop` (those given; the model's defaults for the
    /// rest), checked as when it was added; a built [`Simulation`] takes them with
    /// [`Simulation::set_params`].
    pub fn set_params(
        &mut self,
        pop: PopulationId,
        params: std::collections::BTreeMap<String, f64>,
    ) -> Result<(), BuildError> {
        let i = self.resolve(pop, &Place::Network, "population")?;
        let mut p = self.def.populations[i].clone();
        p.params = params;
        check::params(self.def.dt, i, &p)?;
        self.def.populations[i] = p;
        Ok(())
    }

    /// Adds a projection between two populations of this network; its rule, weights, delays and
    /// plasticity are checked here.
    pub fn connect(&mut self, p: Projection) -> Result<ProjectionId, BuildError> {
        let index = self.def.projections.len();
        let place = Place::Projection(index);
        let source = self.resolve(p.source, &place, "source")?;
        let target = self.resolve(p.target, &place, "target")?;
        let astrocyte = match p.astrocyte {
            Some(a) => Some(self.resolve_astrocyte(a, &place)?),
            None => None,
        };
        let def = p.into_def(&self.def, source, target, astrocyte);
        self.push_projection(def)
    }

    fn push_projection(&mut self, p: ProjectionDef) -> Result<ProjectionId, BuildError> {
        let index = self.def.projections.len();
        check::projection(&self.def, index, &p)?;
        self.def.projections.push(p);
        Ok(ProjectionId {
            network: self.id,
            index: index as u32,
        })
    }

    /// Adds an input device (Poisson, DC or step current) onto a population.
    pub fn add_input(&mut self, i: Input) -> Result<(), BuildError> {
        let place = Place::Input(self.def.inputs.len());
        let target = self.resolve(i.target(&place)?, &place, "target")?;
        self.push_input(i.into_def(target))
    }

    fn push_input(&mut self, i: InputDef) -> Result<(), BuildError> {
        check::input(&self.def, self.def.inputs.len(), &i)?;
        self.def.inputs.push(i);
        Ok(())
    }

    /// Adds a recorder of a population's spikes and/or state variables (one per population).
    pub fn add_record(&mut self, r: Record) -> Result<(), BuildError> {
        let place = Place::Record(self.def.records.len());
        let population = self.resolve(r.population, &place, "population")?;
        self.push_record(r.into_def(population))
    }

    fn push_record(&mut self, r: RecordDef) -> Result<(), BuildError> {
        check::record(&self.def, self.def.records.len(), &r)?;
        self.def.records.push(r);
        Ok(())
    }

    /// Adds an astrocyte (NALSM) that integrates the spikes of `liquid` populations minus those of
    /// `input` populations; pair-STDP projections refer to it with [`Projection::astrocyte`].
    #[allow(clippy::too_many_arguments)]
    pub fn add_astrocyte(
        &mut self,
        name: impl Into<String>,
        liquid: &[PopulationId],
        input: &[PopulationId],
        w: f64,
        bias: f64,
        tau: f64,
        initial: f64,
    ) -> Result<AstrocyteId, BuildError> {
        let place = Place::Astrocyte(self.def.astrocytes.len());
        let list = |ids: &[PopulationId], field: &str| -> Result<Vec<usize>, BuildError> {
            ids.iter()
                .map(|&p| self.resolve(p, &place, field))
                .collect()
        };
        let def = AstrocyteDef {
            name: name.into(),
            liquid: list(liquid, "liquid")?,
            input: list(input, "input")?,
            w,
            bias,
            tau,
            initial,
            w_input: None,
        };
        self.push_astrocyte(def)
    }

    /// Gives the input spikes of astrocyte `a` their own weight `w_input` (by default an input
    /// spike weighs the astrocyte's `w`, as a liquid spike does).
    pub fn astrocyte_input_weight(
        &mut self,
        a: AstrocyteId,
        w_input: f64,
    ) -> Result<(), BuildError> {
        let index = self.resolve_astrocyte(a, &Place::Astrocyte(a.index()))?;
        let mut def = self.def.astrocytes[index].clone();
        def.w_input = Some(w_input);
        check::astrocyte(&self.def, index, &def)?;
        self.def.astrocytes[index] = def;
        Ok(())
    }

    fn push_astrocyte(&mut self, a: AstrocyteDef) -> Result<AstrocyteId, BuildError> {
        let index = self.def.astrocytes.len();
        check::astrocyte(&self.def, index, &a)?;
        self.def.astrocytes.push(a);
        Ok(AstrocyteId {
            network: self.id,
            index: index as u32,
        })
    }

    /// Checks a thread count as [`Network::build`] does: 0 (one per core) up to 4 per core (at
    /// least 8), so a front end can refuse a bad count before it loads anything.
    pub fn check_threads(threads: usize) -> Result<(), BuildError> {
        check::threads(threads)
    }

    /// Builds the network on `threads` worker threads (0: one per core; at most 4 per core).
    pub fn build(&self, threads: usize) -> Result<Simulation, BuildError> {
        check::threads(threads)?;
        Simulation::build_checked(&self.def, threads, self.id, true, Box::new(crate::Local))
    }

    /// Builds this process's part of the network for a run over the processes of
    /// `communicator`, on `threads` worker threads each (0: one per core). The network is cut
    /// into one share per thread of every process, in order; this process draws and holds only
    /// the neurons and incoming synapses of its own shares, and the processes exchange their
    /// spikes through `communicator` once per interval. Every process must build the same
    /// network with the same thread count and then call the same runs (the calls are
    /// collective). The spikes are bit-identical to a run in one process, whatever the numbers
    /// of processes and threads.
    ///
    /// The simulation's accessors (spike trains, states, weights, counts) then read this
    /// process's neurons only; [`Simulation::synapses`] counts every process's synapses.
    pub fn build_distributed(
        &self,
        threads: usize,
        communicator: Box<dyn crate::Communicator>,
    ) -> Result<Simulation, BuildError> {
        check::threads(threads)?;
        Simulation::build_checked(&self.def, threads, self.id, true, communicator)
    }

    fn resolve(&self, p: PopulationId, place: &Place, field: &str) -> Result<usize, BuildError> {
        if p.network != self.id || p.index() >= self.def.populations.len() {
            return Err(BuildError::new(
                ErrorKind::ForeignHandle,
                place.clone(),
                field,
                "this population handle belongs to another network",
            ));
        }
        Ok(p.index())
    }

    fn resolve_astrocyte(&self, a: AstrocyteId, place: &Place) -> Result<usize, BuildError> {
        if a.network != self.id || a.index() >= self.def.astrocytes.len() {
            return Err(BuildError::new(
                ErrorKind::ForeignHandle,
                place.clone(),
                "plasticity.astrocyte",
                "this astrocyte handle belongs to another network",
            ));
        }
        Ok(a.index())
    }
}
