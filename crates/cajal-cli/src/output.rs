//! The run folder: summary.json, spikes/<population>.npz, state/<population>.npz,
//! weights/<projection>.npz, astrocytes/<astrocyte>.npz.

use cajal_core::Simulation;
use cajal_data::{write_atomic, write_npz, NpzArray, RunFolder};
use serde::Serialize;
use std::path::Path;

/// Wall-clock seconds of the two phases.
#[derive(Serialize)]
pub struct WallTime {
    pub build: f64,
    pub simulate: f64,
}

/// One population's line of the summary.
#[derive(Serialize)]
pub struct PopulationSummary {
    pub name: String,
    pub model: String,
    pub size: usize,
    pub spikes: u64,
    pub rate_hz: f64,
    /// Mean ISI CV over neurons with >= 3 spikes; null when none has.
    pub cv_isi: Option<f64>,
}

/// summary.json.
#[derive(Serialize)]
pub struct Summary {
    pub model: String,
    pub cajal_version: String,
    pub neurons: usize,
    pub synapses: u64,
    pub duration_ms: f64,
    pub dt_ms: f64,
    pub threads: usize,
    pub seed: u64,
    pub interval_ms: f64,
    pub wall_s: WallTime,
    pub synaptic_events: u64,
    pub events_per_s: f64,
    pub realtime_factor: f64,
    pub peak_rss_bytes: Option<u64>,
    /// Resident memory when the summary is written (VmRSS), after the run.
    pub rss_bytes: Option<u64>,
    /// The estimate made before building (`cajal_core::memory::estimate`).
    pub memory_estimate_bytes: f64,
    pub synapse_bytes: u64,
    pub partial: bool,
    pub populations: Vec<PopulationSummary>,
}

/// Peak resident memory of this process (Linux: VmHWM), if known.
pub fn peak_rss_bytes() -> Option<u64> {
    status_kib("VmHWM:")
}

/// A memory line of /proc/self/status in bytes (Linux), if known.
fn status_kib(key: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with(key))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

impl Summary {
    pub fn new(
        model: &cajal_model::Model,
        sim: &Simulation,
        build_s: f64,
        simulate_s: f64,
    ) -> Self {
        let events = sim.synaptic_events();
        let populations = sim
            .populations()
            .iter()
            .zip(sim.population_ids())
            .map(|(p, id)| {
                let st = sim
                    .population_stats(id)
                    .expect("the simulation's own handle");
                PopulationSummary {
                    name: p.name.clone(),
                    model: p.kind.name().to_string(),
                    size: p.size,
                    spikes: st.spikes,
                    rate_hz: st.rate_hz,
                    cv_isi: st.cv_isi.is_finite().then_some(st.cv_isi),
                }
            })
            .collect();
        Summary {
            model: model.name.clone(),
            cajal_version: env!("CARGO_PKG_VERSION").to_string(),
            neurons: sim.neurons(),
            synapses: sim.synapses(),
            duration_ms: sim.time_ms(),
            dt_ms: sim.dt(),
            threads: sim.threads(),
            seed: sim.seed(),
            interval_ms: sim.interval_steps() as f64 * sim.dt(),
            wall_s: WallTime {
                build: build_s,
                simulate: simulate_s,
            },
            synaptic_events: events,
            events_per_s: if simulate_s > 0.0 {
                events as f64 / simulate_s
            } else {
                0.0
            },
            realtime_factor: if sim.time_ms() > 0.0 {
                simulate_s / (sim.time_ms() / 1000.0)
            } else {
                0.0
            },
            peak_rss_bytes: peak_rss_bytes(),
            rss_bytes: status_kib("VmRSS:"),
            memory_estimate_bytes: cajal_core::memory::estimate(model.def(), sim.threads())
                .peak_bytes
                .round(),
            synapse_bytes: sim.synapse_bytes(),
            partial: false,
            populations,
        }
    }

    pub fn print_table(&self, out: &Path) {
        println!(
            "{}: {} neurons, {} synapses, {} ms at dt {} ms, seed {}, {} threads",
            self.model,
            self.neurons,
            self.synapses,
            self.duration_ms,
            self.dt_ms,
            self.seed,
            self.threads
        );
        println!(
            "build {:.2} s, simulate {:.2} s ({:.2} x real time), {:.3e} synaptic events/s, peak RSS {}",
            self.wall_s.build,
            self.wall_s.simulate,
            self.realtime_factor,
            self.events_per_s,
            self.peak_rss_bytes.map(|b| format!("{:.1} MiB", b as f64 / 1048576.0)).unwrap_or_else(|| "unknown".into())
        );
        println!(
            "{:<16} {:<16} {:>8} {:>10} {:>10} {:>8}",
            "population", "model", "size", "spikes", "rate (Hz)", "CV ISI"
        );
        for p in &self.populations {
            println!(
                "{:<16} {:<16} {:>8} {:>10} {:>10.3} {:>8}",
                p.name,
                p.model,
                p.size,
                p.spikes,
                p.rate_hz,
                p.cv_isi
                    .map(|c| format!("{c:.3}"))
                    .unwrap_or_else(|| "-".into())
            );
        }
        println!("outputs in {}", out.display());
    }
}

