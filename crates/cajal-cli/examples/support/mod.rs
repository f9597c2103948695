//! What the examples share: the label font of their figures and a population builder.

use cajal_core::{ModelKind, PopulationDef};
use plotters::style::FontStyle;

/// Registers DejaVu Sans (Debian's fonts-dejavu-core) as "sans-serif" for the labels; false
/// without it (the figures are then drawn without text).
pub fn register_font() -> bool {
    [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
    ]
    .iter()
    .filter_map(|p| std::fs::read(p).ok())
    .any(|b| {
        let b: &'static [u8] = Box::leak(b.into_boxed_slice());
        plotters::style::register_font("sans-serif", FontStyle::Normal, b).is_ok()
    })
}

/// A population of `size` neurons of `kind` with parameters `params` (defaults for the rest).
pub fn population(
    name: &str,
    kind: ModelKind,
    size: usize,
    params: &[(&str, f64)],
) -> PopulationDef {
    PopulationDef {
        name: name.into(),
        kind,
        size,
        params: params.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        initial: vec![],
        spike_times: vec![],
        threshold: None,
    }
}
