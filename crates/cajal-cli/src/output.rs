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

/// Sampled state rows: times, senders and one array per variable.
pub type StateRows = (Vec<f64>, Vec<u32>, Vec<(String, Vec<f64>)>);

/// Synapses as `(source gid, target gid, weight, delay ms)`.
pub type Connections = Vec<(u32, u32, f32, f64)>;

/// One population's outputs, of one process or (merged) of all.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct PopulationOutputs {
    /// Whether its spikes are recorded.
    pub records_spikes: bool,
    /// Recorded spikes, ordered by time then sender.
    pub times: Vec<f64>,
    /// Their senders.
    pub senders: Vec<u32>,
    /// The recorded neurons, in order.
    pub recorded: Vec<u32>,
    /// Sampled state: times, senders and one array per variable, ordered by time then sender.
    pub state: Option<StateRows>,
    /// Spikes emitted by all its neurons (recorded or not).
    pub spikes: u64,
    /// ISI CVs of its neurons with at least 3 spikes, in neuron order.
    pub cvs: Vec<f64>,
    /// Neurons of it that this process simulated.
    pub neurons: usize,
}

/// What a run writes, read from the simulation of one process (`collect`) and, in a run over
/// several processes, gathered onto process 0 and merged (`gather`): the files written are then
/// those of one process.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Outputs {
    /// Per population, in model order.
    pub populations: Vec<PopulationOutputs>,
    /// Per projection: its weights, when recorded.
    pub weights: Vec<Option<cajal_data::WeightsFile>>,
    /// Per astrocyte: its trace `(times, values)`, when a projection uses it.
    pub astrocytes: Vec<Option<(Vec<f64>, Vec<f64>)>>,
    /// Synaptic events delivered.
    pub events: u64,
    /// One line per process (one for a run in one process).
    pub processes: Vec<cajal_data::ProcessSummary>,
}

impl Outputs {
    /// This process's outputs.
    pub fn collect(
        sim: &Simulation,
        def: &cajal_core::NetworkDef,
        build_s: f64,
        simulate_s: f64,
    ) -> anyhow::Result<Outputs> {
        // the memory of the run, before its outputs are copied out of it (as before there were
        // processes to gather them from)
        let (peak_rss, rss) = (peak_rss_bytes(), status_kib("VmRSS:"));
        let mut populations = Vec::new();
        for id in sim.population_ids() {
            let s = sim.spike_trains(id)?;
            let counts = sim.spike_counts(id)?;
            let state = sim
                .state_trace(id)?
                .map(|st| (st.times, st.senders, st.variables));
            populations.push(PopulationOutputs {
                records_spikes: sim.records_spikes(id)?,
                times: s.times,
                senders: s.senders,
                recorded: sim.recorded_ids(id)?,
                state,
                spikes: counts.iter().map(|&c| c as u64).sum(),
                cvs: sim.isi_cvs(id)?,
                neurons: counts.len(),
            });
        }
        let mut weights = Vec::new();
        for ((id, _), proj) in sim.projection_ids().into_iter().zip(&def.projections) {
            weights.push(match proj.record_weights {
                Some(_) => sim.weights(id)?,
                None => None,
            });
        }
        let mut astrocytes = Vec::new();
        for (id, _) in sim.astrocyte_ids() {
            astrocytes.push(sim.astrocyte_trace(id)?);
        }
        let process = cajal_data::ProcessSummary {
            rank: sim.rank(),
            wall_s: WallTime {
                build: build_s,
                simulate: simulate_s,
            },
            peak_rss_bytes: peak_rss,
            rss_bytes: rss,
            synapse_bytes: sim.synapse_bytes(),
            neurons: populations.iter().map(|p| p.neurons).sum(),
            spikes: populations.iter().map(|p| p.spikes).sum(),
            synaptic_events: sim.synaptic_events(),
        };
        Ok(Outputs {
            populations,
            weights,
            astrocytes,
            events: sim.synaptic_events(),
            processes: vec![process],
        })
    }

