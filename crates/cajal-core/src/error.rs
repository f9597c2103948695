//! The one error of network construction: which item, which field, what is wrong, and a kind a
//! program can match. Every check of a value happens once, where the value enters the network
//! ([`crate::Network`]); model files and other front ends add their own location to the same error.

use std::fmt;

/// Where in a network an error lies.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Place {
    /// The network as a whole (dt, seed, threads).
    Network,
    /// Population i (in the order added).
    Population(usize),
    /// Projection i.
    Projection(usize),
    /// Input i.
    Input(usize),
    /// Recorder i.
    Record(usize),
    /// Astrocyte i.
    Astrocyte(usize),
}

/// What sort of mistake an error is, for programs that react to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A value outside what is allowed (negative time constant, probability above 1, NaN).
    InvalidValue,
    /// A name that does not exist (parameter, state variable, model, population).
    UnknownName,
    /// A name used twice where names must be distinct.
    DuplicateName,
    /// Values that are allowed alone but not together (a threshold on a model without one,
    /// `one_to_one` between populations of different sizes).
    Conflict,
    /// More than the engine can represent (2^32 neurons, delays of 65,536 steps).
    TooLarge,
    /// A handle that belongs to another network.
    ForeignHandle,
    /// The machine refused (threads could not be started).
    Resources,
}

impl ErrorKind {
    /// A short name (`invalid value`, `unknown name`, ...).
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::InvalidValue => "invalid value",
            ErrorKind::UnknownName => "unknown name",
            ErrorKind::DuplicateName => "duplicate name",
            ErrorKind::Conflict => "conflict",
            ErrorKind::TooLarge => "too large",
            ErrorKind::ForeignHandle => "foreign handle",
            ErrorKind::Resources => "resources",
        }
    }
}

/// An impossible network: where, which field, what is wrong and how to fix it.
///
/// Prints once and readably, e.g. `population 'E': params.tau_m: must be > 0 (got -5)`.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct BuildError {
    /// What sort of mistake.
    pub kind: ErrorKind,
    /// Which item.
    pub place: Place,
    /// The item's name where it has one (population, projection, astrocyte), else empty.
    pub item: String,
    /// Which field of it (e.g. `params.tau_m`, `p`, `delay`).
    pub field: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl BuildError {
    /// An error of `kind` at `place`, field `field`.
    pub fn new(
        kind: ErrorKind,
        place: Place,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        BuildError {
            kind,
            place,
            item: String::new(),
            field: field.into(),
            message: message.into(),
        }
    }

    /// The same error, naming its item.
    pub fn named(mut self, item: impl Into<String>) -> Self {
        self.item = item.into();
        self
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let quoted = |what: &str, i: usize| {
            if self.item.is_empty() {
                format!("{what} {i}")
            } else if self.item.chars().any(char::is_control) {
                // a name with control characters is shown escaped, never sent to a terminal
                format!("{what} {:?}", self.item)
            } else {
                format!("{what} '{}'", self.item)
            }
        };
        let place = match self.place {
            Place::Network => "network".to_string(),
            Place::Population(i) => quoted("population", i),
            Place::Projection(i) => quoted("projection", i),
            Place::Input(i) => format!("input {i}"),
            Place::Record(i) => format!("record {i}"),
            Place::Astrocyte(i) => quoted("astrocyte", i),
        };
        if self.field.is_empty() {
            write!(f, "{place}: {}", self.message)
        } else {
            write!(f, "{place}: {}: {}", self.field, self.message)
        }
    }
}

impl std::error::Error for BuildError {}
