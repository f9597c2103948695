//! The layout of a run folder, shared by whatever writes one (the `cajal` binary) and whatever
//! reads one back (the analysis): where each output lies, and the one rule that turns a
//! population's, projection's or astrocyte's name into a file name.

use std::path::{Path, PathBuf};

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
}

#[cfg(test)]
mod tests {
    use super::*;

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
