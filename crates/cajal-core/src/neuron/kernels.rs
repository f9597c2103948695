//! The per-step loops of `iaf_psc_delta` and `iaf_psc_exp`, the models of the large benchmarks.
//!
//! Neurons are taken in chunks of [`CHUNK`]: a branch-free update of the chunk (which
//! vectorises), then a vectorised test whether any neuron of the chunk reached threshold; only
//! then a scalar pass that resets and records. A chunk is in L1 cache for both, so the state is
//! streamed through memory once per step, and the input row of the ring buffer is zeroed in the
//! same pass (not in a second sweep). Each function is compiled twice, for plain x86-64 and for
//! AVX2, and picks one at run time (`multiversion`); FMA is not enabled, and Rust never fuses a
//! multiply and an add by itself, so both versions round exactly as the scalar formula does and
//! give the same spikes bit for bit.

use multiversion::multiversion;

/// Neurons per chunk: 64 doubles per state variable, 512 bytes, so a chunk's state stays in L1.
pub(crate) const CHUNK: usize = 64;

/// What happens at threshold: V_m >= `v_th` (+ theta) resets to `v_reset` for `ref_steps`.
#[derive(Clone, Copy)]
pub(crate) struct Firing {
    pub v_th: f64,
    pub v_reset: f64,
    pub ref_steps: u32,
}

/// Propagators of `iaf_psc_delta`.
pub(crate) struct DeltaKernel {
    pub e_l: f64,
    pub p33: f64,
    pub p30: f64,
    pub i_e: f64,
    pub v_min: f64,
    pub fire: Firing,
}

/// Propagators of `iaf_psc_exp`.
pub(crate) struct ExpKernel {
    pub e_l: f64,
    pub p33: f64,
    pub p30: f64,
    pub i_e: f64,
    pub p11_ex: f64,
    pub p11_in: f64,
    pub p21_ex: f64,
    pub p21_in: f64,
    pub fire: Firing,
}

/// The state arrays of `iaf_psc_exp`, all of one length.
pub(crate) struct ExpState<'a> {
    pub v: &'a mut [f64],
    pub r: &'a mut [u32],
    pub ie: &'a mut [f64],
    pub ii: &'a mut [f64],
}

/// The threshold pass over one chunk whose first neuron has index `base`: skipped after one
/// vectorised comparison when no neuron reached threshold (the common case).
#[inline(always)]
fn threshold_chunk(
    f: Firing,
    v: &mut [f64],
    r: &mut [u32],
    theta: &[f64],
    base: usize,
    spiked: &mut Vec<u32>,
) {
    let any = if theta.is_empty() {
        v.iter().fold(false, |a, &x| a | (x >= f.v_th))
    } else {
        v.iter()
            .zip(theta)
            .fold(false, |a, (&x, &th)| a | (x >= f.v_th + th))
    };
    if !any {
        return;
    }
    for i in 0..v.len() {
        let th = if theta.is_empty() {
            f.v_th
        } else {
            f.v_th + theta[i]
        };
        if v[i] >= th {
            r[i] = f.ref_steps;
            v[i] = f.v_reset;
            spiked.push((base + i) as u32);
        }
    }
}

/// `if keep_new { new } else { old }`, where `old` is the value being overwritten. Written
/// plainly, the compiler turns such a conditional store into a masked store on AVX2, which is
/// slow on AMD processors; `old + 0.0` is not a plain reload of the destination (the addition
/// only turns -0.0 into +0.0, the same number), so the result is a blend and a full store.
#[inline(always)]
fn select(keep_new: bool, new: f64, old: f64) -> f64 {
    if keep_new {
        new
    } else {
        old + 0.0
    }
}

/// Calls `body(i, current)` for the neurons `lo..hi` of a chunk (`i` counted from `lo`), with
/// the injected current, or 0 when there is none: two loops, so that neither tests per neuron.
#[inline(always)]
fn each_neuron(cur: &[f64], lo: usize, hi: usize, mut body: impl FnMut(usize, f64)) {
    if cur.is_empty() {
        (0..hi - lo).for_each(|i| body(i, 0.0));
    } else {
        let cc = &cur[lo..hi];
        (0..hi - lo).for_each(|i| body(i, cc[i]));
    }
}

