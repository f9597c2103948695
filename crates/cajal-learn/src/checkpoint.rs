//! Checkpoints of a training run: a small header (magic, format version, length, CRC-32) and
//! the bincode encoding of the task's state, written atomically so that an interruption leaves
//! either the previous checkpoint or the new one.

use std::path::Path;

const MAGIC: &[u8; 8] = b"CAJALLRN";
const VERSION: u32 = 1;

/// Writes `state` to `path` atomically.
pub fn save<T: serde::Serialize>(path: &Path, state: &T) -> anyhow::Result<()> {
    let body = bincode::serialize(state)?;
    let bytes = cajal_data::frame::encode(MAGIC, VERSION, &[&body]);
    cajal_data::write_atomic(path, |f| std::io::Write::write_all(f, &bytes))?;
    Ok(())
}

/// Reads a checkpoint written by [`save`], verifying it.
pub fn load<T: serde::de::DeserializeOwned>(path: &Path) -> anyhow::Result<T> {
    use cajal_data::frame::{decode, FrameError};
    let bytes = std::fs::read(path)
        .map_err(|e| anyhow::anyhow!("cannot read the checkpoint {}: {e}", path.display()))?;
    let bad = |why: &str| {
        anyhow::anyhow!(
            "{} is not a usable training checkpoint: {why}; delete it to start afresh",
            path.display()
        )
    };
    let blocks = decode(&bytes, MAGIC, VERSION, 1).map_err(|e| match e {
        FrameError::Foreign => bad("no CAJALLRN header (not written by `cajal learn`)"),
        FrameError::Version(v) => bad(&format!("format version {v}, this Cajal reads {VERSION}")),
        FrameError::Length(..) => bad("truncated"),
        FrameError::Checksum => bad("checksum mismatch (corrupt)"),
    })?;
    bincode::deserialize(blocks[0]).map_err(|e| bad(&format!("undecodable ({e})")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trip_and_corruption_is_detected() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.ckpt");
        super::save(&p, &(3u64, vec![1.5f32, 2.0])).unwrap();
        let back: (u64, Vec<f32>) = super::load(&p).unwrap();
        assert_eq!(back, (3, vec![1.5, 2.0]));
        let mut bytes = std::fs::read(&p).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(&p, &bytes).unwrap();
        let e = super::load::<(u64, Vec<f32>)>(&p).unwrap_err().to_string();
        assert!(e.contains("checksum"), "{e}");
    }
}
