//! Framed binary files, as Cajal's checkpoints use them: an 8-byte magic, a format version (u32),
//! the length of each block (u64), the CRC-32 of all blocks (u32), then the blocks; little
//! endian. A damaged, truncated or foreign file is recognised before anything is decoded.

/// Why bytes are not a valid frame.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// Too short, or another magic: not this kind of file.
    #[error("not this kind of file (too short, or another magic number)")]
    Foreign,
    /// Another format version (the one found).
    #[error("written in format version {0}, which this version does not read")]
    Version(u32),
    /// The length differs from what the header announces (found, announced).
    #[error("{0} bytes where the header announces {1}: truncated or extended")]
    Length(usize, u128),
    /// The checksum does not match: the content is damaged.
    #[error("checksum mismatch: the content is damaged")]
    Checksum,
}

fn header_len(blocks: usize) -> usize {
    8 + 4 + 8 * blocks + 4
}

/// Frames `blocks` under `magic` and `version`.
pub fn encode(magic: &[u8; 8], version: u32, blocks: &[&[u8]]) -> Vec<u8> {
    let body: usize = blocks.iter().map(|b| b.len()).sum();
    let mut out = Vec::with_capacity(header_len(blocks.len()) + body);
    out.extend_from_slice(magic);
    out.extend_from_slice(&version.to_le_bytes());
    for b in blocks {
        out.extend_from_slice(&(b.len() as u64).to_le_bytes());
    }
    let mut h = crc32fast::Hasher::new();
    for b in blocks {
        h.update(b);
    }
    out.extend_from_slice(&h.finalize().to_le_bytes());
    for b in blocks {
        out.extend_from_slice(b);
    }
    out
}

/// Checks a frame of `blocks` blocks and returns them.
pub fn decode<'a>(
    bytes: &'a [u8],
    magic: &[u8; 8],
    version: u32,
    blocks: usize,
) -> Result<Vec<&'a [u8]>, FrameError> {
    let header = header_len(blocks);
    if bytes.len() < header || &bytes[..8] != magic {
        return Err(FrameError::Foreign);
    }
    let u32_at = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().expect("4 bytes"));
    let u64_at = |i: usize| u64::from_le_bytes(bytes[i..i + 8].try_into().expect("8 bytes"));
    let found = u32_at(8);
    if found != version {
        return Err(FrameError::Version(found));
    }
    let lens: Vec<u64> = (0..blocks).map(|k| u64_at(12 + 8 * k)).collect();
    let crc = u32_at(12 + 8 * blocks);
    let want = header as u128 + lens.iter().map(|&l| l as u128).sum::<u128>();
    if want != bytes.len() as u128 {
        return Err(FrameError::Length(bytes.len(), want));
    }
    let body = &bytes[header..];
    if crc32fast::hash(body) != crc {
        return Err(FrameError::Checksum);
    }
    let mut out = Vec::with_capacity(blocks);
    let mut rest = body;
    for l in lens {
        let (b, r) = rest.split_at(l as usize);
        out.push(b);
        rest = r;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_every_damage_is_named() {
        let f = encode(b"TESTTEST", 3, &[b"abc", b"", b"defg"]);
        assert_eq!(
            decode(&f, b"TESTTEST", 3, 3).unwrap(),
            vec![&b"abc"[..], &b""[..], &b"defg"[..]]
        );
        assert_eq!(decode(&f, b"OTHEROTH", 3, 3), Err(FrameError::Foreign));
        assert_eq!(decode(&f, b"TESTTEST", 4, 3), Err(FrameError::Version(3)));
        assert!(matches!(
            decode(&f[..f.len() - 1], b"TESTTEST", 3, 3),
            Err(FrameError::Length(..))
        ));
        let mut g = f.clone();
        *g.last_mut().unwrap() ^= 1;
        assert_eq!(decode(&g, b"TESTTEST", 3, 3), Err(FrameError::Checksum));
    }

    #[test]
    fn messages_name_what_is_wrong() {
        let f = encode(b"TESTTEST", 3, &[b"abc"]);
        let message = |bytes: &[u8], version| {
            let e: Box<dyn std::error::Error> =
                Box::new(decode(bytes, b"TESTTEST", version, 1).unwrap_err());
            assert!(e.source().is_none());
            e.to_string()
        };
        assert!(message(&f[..4], 3).contains("magic"));
        assert!(message(&f, 4).contains("format version 3"));
        let m = message(&f[..f.len() - 1], 3);
        assert!(m.contains(&format!("{} bytes", f.len() - 1)), "{m}");
        assert!(m.contains(&format!("announces {}", f.len())), "{m}");
        let mut g = f.clone();
        *g.last_mut().unwrap() ^= 1;
        assert!(message(&g, 3).contains("checksum"));
    }
}
