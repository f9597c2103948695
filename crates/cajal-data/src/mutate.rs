//! Mutations of valid inputs for fuzzing Cajal's readers (the `fuzz` tests of cajal-data,
//! cajal-model, cajal-analysis and cajal-learn): bytes changed, flipped, inserted or cut; text
//! with fragments inserted, spans deleted, numbers replaced or the end cut.

/// Applies `edits` to `bytes`, each `(position, kind, value)`: kind % 4 sets the byte at
/// position % length to value, flips one of its bits, inserts value there, or truncates there.
pub fn mutate_bytes(mut bytes: Vec<u8>, edits: &[(usize, u8, u8)]) -> Vec<u8> {
    for &(pos, kind, val) in edits {
        if bytes.is_empty() {
            bytes.push(val);
            continue;
        }
        let p = pos % bytes.len();
        match kind % 4 {
            0 => bytes[p] = val,
            1 => bytes[p] ^= 1 << (val % 8),
            2 => bytes.insert(p, val),
            _ => bytes.truncate(p.max(1)),
        }
    }
    bytes
}

/// Applies `edits` to `text`, each `(position, kind, token)` with `token` an index into
/// `tokens`: kind % 4 inserts the token at the position, deletes a span from it, replaces the
/// next number after it by one of the first five tokens (corner values), or truncates there.
pub fn mutate_text(text: &mut String, edits: &[(usize, usize, usize)], tokens: &[&str]) {
    for &(pos, kind, tok) in edits {
        let mut p = pos % (text.len() + 1);
        while !text.is_char_boundary(p) {
            p -= 1;
        }
        let token = tokens[tok % tokens.len()];
        match kind % 4 {
            0 => text.insert_str(p, token),
            1 => {
                let mut e = (p + 1 + tok).min(text.len());
                while !text.is_char_boundary(e) {
                    e += 1;
                }
                text.replace_range(p..e, "");
            }
            2 => {
                if let Some(i) = text[p..].find(|c: char| c.is_ascii_digit()) {
                    let a = p + i;
                    let e = text[a..]
                        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                        .map_or(text.len(), |k| a + k);
                    text.replace_range(a..e, tokens[tok % tokens.len().min(5)]);
                }
            }
            _ => text.truncate(p),
        }
    }
}
