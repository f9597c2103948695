//! The run folder, shared by whatever writes one (the `cajal` binary, later Python) and whatever
//! reads one back (the analysis): where each output lies, the one rule that turns a population's,
//! projection's or astrocyte's name into a file name, the summary's type, a writer for every
//! file and readers for what the analysis reads back (summary and spikes).

use crate::{read_npz_numbers, write_atomic, write_npz, DataError, NpzArray};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Wall-clock seconds of the two phases of a run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WallTime {
    /// Building the network.
    pub build: f64,
    /// Simulating it.
    pub simulate: f64,
}

/// One population's line of the summary.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PopulationSummary {
    /// Its name.
    pub name: String,
    /// Neuron model (NEST name).
    pub model: String,
    /// Neurons.
    pub size: usize,
    /// Spikes of all its neurons.
    pub spikes: u64,
    /// Mean rate per neuron (Hz).
    pub rate_hz: f64,
    /// Mean ISI CV over neurons with >= 3 spikes; null when none has.
    pub cv_isi: Option<f64>,
}

/// `summary.json`: what was run, how long it took, and each population's rates. Fields missing
/// from an older file read as their defaults.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RunSummary {
    /// Model name.
    pub model: String,
    /// Version of Cajal that ran it.
    pub cajal_version: String,
    /// Neurons in the network.
    pub neurons: usize,
    /// Synapses in the network.
    pub synapses: u64,
    /// Simulated time (ms).
    pub duration_ms: f64,
    /// Time step (ms).
    pub dt_ms: f64,
    /// Worker threads.
    pub threads: usize,
    /// Seed.
    pub seed: u64,
    /// Length of a communication interval (ms).
    pub interval_ms: f64,
    /// Wall-clock time.
    pub wall_s: WallTime,
    /// Synaptic events delivered.
    pub synaptic_events: u64,
    /// Synaptic events per wall second of simulation.
    pub events_per_s: f64,
    /// Wall seconds per simulated second.
    pub realtime_factor: f64,
    /// Peak resident memory (VmHWM), if known.
    pub peak_rss_bytes: Option<u64>,
    /// Resident memory when the summary is written (VmRSS), after the run.
    pub rss_bytes: Option<u64>,
    /// The estimate made before building (`cajal_core::memory::estimate`).
    pub memory_estimate_bytes: f64,
    /// Bytes held by synapse storage.
    pub synapse_bytes: u64,
    /// True when the run stopped early (interrupted, or a numerical error).
    pub partial: bool,
    /// Set when the run was resumed from a checkpoint at this time (ms): `wall_s`,
    /// `events_per_s` and `realtime_factor` then count the part simulated since.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resumed_from_ms: Option<f64>,
    /// CRC-32 of the network's connections (sources then targets, 32-bit little-endian), when
    /// `connectivity.npz` was written: `cajal analyze --connectome` checks that a connectome is
    /// this run's ([`connectivity_crc32`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connectivity_crc32: Option<u32>,
    /// One line per population, in model order.
    pub populations: Vec<PopulationSummary>,
    /// A run over several processes (`mpirun -np N cajal run`): one line per process, in rank
    /// order (absent for a run in one process). The run's `wall_s` are process 0's, its
    /// `peak_rss_bytes` and `rss_bytes` the largest of any process, its `synapse_bytes` the sum
    /// and its `memory_estimate_bytes` the estimate for one process.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub processes: Vec<ProcessSummary>,
}

/// One process of a distributed run, in `summary.json`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProcessSummary {
    /// Its rank.
    pub rank: usize,
    /// Its wall-clock seconds of building and simulating.
    pub wall_s: WallTime,
    /// Its peak resident memory (Linux: VmHWM), if known.
    pub peak_rss_bytes: Option<u64>,
    /// Its resident memory at the end, if known.
    pub rss_bytes: Option<u64>,
    /// Bytes of its synapse storage.
    pub synapse_bytes: u64,
    /// Neurons it simulated.
    pub neurons: usize,
    /// Spikes its neurons emitted.
    pub spikes: u64,
    /// Synaptic events it delivered.
    pub synaptic_events: u64,
}