    /// Every process's outputs merged, on process 0 (`None` on the others): collective, every
    /// process calls it.
    pub fn gather(
        sim: &mut Simulation,
        def: &cajal_core::NetworkDef,
        build_s: f64,
        simulate_s: f64,
    ) -> anyhow::Result<Option<Outputs>> {
        let mine = Outputs::collect(sim, def, build_s, simulate_s)?;
        if sim.processes() == 1 {
            return Ok(Some(mine));
        }
        let mut bytes = Vec::new();
        ciborium::ser::into_writer(&mine, &mut bytes)?;
        drop(mine);
        let parts = sim.communicator_mut().gather_bytes(&bytes);
        if parts.is_empty() {
            return Ok(None);
        }
        let parts = parts
            .iter()
            .map(|b| ciborium::de::from_reader(b.as_slice()))
            .collect::<Result<Vec<Outputs>, _>>()?;
        Ok(Some(Outputs::merge(parts)))
    }

    /// The outputs of processes holding consecutive neurons, as one process would have them:
    /// spikes and state rows sorted by time then sender (the order of one process), neuron
    /// lists and CVs joined in rank order (neuron order), weights joined partition by partition.
    pub fn merge(parts: Vec<Outputs>) -> Outputs {
        let mut it = parts.into_iter();
        let mut all = it.next().unwrap_or_default();
        for part in it {
            for (a, b) in all.populations.iter_mut().zip(part.populations) {
                a.records_spikes |= b.records_spikes;
                a.times.extend(b.times);
                a.senders.extend(b.senders);
                a.recorded.extend(b.recorded);
                a.spikes += b.spikes;
                a.cvs.extend(b.cvs);
                a.neurons += b.neurons;
                a.state = match (a.state.take(), b.state) {
                    (Some((mut t, mut s, mut v)), Some((t2, s2, v2))) => {
                        t.extend(t2);
                        s.extend(s2);
                        for ((_, x), (_, y)) in v.iter_mut().zip(v2) {
                            x.extend(y);
                        }
                        Some((t, s, v))
                    }
                    (a, b) => a.or(b),
                };
            }
            for (a, b) in all.weights.iter_mut().zip(part.weights) {
                *a = match (a.take(), b) {
                    (Some(mut x), Some(y)) => {
                        x.sources.extend(y.sources);
                        x.targets.extend(y.targets);
                        x.delays_ms.extend(y.delays_ms);
                        x.weights.extend(y.weights);
                        if x.times_ms.is_empty() {
                            x.times_ms = y.times_ms;
                        }
                        if x.history.is_empty() {
                            x.history = y.history;
                        } else {
                            for (r, r2) in x.history.iter_mut().zip(y.history) {
                                r.extend(r2);
                            }
                        }
                        Some(x)
                    }
                    (x, y) => x.or(y),
                };
            }
            for (a, b) in all.astrocytes.iter_mut().zip(part.astrocytes) {
                if a.is_none() {
                    *a = b;
                }
            }
            all.events += part.events;
            all.processes.extend(part.processes);
        }
        for p in &mut all.populations {
            let mut order: Vec<usize> = (0..p.times.len()).collect();
            order.sort_by(|&i, &j| {
                p.times[i]
                    .total_cmp(&p.times[j])
                    .then(p.senders[i].cmp(&p.senders[j]))
            });
            p.times = order.iter().map(|&i| p.times[i]).collect();
            p.senders = order.iter().map(|&i| p.senders[i]).collect();
            if let Some((t, s, v)) = &mut p.state {
                let mut order: Vec<usize> = (0..t.len()).collect();
                order.sort_by(|&i, &j| t[i].total_cmp(&t[j]).then(s[i].cmp(&s[j])));
                *t = order.iter().map(|&i| t[i]).collect();
                *s = order.iter().map(|&i| s[i]).collect();
                for (_, x) in v.iter_mut() {
                    *x = order.iter().map(|&i| x[i]).collect();
                }
            }
        }
        all
    }
}