/// The part of `theta` (possibly empty: no offsets) for neurons `lo..hi`.
#[inline(always)]
fn part(theta: &[f64], lo: usize, hi: usize) -> &[f64] {
    if theta.is_empty() {
        theta
    } else {
        &theta[lo..hi]
    }
}

/// One step of `iaf_psc_delta` (NEST semantics): a neuron that is not refractory integrates its
/// input (V_m bounded below by V_min); a refractory one drops it and counts down. The input is
/// `ex` + `inh`, or `ex` alone when `inh` is empty (one ring for both kinds, as NEST keeps it).
#[multiversion(targets("x86_64+avx2"))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn delta_update(
    k: &DeltaKernel,
    v: &mut [f64],
    r: &mut [u32],
    ex: &mut [f64],
    inh: &mut [f64],
    cur: &[f64],
    theta: &[f64],
    spiked: &mut Vec<u32>,
) {
    let n = v.len();
    let (r, ex) = (&mut r[..n], &mut ex[..n]);
    let two_rings = !inh.is_empty();
    let inh = if two_rings { &mut inh[..n] } else { inh };
    for lo in (0..n).step_by(CHUNK) {
        let hi = (lo + CHUNK).min(n);
        let (vc, rc) = (&mut v[lo..hi], &mut r[lo..hi]);
        let ec = &mut ex[lo..hi];
        // two loops, each free of the test, so that both vectorise
        let mut step = |i: usize, c: f64, input: f64| {
            let free = rc[i] == 0;
            let nv = (k.e_l + (vc[i] - k.e_l) * k.p33 + k.p30 * (k.i_e + c) + input).max(k.v_min);
            vc[i] = select(free, nv, vc[i]);
            rc[i] -= u32::from(!free);
        };
        if two_rings {
            let ic = &mut inh[lo..hi];
            each_neuron(cur, lo, hi, |i, c| {
                step(i, c, ec[i] + ic[i]);
                ec[i] = 0.0;
                ic[i] = 0.0;
            });
        } else {
            each_neuron(cur, lo, hi, |i, c| {
                step(i, c, ec[i]);
                ec[i] = 0.0;
            });
        }
        threshold_chunk(k.fire, vc, rc, part(theta, lo, hi), lo, spiked);
    }
}

/// One step of `iaf_psc_exp` (NEST's order: V_m from the currents of the step before, then the
/// currents decay and take this step's input; refractory neurons keep V_m and count down).
#[multiversion(targets("x86_64+avx2"))]
pub(crate) fn exp_update<'a>(
    k: &ExpKernel,
    s: ExpState<'a>,
    ex: &mut [f64],
    inh: &mut [f64],
    cur: &[f64],
    theta: &[f64],
    spiked: &mut Vec<u32>,
) {
    let n = s.v.len();
    let (r, ie, ii) = (&mut s.r[..n], &mut s.ie[..n], &mut s.ii[..n]);
    let (ex, inh) = (&mut ex[..n], &mut inh[..n]);
    for lo in (0..n).step_by(CHUNK) {
        let hi = (lo + CHUNK).min(n);
        let (vc, rc) = (&mut s.v[lo..hi], &mut r[lo..hi]);
        let (iec, iic) = (&mut ie[lo..hi], &mut ii[lo..hi]);
        let (ec, ic) = (&mut ex[lo..hi], &mut inh[lo..hi]);
        each_neuron(cur, lo, hi, |i, c| {
            let free = rc[i] == 0;
            let nv = k.e_l
                + (vc[i] - k.e_l) * k.p33
                + iec[i] * k.p21_ex
                + iic[i] * k.p21_in
                + (k.i_e + c) * k.p30;
            vc[i] = select(free, nv, vc[i]);
            rc[i] -= u32::from(!free);
            iec[i] = iec[i] * k.p11_ex + ec[i];
            iic[i] = iic[i] * k.p11_in + ic[i];
            ec[i] = 0.0;
            ic[i] = 0.0;
        });
        threshold_chunk(k.fire, vc, rc, part(theta, lo, hi), lo, spiked);
    }
}
