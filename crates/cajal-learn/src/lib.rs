//! Learning from data with spiking networks: image encoders ([`encode`]), the unsupervised STDP
//! network of Diehl & Cook 2015 ([`diehl_cook`]) with its training and testing ([`train`]),
//! label assignment and scoring ([`evaluate`]), liquid state machines with and without an
//! astrocyte ([`liquid`]) and their trained linear readout ([`readout`]), and training
//! checkpoints ([`checkpoint`]); the label-clamped output layer of symmetric-STDP supervised
//! learning ([`supervised`]). Failures are [`LearnError`]s.
//! The `cajal learn` command drives these on MNIST-format datasets.

pub mod ca3;
pub mod checkpoint;
pub mod continual;
pub mod dendrites;
pub mod diehl_cook;
pub mod encode;
pub mod error;
pub mod evaluate;
pub mod liquid;
pub mod motion;
pub mod on_engine;
pub mod readout;
pub mod spatial;
pub mod supervised;
pub mod tempotron;
pub mod train;

use error::invalid;
pub use error::{LearnError, Unusable};

/// A finite number > 0, or a message naming the field.
pub(crate) fn positive(name: &str, v: f64) -> Result<(), LearnError> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(invalid(format!(
            "{name} must be a finite number > 0 (got {v})"
        )))
    }
}

/// A finite number >= 0, or a message naming the field.
pub(crate) fn non_negative(name: &str, v: f64) -> Result<(), LearnError> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(invalid(format!(
            "{name} must be a finite number >= 0 (got {v})"
        )))
    }
}

/// Most time steps of one presentation or rest (a presentation is simulated step by step).
pub const MAX_STEPS: f64 = 1e7;

/// A duration `ms` of at most [`MAX_STEPS`] steps of `dt`, or a message naming the field.
pub(crate) fn steps_within_bound(name: &str, ms: f64, dt: f64) -> Result<(), LearnError> {
    let steps = ms / dt;
    if steps.is_finite() && steps <= MAX_STEPS {
        Ok(())
    } else {
        Err(invalid(format!(
            "{name} ({ms} ms) is {steps:.3e} steps of dt = {dt} ms; at most {MAX_STEPS:.0e} steps: \
             give a shorter {name} or a larger dt"
        )))
    }
}

/// A fraction in [0, 1], or a message naming the field.
pub(crate) fn fraction(name: &str, v: f64) -> Result<(), LearnError> {
    if (0.0..=1.0).contains(&v) {
        Ok(())
    } else {
        Err(invalid(format!("{name} must lie in [0, 1] (got {v})")))
    }
}

/// One value (an engine network) per worker of the current rayon pool, for a parallel loop over
/// images. Built before the loop, not in the workers: a build waits on the engine's own thread
/// pool, and a rayon worker waiting there takes up other jobs of the loop, each building again,
/// until its stack runs out.
pub(crate) struct PerWorker<T>(Vec<std::sync::Mutex<T>>);

impl<T> PerWorker<T> {
    /// `make` called once per worker of the current pool.
    pub(crate) fn build<E>(mut make: impl FnMut() -> Result<T, E>) -> Result<Self, E> {
        (0..rayon::current_num_threads())
            .map(|_| make().map(std::sync::Mutex::new))
            .collect::<Result<_, _>>()
            .map(PerWorker)
    }

    /// `f` on the calling worker's value.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let worker = rayon::current_thread_index().unwrap_or(0) % self.0.len();
        let mut value = self.0[worker].lock().expect("no panic while presenting");
        f(&mut value)
    }
}
