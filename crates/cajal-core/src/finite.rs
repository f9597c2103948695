//! The scan for NaN and infinities in the neurons' state, made by each partition right after it
//! advances (on the thread that holds its state in cache) whenever a check is due.

use crate::neuron::Dynamics;

/// The first non-finite value of `variables` (in that order) in `dynamics`: its variable, the
/// neuron's index within the partition and the value.
pub(crate) fn first_non_finite(
    dynamics: &Dynamics,
    variables: &[&'static str],
) -> Option<(&'static str, usize, f64)> {
    variables.iter().find_map(|&name| {
        let values = dynamics.variable(name)?;
        let i = first_non_finite_index(values)?;
        Some((name, i, values[i]))
    })
}

/// Index of the first NaN or infinity in `values`: a branch-free test per 64 values (which
/// vectorises), then a search inside the first chunk that has one. The test is a float
/// comparison, `|v| < inf` (false for NaN and both infinities): `is_finite` compiles to 64-bit
/// integer comparisons, which SSE2 lacks and emulates at several times the cost. Compiled for
/// x86-64 and AVX2, chosen at run time.
#[multiversion::multiversion(targets("x86_64+avx2"))]
fn first_non_finite_index(values: &[f64]) -> Option<usize> {
    const CHUNK: usize = 64;
    let chunk = values.chunks(CHUNK).position(|c| {
        c.iter().fold(false, |bad, v| {
            let finite = v.abs() < f64::INFINITY;
            bad | !finite
        })
    })?;
    let start = chunk * CHUNK;
    values[start..]
        .iter()
        .position(|v| !v.is_finite())
        .map(|i| start + i)
}

#[cfg(test)]
mod tests {
    use super::first_non_finite_index;

    #[test]
    fn first_non_finite_index_finds_the_first_bad_value_anywhere() {
        let mut v = vec![1.0; 200];
        assert_eq!(first_non_finite_index(&v), None);
        assert_eq!(first_non_finite_index(&[]), None);
        for (at, bad) in [
            (0, f64::NAN),
            (63, f64::INFINITY),
            (64, f64::NEG_INFINITY),
            (199, f64::NAN),
        ] {
            v[at] = bad;
            if at + 70 < v.len() {
                v[at + 70] = f64::NAN; // a later one, in another chunk, must not win
            }
            assert_eq!(first_non_finite_index(&v), Some(at), "bad value at {at}");
            v.iter_mut().for_each(|x| *x = 1.0);
        }
    }
}
