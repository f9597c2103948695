//! Checkpoints of a training run: a small header (magic, format version, length, CRC-32; the
//! envelope of `cajal_data::frame`, as in `docs/checkpoint.md`) and the task's state as CBOR with
//! named fields, written atomically so that an interruption leaves either the previous
//! checkpoint or the new one. Version 1 was bincode 1.3's encoding and is refused.

use crate::error::{LearnError, Unusable};
use std::path::Path;

const MAGIC: &[u8; 8] = b"CAJALLRN";
const VERSION: u32 = 2;

/// Writes `state` to `path` atomically; fails with [`LearnError::Encode`] or
/// [`LearnError::WriteCheckpoint`].
pub fn save<T: serde::Serialize>(path: &Path, state: &T) -> Result<(), LearnError> {
    let mut body = Vec::new();
    ciborium::ser::into_writer(state, &mut body).map_err(|e| LearnError::Encode(e.to_string()))?;
    let bytes = cajal_data::frame::encode(MAGIC, VERSION, &[&body]);
    cajal_data::write_atomic(path, |f| std::io::Write::write_all(f, &bytes))?;
    Ok(())
}

/// Reads a checkpoint written by [`save`], verifying it; fails with
/// [`LearnError::ReadCheckpoint`] or [`LearnError::UnusableCheckpoint`].
pub fn load<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, LearnError> {
    use cajal_data::frame::{decode, FrameError};
    let bytes = std::fs::read(path).map_err(|source| LearnError::ReadCheckpoint {
        path: path.to_path_buf(),
        source,
    })?;
    let unusable = |problem| LearnError::UnusableCheckpoint {
        path: path.to_path_buf(),
        problem,
    };
    let blocks = decode(&bytes, MAGIC, VERSION, 1).map_err(|e| {
        unusable(match e {
            FrameError::Foreign => Unusable::Foreign,
            FrameError::Version(found) => Unusable::Version {
                found,
                reads: VERSION,
            },
            FrameError::Length(..) => Unusable::Truncated,
            FrameError::Checksum => Unusable::Checksum,
        })
    })?;
    ciborium::de::from_reader(blocks[0]).map_err(|e| unusable(Unusable::Undecodable(e.to_string())))
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

    #[test]
    fn failures_are_variants_whose_causes_print_once() {
        use crate::{LearnError, Unusable};
        use std::error::Error;
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.ckpt");
        let e = super::load::<u64>(&missing).unwrap_err();
        assert!(matches!(e, LearnError::ReadCheckpoint { .. }), "{e:?}");
        let (message, cause) = (e.to_string(), e.source().unwrap().to_string());
        assert!(message.contains("missing.ckpt"), "{message}");
        assert!(!message.contains(&cause), "{message}");

        let foreign = dir.path().join("foreign.ckpt");
        std::fs::write(&foreign, b"not a checkpoint").unwrap();
        let e = super::load::<u64>(&foreign).unwrap_err();
        assert!(
            matches!(
                e,
                LearnError::UnusableCheckpoint {
                    problem: Unusable::Foreign,
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(e.source().is_none());
        assert!(e.to_string().contains("delete it to start afresh"), "{e}");

        let other = dir.path().join("other.ckpt");
        super::save(&other, &1u8).unwrap();
        let e = super::load::<(u64, Vec<f32>)>(&other).unwrap_err();
        assert!(
            matches!(
                e,
                LearnError::UnusableCheckpoint {
                    problem: Unusable::Undecodable(_),
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(e.to_string().contains("undecodable ("), "{e}");
    }
}
