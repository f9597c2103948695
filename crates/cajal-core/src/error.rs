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
        let message = short_numbers(&self.message);
        if self.field.is_empty() {
            write!(f, "{place}: {message}")
        } else {
            write!(f, "{place}: {}: {message}", self.field)
        }
    }
}

impl std::error::Error for BuildError {}

/// Longest run of digits (with its decimal point) a message shows as it is: a 64-bit integer
/// fits; a number written longer is a float such as 1e300 printed in full.
const LONGEST_NUMBER: usize = 21;

/// `text` with every number written with more than 21 digits (how Rust prints 1e300 or 1e-300
/// in full) shown in scientific notation instead (`1e300`), so that no message carries a number
/// of hundreds of digits.
pub fn short_numbers(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        // a number stands on its own: after a space, a bracket, `=`, `,`, `:` or a sign that
        // does (never inside a name or a path: `pop_000…`, `/data/123…`)
        let free = |j: usize| j == 0 || b" \t\n([{=,:'\"".contains(&bytes[j - 1]);
        let starts_number =
            bytes[i].is_ascii_digit() && (free(i) || (bytes[i - 1] == b'-' && free(i - 1)));
        if !starts_number {
            let c = text[i..].chars().next().expect("within the text");
            out.push(c);
            i += c.len_utf8();
            continue;
        }
        let mut j = i;
        let mut seen_point = false;
        while j < bytes.len()
            && (bytes[j].is_ascii_digit()
                || (bytes[j] == b'.'
                    && !seen_point
                    && bytes.get(j + 1).is_some_and(u8::is_ascii_digit)))
        {
            seen_point |= bytes[j] == b'.';
            j += 1;
        }
        let number = &text[i..j];
        let digits = number.bytes().filter(u8::is_ascii_digit).count();
        match number.parse::<f64>() {
            Ok(v)
                if digits > LONGEST_NUMBER
                    && v.is_finite()
                    && !bytes
                        .get(j)
                        .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_') =>
            {
                out.push_str(&format!("{v:e}"))
            }
            _ => out.push_str(number),
        }
        i = j;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::short_numbers;

    #[test]
    fn long_numbers_are_shown_in_scientific_notation() {
        let big = format!("must be > 0 (got -{})", 1e300);
        assert_eq!(short_numbers(&big), "must be > 0 (got -1e300)");
        let tiny = format!("dt {} ms", 1e-300);
        assert_eq!(short_numbers(&tiny), "dt 1e-300 ms");
        // a 64-bit integer, version numbers, names and ordinary numbers stay as they are
        for keep in [
            "seed 18446744073709551615",
            "cajal 0.1.0",
            "population 'L23e' of 20683 neurons, rate 3.5 Hz",
            "checksum 0xffff00001111222233334444",
            "/data/1234567890123456789012/x.csv",
            "population pop_00000000000000000000000001",
            "run-1234567890123456789012345",
        ] {
            assert_eq!(short_numbers(keep), keep);
        }
    }
}