/// The summary of a run of `model` as `sim` stands, with its (merged) outputs.
pub fn summary(model: &cajal_model::Model, sim: &Simulation, outputs: &Outputs) -> RunSummary {
    let process0 = outputs.processes.first().cloned().unwrap_or_default();
    let (build_s, simulate_s) = (process0.wall_s.build, process0.wall_s.simulate);
    let events = outputs.events;
    let populations = sim
        .populations()
        .iter()
        .zip(&outputs.populations)
        .map(|(p, o)| {
            let st =
                cajal_core::PopulationStats::from_parts(o.spikes, &o.cvs, p.size, sim.time_ms());
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
    let distributed = outputs.processes.len() > 1;
    let largest = |f: fn(&cajal_data::ProcessSummary) -> Option<u64>| {
        outputs.processes.iter().filter_map(f).max()
    };
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
        peak_rss_bytes: largest(|p| p.peak_rss_bytes),
        rss_bytes: largest(|p| p.rss_bytes),
        memory_estimate_bytes: cajal_core::memory::estimate(model.def(), sim.threads())
            .peak_bytes
            .round()
            / outputs.processes.len().max(1) as f64,
        synapse_bytes: outputs.processes.iter().map(|p| p.synapse_bytes).sum(),
        partial: false,
        resumed_from_ms: None,
        connectivity_crc32: None,
        populations,
        processes: if distributed {
            outputs.processes.clone()
        } else {
            Vec::new()
        },
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
    let events = summary.synaptic_events.saturating_sub(events_before);
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
    outputs: &Outputs,
    def: &cajal_core::NetworkDef,
    summary: &RunSummary,
    plot: bool,
) -> anyhow::Result<()> {
    let folder = RunFolder::new(out);
    write_weights(out, outputs, def, plot)?;
    for (a, trace) in def.astrocytes.iter().zip(&outputs.astrocytes) {
        if let Some((times, values)) = trace {
            folder.write_astrocyte(&a.name, times, values)?;
        }
    }
    for (p, o) in def.populations.iter().zip(&outputs.populations) {
        if o.records_spikes {
            let file = SpikeFile {
                times: o.times.clone(),
                senders: o.senders.clone(),
                neurons: Some(o.recorded.clone()),
            };
            folder.write_spikes(&p.name, &file)?;
        }
        if let Some((times, senders, variables)) = &o.state {
            folder.write_state(&p.name, times, senders, variables)?;
        }
    }
    folder.write_summary(summary)?;
    Ok(())
}

/// Writes `weights/<projection>.npz` for every projection whose weights are recorded and, with
/// `plot`, a histogram of the final weights as `weights/<projection>.png`.
pub fn write_weights(
    out: &Path,
    outputs: &Outputs,
    def: &cajal_core::NetworkDef,
    plot: bool,
) -> anyhow::Result<()> {
    let folder = RunFolder::new(out);
    for (file, proj) in outputs.weights.iter().zip(&def.projections) {
        let Some(file) = file else {
            continue;
        };
        folder.write_weights(&proj.name, file)?;
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

/// Every synapse of the network as `(source gid, target gid, weight, delay ms)`, sorted by
/// target then source, on process 0 (`None` on the others): collective.
pub fn gather_connectivity(sim: &mut Simulation) -> anyhow::Result<Option<Connections>> {
    let mine = sim.connections();
    if sim.processes() == 1 {
        return Ok(Some(mine));
    }
    let mut bytes = Vec::new();
    ciborium::ser::into_writer(&mine, &mut bytes)?;
    let parts = sim.communicator_mut().gather_bytes(&bytes);
    if parts.is_empty() {
        return Ok(None);
    }
    let mut all = Vec::new();
    for b in parts {
        let part: Connections = ciborium::de::from_reader(b.as_slice())?;
        all.extend(part);
    }
    // each process's are sorted and hold other targets: joined, sorted again as one process's
    all.sort_by_key(|&(s, t, _, _)| (t, s));
    Ok(Some(all))
}

/// Writes connectivity.npz: `sources`, `targets` (global ids: populations counted in model order
/// from 0), `weights` and `delays` (ms) of every synapse `c`, sorted by target then source.
/// Returns the connections' CRC-32 (`connectivity_crc32` of summary.json).
pub fn write_connectivity(out: &Path, c: &[(u32, u32, f32, f64)]) -> anyhow::Result<u32> {
    let sources: Vec<u32> = c.iter().map(|x| x.0).collect();
    let targets: Vec<u32> = c.iter().map(|x| x.1).collect();
    let weights: Vec<f64> = c.iter().map(|x| x.2 as f64).collect();
    let delays: Vec<f64> = c.iter().map(|x| x.3).collect();
    RunFolder::new(out).write_connectivity(&sources, &targets, &weights, &delays)?;
    Ok(cajal_data::connectivity_crc32(&sources, &targets))
}
