//! `cajal._cajal`, the native part of the `cajal` Python package: the network (described through
//! the model file's tables and the builder's checks, simulated by the engine with the GIL
//! released) and the analysis measures on NumPy arrays. The Python layer (`python/cajal`) adds
//! the Pythonic API, progress bars, Neo and NWB.

mod analysis;
mod convert;
mod network;
mod systems;

use pyo3::prelude::*;

/// Runs the `cajal` command (`argv`: the program's name, then its arguments) and returns its
/// exit code; the GIL is released while it runs. It installs its own Ctrl-C handling, so it is
/// meant for the process of `python -m cajal` (the package's `cajal` command), not for a session.
#[pyfunction]
fn cli_main(py: Python<'_>, argv: Vec<String>) -> u8 {
    py.detach(|| cajal_cli::run_cli(argv))
}

/// The long flags of the `cajal` subcommand `sub` that take a value, from the command's
/// definition.
#[pyfunction]
fn flags_with_values(sub: &str) -> Vec<String> {
    cajal_cli::flags_with_values(sub)
}

/// The native module.
#[pymodule]
fn _cajal(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<network::NativeNetwork>()?;
    analysis::register(m)?;
    systems::register(m)?;
    m.add_function(wrap_pyfunction!(cli_main, m)?)?;
    m.add_function(wrap_pyfunction!(flags_with_values, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("DEFAULT_MODEL", cajal_model::DEFAULT_MODEL)?;
    Ok(())
}
