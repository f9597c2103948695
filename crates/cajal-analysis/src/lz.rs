//! Lempel–Ziv complexity (LZ76) of symbol sequences: binarised spike trains and population
//! patterns, normalised against shuffled surrogates.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use std::collections::HashMap;

/// Number of phrases in the LZ76 parsing of `s` (Lempel & Ziv 1976), by the algorithm of Kaspar
/// & Schuster (1987, Phys. Rev. A 36:842): each new phrase is the shortest block that cannot be
/// copied from the sequence before it (overlap allowed). Empty input: 0.
pub fn lz76(s: &[u32]) -> usize {
    let n = s.len();
    if n == 0 {
        return 0;
    }
    if n == 1 {
        return 1;
    }
    let (mut c, mut l, mut i, mut k, mut k_max) = (1usize, 1usize, 0usize, 1usize, 1usize);
    loop {
        if s[i + k - 1] == s[l + k - 1] {
            k += 1;
            if l + k > n {
                c += 1;
                break;
            }
        } else {
            k_max = k_max.max(k);
            i += 1;
            if i == l {
                c += 1;
                l += k_max;
                if l + 1 > n {
                    break;
                }
                i = 0;
                k = 1;
                k_max = 1;
            } else {
                k = 1;
            }
        }
    }
    c
}

/// LZ76 complexity normalised by the value of a random sequence of the same length and alphabet
/// size: c·log_a(n)/n (a = number of distinct symbols, at least 2).
pub fn lz76_normalised(s: &[u32]) -> f64 {
    let n = s.len();
    if n < 2 {
        return f64::NAN;
    }
    let mut distinct: Vec<u32> = s.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    let a = distinct.len().max(2) as f64;
    lz76(s) as f64 * (n as f64).ln() / a.ln() / n as f64
}

/// LZ76 complexity of `s` divided by the mean over `reps` shuffles of `s` (same symbols, order
/// destroyed): about 1 for a memoryless sequence, below 1 for a regular one. Seeded.
pub fn lz76_vs_shuffled(s: &[u32], reps: usize, seed: u64) -> f64 {
    let c = lz76(s) as f64;
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed);
    let mut buf = s.to_vec();
    let mut total = 0.0;
    for _ in 0..reps.max(1) {
        buf.shuffle(&mut rng);
        total += lz76(&buf) as f64;
    }
    c / (total / reps.max(1) as f64)
}

/// Binarises binned counts (1 if any spike in the bin).
pub fn binarise(counts: &[u32]) -> Vec<u32> {
    counts.iter().map(|&c| (c > 0) as u32).collect()
}

/// Turns binarised activity of several neurons (rows of equal length) into one symbol per bin:
/// each distinct pattern of active neurons gets its own symbol, numbered in order of appearance.
pub fn population_patterns(rows: &[Vec<u32>]) -> Vec<u32> {
    let t = rows.first().map_or(0, Vec::len);
    let mut ids: HashMap<Vec<u32>, u32> = HashMap::new();
    (0..t)
        .map(|k| {
            let active: Vec<u32> = rows
                .iter()
                .enumerate()
                .filter(|(_, r)| r[k] > 0)
                .map(|(i, _)| i as u32)
                .collect();
            let next = ids.len() as u32;
            *ids.entry(active).or_insert(next)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bits(s: &str) -> Vec<u32> {
        s.bytes().map(|b| (b - b'0') as u32).collect()
    }

    #[test]
    fn textbook_parsings() {
        // Kaspar & Schuster (1987): 0·001·10·100·1000·101 → 6 phrases.
        assert_eq!(lz76(&bits("0001101001000101")), 6);
        // A constant string: 0·000… → 2. An alternating one: 0·1·0101… → 3.
        assert_eq!(lz76(&bits("0000000000")), 2);
        assert_eq!(lz76(&bits("0101010101")), 3);
        // Worked by hand from the definition: 1·0·01·1110·1100·0010 → 6.
        assert_eq!(lz76(&bits("1001111011000010")), 6);
        assert_eq!(lz76(&[]), 0);
        assert_eq!(lz76(&[5]), 1);
    }

    /// LZ76 straight from its definition: a phrase starting at `p` is extended while it occurs
    /// in the sequence before its own last symbol.
    fn lz76_by_definition(s: &[u32]) -> usize {
        let (mut p, mut c) = (0, 0);
        while p < s.len() {
            let mut len = 1;
            while p + len <= s.len() {
                let phrase = &s[p..p + len];
                let history = &s[..p + len - 1];
                if history.windows(len).any(|w| w == phrase) {
                    len += 1;
                } else {
                    break;
                }
            }
            c += 1;
            p += len;
        }
        c
    }

    proptest::proptest! {
        #[test]
        fn kaspar_schuster_equals_the_definition(
            s in proptest::collection::vec(0u32..3, 0..60)
        ) {
            proptest::prop_assert_eq!(lz76(&s), lz76_by_definition(&s));
        }
    }

    #[test]
    fn patterns_are_numbered_in_order() {
        let rows = vec![vec![1, 0, 1, 0], vec![0, 0, 1, 1]];
        assert_eq!(population_patterns(&rows), vec![0, 1, 2, 3]);
        let rows = vec![vec![1, 1, 0], vec![0, 0, 0]];
        assert_eq!(population_patterns(&rows), vec![0, 0, 1]);
    }
}
