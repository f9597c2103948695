//! A simulation's outputs, written into its run folder through `cajal_data::RunFolder` (the
//! layout, names and file formats the analysis reads back): summary.json,
//! spikes/<population>.npz, state/<population>.npz, weights/<projection>.npz,
//! astrocytes/<astrocyte>.npz, connectivity.npz.

use cajal_core::Simulation;
use cajal_data::{PopulationSummary, RunFolder, RunSummary, SpikeFile, WallTime};
use std::path::Path;

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

/// The summary of a run of `model` as `sim` stands.
pub fn summary(
    model: &cajal_model::Model,
    sim: &Simulation,
    build_s: f64,
    simulate_s: f64,
) -> RunSummary {
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
    RunSummary {
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
        resumed_from_ms: None,
        connectivity_crc32: None,
        populations,
    }
}

/// Marks a summary as that of a run resumed at `from_ms`: its speed (events per second,
/// real-time factor) counts the part simulated since, not the whole run.
pub fn mark_resumed(
    summary: &mut RunSummary,
    sim: &Simulation,
    from_ms: f64,
    events_before: u64,
    simulate_s: f64,
) {
    summary.resumed_from_ms = Some(from_ms);
    let events = sim.synaptic_events().saturating_sub(events_before);
    let simulated_s = (sim.time_ms() - from_ms) / 1000.0;
    summary.events_per_s = if simulate_s > 0.0 {
        events as f64 / simulate_s
    } else {
        0.0
    };
    summary.realtime_factor = if simulated_s > 0.0 {
        simulate_s / simulated_s
    } else {
        0.0
    };
}

/// Prints the summary as a table.
pub fn print_table(summary: &RunSummary, out: &Path) {
    println!(
        "{}: {} neurons, {} synapses, {} ms at dt {} ms, seed {}, {} threads",
        summary.model,
        summary.neurons,
        summary.synapses,
        summary.duration_ms,
        summary.dt_ms,
        summary.seed,
        summary.threads
    );
    println!(
            "build {:.2} s, simulate {:.2} s ({:.2} x real time), {:.3e} synaptic events/s, peak RSS {}",
            summary.wall_s.build,
            summary.wall_s.simulate,
            summary.realtime_factor,
            summary.events_per_s,
            summary.peak_rss_bytes.map(|b| format!("{:.1} MiB", b as f64 / 1048576.0)).unwrap_or_else(|| "unknown".into())
        );
    println!(
        "{:<16} {:<16} {:>8} {:>10} {:>10} {:>8}",
        "population", "model", "size", "spikes", "rate (Hz)", "CV ISI"
    );
    for p in &summary.populations {
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

/// Writes summary.json and the files of every recorded population, projection and astrocyte.
pub fn write_all(
    out: &Path,
    sim: &Simulation,
    def: &cajal_core::NetworkDef,
    summary: &RunSummary,
    plot: bool,
) -> anyhow::Result<()> {
    let folder = RunFolder::new(out);
    write_weights(out, sim, def, plot)?;
    for (id, name) in sim.astrocyte_ids() {
        if let Some((times, values)) = sim.astrocyte_trace(id)? {
            folder.write_astrocyte(name, &times, &values)?;
        }
    }
    for (p, id) in sim.populations().iter().zip(sim.population_ids()) {
        if sim.records_spikes(id)? {
            let s = sim.spike_trains(id)?;
            let file = SpikeFile {
                times: s.times,
                senders: s.senders,
                neurons: Some(sim.recorded_ids(id)?),
            };
            folder.write_spikes(&p.name, &file)?;
        }
        if let Some(st) = sim.state_trace(id)? {
            folder.write_state(&p.name, &st.times, &st.senders, &st.variables)?;
        }
    }
    folder.write_summary(summary)?;
    Ok(())
}

/// Writes `weights/<projection>.npz` for every projection whose weights are recorded and, with
/// `plot`, a histogram of the final weights as `weights/<projection>.png`.
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
        let Some(file) = sim.weights(id)? else {
            continue;
        };
        folder.write_weights(&proj.name, &file)?;
        if plot && !file.weights.is_empty() {
            let (lo, hi) = match &proj.plasticity {
                Some(rule) => {
                    let (a, b) = (rule.w_min() * rule.w_max().signum(), rule.w_max());
                    (a.min(b), a.max(b))
                }
                None => {
                    let lo = file.weights.iter().copied().fold(f64::INFINITY, f64::min);
                    let hi = file
                        .weights
                        .iter()
                        .copied()
                        .fold(f64::NEG_INFINITY, f64::max);
                    (lo.min(0.0), hi.max(0.0) + 1e-12)
                }
            };
            crate::figures::weight_histogram(
                &folder.weights_figure(&proj.name),
                &file.weights,
                (lo, hi),
                &format!(
                    "{}: final weights ({} synapses)",
                    proj.name,
                    file.weights.len()
                ),
            )?;
        }
    }
    Ok(())
}

/// Writes connectivity.npz: `sources`, `targets` (global ids: populations counted in model order
/// from 0), `weights` and `delays` (ms) of every synapse, sorted by target then source.
/// Returns the connections' CRC-32 (`connectivity_crc32` of summary.json).
pub fn write_connectivity(out: &Path, sim: &Simulation) -> anyhow::Result<u32> {
    let c = sim.connections();
    let sources: Vec<u32> = c.iter().map(|x| x.0).collect();
    let targets: Vec<u32> = c.iter().map(|x| x.1).collect();
    let weights: Vec<f64> = c.iter().map(|x| x.2 as f64).collect();
    let delays: Vec<f64> = c.iter().map(|x| x.3).collect();
    RunFolder::new(out).write_connectivity(&sources, &targets, &weights, &delays)?;
    Ok(cajal_data::connectivity_crc32(&sources, &targets))
}
