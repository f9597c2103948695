//! `cajal._cajal`, the native part of the `cajal` Python package: the network (described through
//! the model file's tables and the builder's checks, simulated by the engine with the GIL
//! released) and the analysis measures on NumPy arrays. The Python layer (`python/cajal`) adds
//! the Pythonic API, progress bars, Neo and NWB.

mod analysis;
mod convert;
mod network;

use pyo3::prelude::*;

/// The native module.
#[pymodule]
fn _cajal(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<network::NativeNetwork>()?;
    analysis::register(m)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("DEFAULT_MODEL", cajal_model::DEFAULT_MODEL)?;
    Ok(())
}