/// CRC-32 of a connectivity's sources then targets, each as 32-bit little-endian integers: what
/// `summary.json` records as `connectivity_crc32`.
pub fn connectivity_crc32(sources: &[u32], targets: &[u32]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    for list in [sources, targets] {
        for x in list {
            h.update(&x.to_le_bytes());
        }
    }
    h.finalize()
}

/// A spike file: recorded spikes of one population.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SpikeFile {
    /// Spike times (ms), sorted.
    pub times: Vec<f64>,
    /// Senders (indices in the population), aligned with `times`.
    pub senders: Vec<u32>,
    /// The recorded neurons; `None` in files written before it was stored (then: all).
    pub neurons: Option<Vec<u32>>,
}

/// Longest file stem written (bytes); longer names are cut and keep a hash of the whole name, so
/// that file names stay within the 255 bytes most file systems allow.
const MAX_STEM: usize = 120;

/// A name made safe and unambiguous as a file stem: `->` (projections' default names) becomes
/// `_to_`; letters and digits of any script, `-` and `_` stay; a `.` stays unless it starts the
/// name (no hidden files, no `.` or `..`); every other character becomes `%XX` for each of its
/// UTF-8 bytes (`L2/3E` → `L2%2F3E`). Distinct names without `->` or `_to_` give distinct stems.
pub fn file_stem(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for (i, c) in name.replace("->", "_to_").chars().enumerate() {
        if c.is_alphanumeric() || c == '-' || c == '_' || (c == '.' && i > 0) {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    if out.is_empty() {
        out.push_str("%00");
    }
    if out.len() > MAX_STEM {
        let mut cut = MAX_STEM - 17;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        let hash = crc32fast::hash(name.as_bytes());
        let len = name.len() as u32;
        out = format!("{}~{hash:08x}{len:08x}", &out[..cut]);
    }
    out
}

/// Where the outputs of one run lie.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunFolder {
    root: PathBuf,
}

impl RunFolder {
    /// The run folder at `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        RunFolder { root: root.into() }
    }

    /// The folder itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `summary.json`: sizes, times, rates, and the populations' names.
    pub fn summary(&self) -> PathBuf {
        self.root.join("summary.json")
    }

    /// Folder of the spike files.
    pub fn spikes_dir(&self) -> PathBuf {
        self.root.join("spikes")
    }

    /// `spikes/<population>.npz`: `times`, `senders`, `neurons`.
    pub fn spikes(&self, population: &str) -> PathBuf {
        self.spikes_dir()
            .join(format!("{}.npz", file_stem(population)))
    }

    /// `state/<population>.npz`: `times`, `senders` and one array per variable.
    pub fn state(&self, population: &str) -> PathBuf {
        self.root
            .join("state")
            .join(format!("{}.npz", file_stem(population)))
    }

    /// `weights/<projection>.npz`.
    pub fn weights(&self, projection: &str) -> PathBuf {
        self.root
            .join("weights")
            .join(format!("{}.npz", file_stem(projection)))
    }

    /// `weights/<projection>.png`: histogram of the final weights.
    pub fn weights_figure(&self, projection: &str) -> PathBuf {
        self.root
            .join("weights")
            .join(format!("{}.png", file_stem(projection)))
    }

    /// `astrocytes/<astrocyte>.npz`: `times`, `values`.
    pub fn astrocyte(&self, astrocyte: &str) -> PathBuf {
        self.root
            .join("astrocytes")
            .join(format!("{}.npz", file_stem(astrocyte)))
    }

    /// `connectivity.npz`: every synapse.
    pub fn connectivity(&self) -> PathBuf {
        self.root.join("connectivity.npz")
    }

    /// `raster.png`.
    pub fn raster(&self) -> PathBuf {
        self.root.join("raster.png")
    }

    /// Writes `summary.json` (atomically).
    pub fn write_summary(&self, summary: &RunSummary) -> Result<(), DataError> {
        let path = self.summary();
        let json = serde_json::to_string_pretty(summary).map_err(|e| DataError::Format {
            path: path.clone(),
            message: e.to_string(),
        })?;
        write_atomic(&path, |f| {
            use std::io::Write;
            f.write_all(json.as_bytes())?;
            f.write_all(b"\n")
        })
    }

    /// Reads `summary.json`.
    pub fn read_summary(&self) -> Result<RunSummary, DataError> {
        let path = self.summary();
        let text = std::fs::read_to_string(&path).map_err(|source| DataError::Io {
            path: path.clone(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|e| DataError::Format {
            path,
            message: format!("not a run summary ({e})"),
        })
    }

    /// Writes `spikes/<population>.npz`: `times` (ms), `senders`, `neurons` (the recorded ones).
    pub fn write_spikes(&self, population: &str, spikes: &SpikeFile) -> Result<(), DataError> {
        let path = self.spikes(population);
        make_parent(&path)?;
        let mut arrays = vec![
            ("times", NpzArray::F64(&spikes.times)),
            ("senders", NpzArray::U32(&spikes.senders)),
        ];
        if let Some(neurons) = &spikes.neurons {
            arrays.push(("neurons", NpzArray::U32(neurons)));
        }
        write_npz(&path, &arrays)
    }

    /// Reads `spikes/<population>.npz`; `None` when the population recorded no spikes. Folders
    /// written before names were encoded (`spikes/a b.npz`) are read too.
    pub fn read_spikes(&self, population: &str) -> Result<Option<SpikeFile>, DataError> {
        let mut path = self.spikes(population);
        let plain = !population.is_empty()
            && !population.starts_with('.')
            && !population.contains(['/', '\\', '\0']);
        if !path.exists() && plain {
            path = self.spikes_dir().join(format!("{population}.npz"));
        }
        if !path.exists() {
            return Ok(None);
        }
        let neurons = match read_npz_numbers(&path, "neurons") {
            Ok(v) => Some(indices(&path, "neurons", v)?),
            Err(_) => None,
        };
        Ok(Some(SpikeFile {
            times: read_npz_numbers(&path, "times")?,
            senders: indices(&path, "senders", read_npz_numbers(&path, "senders")?)?,
            neurons,
        }))
    }

    /// Writes `state/<population>.npz`: `times`, `senders` and one array per variable (NEST's
    /// multimeter layout).
    pub fn write_state(
        &self,
        population: &str,
        times: &[f64],
        senders: &[u32],
        variables: &[(String, Vec<f64>)],
    ) -> Result<(), DataError> {
        let path = self.state(population);
        make_parent(&path)?;
        let mut arrays = vec![
            ("times", NpzArray::F64(times)),
            ("senders", NpzArray::U32(senders)),
        ];
        for (name, v) in variables {
            arrays.push((name.as_str(), NpzArray::F64(v)));
        }
        write_npz(&path, &arrays)
    }

    /// Writes `weights/<projection>.npz`: `sources`, `targets`, `delays` (ms), `weights` (now)
    /// and, when recorded over time, `times` (ms) and `history` (one row per time).
    pub fn write_weights(&self, projection: &str, w: &WeightsFile) -> Result<(), DataError> {
        let path = self.weights(projection);
        make_parent(&path)?;
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
        write_npz(&path, &arrays)
    }

    /// Writes `astrocytes/<astrocyte>.npz`: `times` (ms) and `values`.
    pub fn write_astrocyte(
        &self,
        name: &str,
        times: &[f64],
        values: &[f64],
    ) -> Result<(), DataError> {
        let path = self.astrocyte(name);
        make_parent(&path)?;
        write_npz(
            &path,
            &[
                ("times", NpzArray::F64(times)),
                ("values", NpzArray::F64(values)),
            ],
        )
    }

    /// Writes `connectivity.npz`: `sources`, `targets` (global ids), `weights`, `delays` (ms).
    pub fn write_connectivity(
        &self,
        sources: &[u32],
        targets: &[u32],
        weights: &[f64],
        delays: &[f64],
    ) -> Result<(), DataError> {
        write_npz(
            &self.connectivity(),
            &[
                ("sources", NpzArray::U32(sources)),
                ("targets", NpzArray::U32(targets)),
                ("weights", NpzArray::F64(weights)),
                ("delays", NpzArray::F64(delays)),
            ],
        )
    }
}

/// A weight file's arrays (what `cajal_core::Simulation::weights` returns).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WeightsFile {
    /// Source of each synapse (index in its population).
    pub sources: Vec<u32>,
    /// Target of each synapse (index in its population).
    pub targets: Vec<u32>,
    /// Delay of each synapse (ms).
    pub delays_ms: Vec<f64>,
    /// Weights now (every event so far applied; at the end of a run).
    pub weights: Vec<f64>,
    /// Times of the snapshots (ms).
    pub times_ms: Vec<f64>,
    /// One row of weights per snapshot, aligned with `sources`.
    pub history: Vec<Vec<f64>>,
}

/// Neuron indices stored as numbers of any type: whole, from 0 to 2^32 - 1.
fn indices(path: &Path, name: &str, v: Vec<f64>) -> Result<Vec<u32>, DataError> {
    match v
        .iter()
        .position(|&x| !(x >= 0.0 && x <= u32::MAX as f64 && x.fract() == 0.0))
    {
        Some(k) => Err(DataError::Format {
            path: path.to_path_buf(),
            message: format!(
                "{name}[{k}] is {}, not a neuron index (a whole number >= 0)",
                v[k]
            ),
        }),
        None => Ok(v.into_iter().map(|x| x as u32).collect()),
    }
}

fn make_parent(path: &Path) -> Result<(), DataError> {
    let dir = path.parent().expect("a file in a folder");
    std::fs::create_dir_all(dir).map_err(|source| DataError::Io {
        path: dir.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_written_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let folder = RunFolder::new(dir.path().join("run"));
        let spikes = SpikeFile {
            times: vec![0.5, 1.0, 2.5],
            senders: vec![3, 0, 3],
            neurons: Some(vec![0, 3]),
        };
        folder.write_spikes("L2/3E", &spikes).unwrap();
        assert_eq!(folder.read_spikes("L2/3E").unwrap(), Some(spikes.clone()));
        let all = SpikeFile {
            neurons: None,
            ..spikes.clone()
        };
        folder.write_spikes("all", &all).unwrap();
        assert_eq!(folder.read_spikes("all").unwrap(), Some(all));
        // a folder written before names were encoded
        std::fs::copy(folder.spikes("L2/3E"), folder.spikes_dir().join("a b.npz")).unwrap();
        assert_eq!(folder.read_spikes("a b").unwrap(), Some(spikes));
        assert_eq!(folder.read_spikes("L4E").unwrap(), None);
        let summary = RunSummary {
            model: "m".into(),
            duration_ms: 12.5,
            populations: vec![PopulationSummary {
                name: "L2/3E".into(),
                size: 4,
                cv_isi: None,
                ..Default::default()
            }],
            ..Default::default()
        };
        folder.write_summary(&summary).unwrap();
        assert_eq!(folder.read_summary().unwrap(), summary);
        std::fs::write(folder.summary(), "{\"duration_ms\": 3.0}").unwrap();
        assert_eq!(folder.read_summary().unwrap().duration_ms, 3.0);
        std::fs::write(folder.summary(), "[1, 2]").unwrap();
        let e = folder.read_summary().unwrap_err().to_string();
        assert!(e.contains("summary.json: not a run summary"), "{e}");
    }

    #[test]
    fn names_become_safe_distinct_stems() {
        assert_eq!(file_stem("E"), "E");
        assert_eq!(file_stem("E->I"), "E_to_I");
        assert_eq!(file_stem("L2/3E"), "L2%2F3E");
        assert_eq!(file_stem("a b"), "a%20b");
        assert_eq!(file_stem("Körnerzellen"), "Körnerzellen");
        assert_eq!(file_stem(".."), "%2E.");
        assert_eq!(file_stem("/x"), "%2Fx");
        assert_eq!(file_stem("../../x"), "%2E.%2F..%2Fx");
        assert_eq!(file_stem(""), "%00");
        let names = ["a/b", "a_b", "a%2Fb", "a b", "a.b", ".ab", "ab"];
        let stems: std::collections::HashSet<String> = names.iter().map(|n| file_stem(n)).collect();
        assert_eq!(stems.len(), names.len());
        for n in names {
            assert!(!file_stem(n).contains('/'));
        }
        let long = "x".repeat(300);
        let stem = file_stem(&long);
        assert!(stem.len() <= MAX_STEM, "{}", stem.len());
        assert_ne!(stem, file_stem(&"x".repeat(301)));
    }
}