/// Writes summary.json and the NPZ files of every recorded population.
pub fn write_all(
    out: &Path,
    sim: &Simulation,
    def: &cajal_core::NetworkDef,
    summary: &Summary,
    plot: bool,
) -> anyhow::Result<()> {
    let folder = RunFolder::new(out);
    write_weights(out, sim, def, plot)?;
    for (id, name) in sim.astrocyte_ids() {
        if let Some((times, values)) = sim.astrocyte_trace(id)? {
            let file = folder.astrocyte(name);
            std::fs::create_dir_all(file.parent().expect("in a folder"))?;
            write_npz(
                &file,
                &[
                    ("times", NpzArray::F64(&times)),
                    ("values", NpzArray::F64(&values)),
                ],
            )?;
        }
    }
    for (p, id) in sim.populations().iter().zip(sim.population_ids()) {
        if sim.records_spikes(id)? {
            let file = folder.spikes(&p.name);
            std::fs::create_dir_all(file.parent().expect("in a folder"))?;
            let s = sim.spike_trains(id)?;
            write_npz(
                &file,
                &[
                    ("times", NpzArray::F64(&s.times)),
                    ("senders", NpzArray::U32(&s.senders)),
                    ("neurons", NpzArray::U32(&sim.recorded_ids(id)?)),
                ],
            )?;
        }
        if let Some(st) = sim.state_trace(id)? {
            let file = folder.state(&p.name);
            std::fs::create_dir_all(file.parent().expect("in a folder"))?;
            let mut arrays = vec![
                ("times", NpzArray::F64(&st.times)),
                ("senders", NpzArray::U32(&st.senders)),
            ];
            for (name, v) in &st.variables {
                arrays.push((name.as_str(), NpzArray::F64(v)));
            }
            write_npz(&file, &arrays)?;
        }
    }
    let json = serde_json::to_string_pretty(summary)?;
    write_atomic(&folder.summary(), |f| {
        use std::io::Write;
        f.write_all(json.as_bytes())?;
        f.write_all(b"\n")
    })?;
    Ok(())
}

/// Writes `weights/<projection>.npz` for every projection whose weights are recorded: `sources`,
/// `targets` (indices within their populations), `delays` (ms), `weights` (at the end) and, when
/// recorded over time, `times` (ms) and `history` (one row of weights per time); with `plot`, a
/// histogram of the final weights as `weights/<projection>.png`.
pub fn write_weights(
    out: &Path,
    sim: &Simulation,
    def: &cajal_core::NetworkDef,
    plot: bool,
) -> anyhow::Result<()> {
    let folder = RunFolder::new(out);
    for ((id, _), proj) in sim.projection_ids().into_iter().zip(&def.projections) {
        if proj.record_weights.is_none() {
            continue;
        }
        let Some(w) = sim.weights(id)? else { continue };
        let file = folder.weights(&proj.name);
        std::fs::create_dir_all(file.parent().expect("in a folder"))?;
        let flat: Vec<f64> = w.history.concat();
        let mut arrays = vec![
            ("sources", NpzArray::U32(&w.sources)),
            ("targets", NpzArray::U32(&w.targets)),
            ("delays", NpzArray::F64(&w.delays_ms)),
            ("weights", NpzArray::F64(&w.weights)),
        ];
        if !w.times_ms.is_empty() {
            arrays.push(("times", NpzArray::F64(&w.times_ms)));
            arrays.push((
                "history",
                NpzArray::F64Matrix(&flat, w.times_ms.len(), w.weights.len()),
            ));
        }
        write_npz(&file, &arrays)?;
        if plot && !w.weights.is_empty() {
            let (lo, hi) = match &proj.plasticity {
                Some(rule) => {
                    let (a, b) = (rule.w_min() * rule.w_max().signum(), rule.w_max());
                    (a.min(b), a.max(b))
                }
                None => {
                    let lo = w.weights.iter().copied().fold(f64::INFINITY, f64::min);
                    let hi = w.weights.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    (lo.min(0.0), hi.max(0.0) + 1e-12)
                }
            };
            crate::figures::weight_histogram(
                &folder.weights_figure(&proj.name),
                &w.weights,
                (lo, hi),
                &format!(
                    "{}: final weights ({} synapses)",
                    proj.name,
                    w.weights.len()
                ),
            )?;
        }
    }
    Ok(())
}

/// Writes connectivity.npz: `sources`, `targets` (global ids: populations counted in model order
/// from 0), `weights` and `delays` (ms) of every synapse, sorted by target then source.
pub fn write_connectivity(out: &Path, sim: &Simulation) -> anyhow::Result<()> {
    let c = sim.connections();
    let sources: Vec<u32> = c.iter().map(|x| x.0).collect();
    let targets: Vec<u32> = c.iter().map(|x| x.1).collect();
    let weights: Vec<f64> = c.iter().map(|x| x.2 as f64).collect();
    let delays: Vec<f64> = c.iter().map(|x| x.3).collect();
    write_npz(
        &RunFolder::new(out).connectivity(),
        &[
            ("sources", NpzArray::U32(&sources)),
            ("targets", NpzArray::U32(&targets)),
            ("weights", NpzArray::F64(&weights)),
            ("delays", NpzArray::F64(&delays)),
        ],
    )?;
    Ok(())
}
