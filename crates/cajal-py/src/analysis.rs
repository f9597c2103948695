//! The measures of `cajal analyze` as functions on NumPy arrays: the whole report, and the single
//! measures users call most, each checked as the command checks its input.

use cajal_analysis::{report, Group, SpikeData};
use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::exceptions::{PyKeyError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// An analysis error in this front end's terms: the command's options named as `analyze()`'s
/// arguments (the check itself is the command's, `cajal_analysis`).
fn value_error(call: &str, e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(format!("{call}: {}", in_our_terms(e.to_string())))
}

/// The command's option names in a message replaced by `analyze()`'s arguments.
fn in_our_terms(mut m: String) -> String {
    for (flag, arg) in [
        ("--avalanche-bin", "avalanche_bin_ms"),
        ("--fano-window", "fano_window_ms"),
        ("--t-start", "t_start"),
        ("--t-stop", "t_stop"),
        ("--neurons", "n"),
        ("--bin", "bin_ms"),
    ] {
        m = m.replace(flag, arg);
    }
    m
}

fn float(v: &Bound<'_, PyAny>, key: &str) -> PyResult<f64> {
    v.extract::<f64>()
        .map_err(|_| PyTypeError::new_err(format!("analyze(): {key} must be a number, got {v}")))
}

fn count(v: &Bound<'_, PyAny>, key: &str) -> PyResult<usize> {
    v.extract::<usize>().map_err(|_| {
        PyTypeError::new_err(format!("analyze(): {key} must be an integer >= 0, got {v}"))
    })
}

/// Sets the report's options from a dict of `cajal analyze`'s option names.
fn options(given: Option<&Bound<'_, PyDict>>) -> PyResult<report::Options> {
    let mut o = report::Options::default();
    let (mut lag_min, mut lag_max) = (1.0, 4.0);
    let Some(given) = given else {
        return Ok(o.settled(lag_min, lag_max));
    };
    for (k, v) in given.iter() {
        let key: String = k.extract()?;
        match key.as_str() {
            "bin_ms" => o.bin_ms = float(&v, &key)?,
            "fano_window_ms" => o.fano_window_ms = float(&v, &key)?,
            "pair_neurons" => o.pair_neurons = count(&v, &key)?,
            "van_rossum_tau_ms" => o.van_rossum_tau_ms = float(&v, &key)?,
            "victor_purpura_q" => o.victor_purpura_q = float(&v, &key)?,
            "correlogram_max_lag" => o.correlogram_max_lag = count(&v, &key)?,
            "avalanche_bin_ms" => {
                o.avalanche_bin_ms = if v.is_none() {
                    None
                } else {
                    Some(float(&v, &key)?)
                }
            }
            "min_tail" => o.min_tail = count(&v, &key)?,
            "gof_reps" => o.gof_reps = count(&v, &key)?,
            "k_max" => o.k_max = count(&v, &key)?,
            "lz_surrogates" => o.lz_surrogates = count(&v, &key)?,
            "lz_neurons" => o.lz_neurons = count(&v, &key)?,
            "seed" => {
                o.seed = v.extract::<u64>().map_err(|_| {
                    PyTypeError::new_err(format!(
                        "analyze(): seed must be an integer >= 0, got {v}"
                    ))
                })?
            }
            "infer" => {
                o.infer = v.extract().map_err(|_| {
                    PyTypeError::new_err("analyze(): infer must be 'none', 'ccg', 'glm' or 'both'")
                })?;
            }
            "lag_min_ms" => lag_min = float(&v, &key)?,
            "lag_max_ms" => lag_max = float(&v, &key)?,
            "l1" => o.inference.l1 = float(&v, &key)?,
            "bases" => o.inference.bases = count(&v, &key)?,
            other => {
                return Err(PyKeyError::new_err(format!(
                    "analyze(): unknown option '{other}'; the options are: bin_ms, \
                     fano_window_ms, pair_neurons, van_rossum_tau_ms, victor_purpura_q, \
                     correlogram_max_lag, avalanche_bin_ms, min_tail, gof_reps, k_max, \
                     lz_surrogates, lz_neurons, seed, infer, lag_min_ms, lag_max_ms, l1, bases"
                )))
            }
        }
    }
    o.check(lag_min, lag_max, |k| k.to_string())
        .map_err(|m| PyValueError::new_err(format!("analyze(): {m}")))?;
    Ok(o.settled(lag_min, lag_max))
}

/// The whole analysis of `cajal analyze` on spikes `(times ms, senders)` of `n` neurons in
/// `[t_start, t_stop]`, grouped by `groups` (name, size; default one group "all"); returns the
/// report as JSON (the Python layer parses it).
#[pyfunction]
#[pyo3(signature = (times, senders, n, t_start, t_stop, groups=None, options_=None))]
#[allow(clippy::too_many_arguments)]
pub fn analyze_json(
    py: Python<'_>,
    times: PyReadonlyArray1<'_, f64>,
    senders: PyReadonlyArray1<'_, f64>,
    n: usize,
    t_start: f64,
    t_stop: f64,
    groups: Option<Vec<(String, usize)>>,
    options_: Option<&Bound<'_, PyDict>>,
) -> PyResult<String> {
    let o = options(options_)?;
    let mut data = SpikeData::from_events(
        "analyze()",
        times.as_slice()?,
        senders.as_slice()?,
        n,
        t_start,
        t_stop,
    )
    .map_err(|e| PyValueError::new_err(in_our_terms(e.to_string())))?;
    if let Some(groups) = groups {
        let total: usize = groups.iter().map(|g| g.1).sum();
        if total != n {
            return Err(PyValueError::new_err(format!(
                "analyze(): the groups' sizes add up to {total}, not to the {n} neurons"
            )));
        }
        let mut first = 0;
        data.groups = groups
            .into_iter()
            .map(|(name, size)| {
                let g = Group { name, first, size };
                first += size;
                g
            })
            .collect();
    }
    // (the default, 50 bins, stands whatever the window, as in `cajal analyze`)
    let bins = ((t_stop - t_start) / o.bin_ms).ceil().max(50.0);
    if o.correlogram_max_lag as f64 > bins {
        return Err(PyValueError::new_err(format!(
            "analyze(): correlogram_max_lag is {} bins but the window has {bins} bins of {} ms; \
             give at most {bins}",
            o.correlogram_max_lag, o.bin_ms
        )));
    }
    report::check_size(&data, &o).map_err(|e| value_error("analyze()", e))?;
    let r = py.detach(|| report::analyze(&data, &o, &|_, _, _| {}));
    serde_json::to_string(&r).map_err(|e| value_error("analyze()", e))
}

fn isi_of(train: &[f64], call: &str) -> PyResult<Vec<f64>> {
    if let Some((k, t)) = train.iter().enumerate().find(|(_, t)| !t.is_finite()) {
        return Err(PyValueError::new_err(format!(
            "{call}: spike {k} is at {t} ms; times must be finite"
        )));
    }
    if let Some(k) = train.windows(2).position(|w| w[1] < w[0]) {
        return Err(PyValueError::new_err(format!(
            "{call}: spike {} ({} ms) comes before spike {k} ({} ms); sort the train",
            k + 1,
            train[k + 1],
            train[k]
        )));
    }
    Ok(cajal_analysis::stats::isis(train))
}

/// Coefficient of variation of the inter-spike intervals of one train (NaN below 3 spikes).
#[pyfunction]
pub fn cv_isi(train: PyReadonlyArray1<'_, f64>) -> PyResult<f64> {
    Ok(cajal_analysis::stats::cv(&isi_of(
        train.as_slice()?,
        "cv_isi()",
    )?))
}

/// Local variation LV of one train's intervals (Shinomoto et al. 2003).
#[pyfunction]
pub fn lv(train: PyReadonlyArray1<'_, f64>) -> PyResult<f64> {
    Ok(cajal_analysis::stats::lv(&isi_of(
        train.as_slice()?,
        "lv()",
    )?))
}

/// Fano factor (variance / mean) of counts.
#[pyfunction]
pub fn fano_factor(counts: PyReadonlyArray1<'_, f64>) -> PyResult<f64> {
    Ok(cajal_analysis::stats::fano(counts.as_slice()?))
}

/// Lempel–Ziv (LZ76) complexity of a sequence of symbols: `(c, c normalised by a random
/// sequence's)`.
#[pyfunction]
pub fn lz76(symbols: PyReadonlyArray1<'_, u32>) -> PyResult<(usize, f64)> {
    let s = symbols.as_slice()?;
    Ok((
        cajal_analysis::lz::lz76(s),
        cajal_analysis::lz::lz76_normalised(s),
    ))
}

/// Branching ratio of binned population activity: `(conventional, MR, MR's b, tau in bins)`.
#[pyfunction]
pub fn branching_ratio(
    activity: PyReadonlyArray1<'_, f64>,
    k_max: usize,
) -> PyResult<(f64, f64, f64, f64)> {
    let x = activity.as_slice()?;
    if k_max < 1 || x.len() < k_max + 10 {
        return Err(PyValueError::new_err(format!(
            "branching_ratio(): k_max must be >= 1 and the activity have at least k_max + 10 bins \
             (got k_max {k_max}, {} bins)",
            x.len()
        )));
    }
    let b = cajal_analysis::branching::branching_ratio(x, k_max);
    Ok((b.conventional, b.mr, b.mr_b, b.tau_bins))
}

/// Two arrays of counts.
type Pair<'py> = (Bound<'py, PyArray1<u64>>, Bound<'py, PyArray1<u64>>);

/// Avalanches of binned activity: `(sizes, durations in bins)`; runs touching either end are
/// left out.
#[pyfunction]
pub fn avalanches<'py>(py: Python<'py>, counts: PyReadonlyArray1<'_, u32>) -> PyResult<Pair<'py>> {
    let a = cajal_analysis::avalanche::avalanches(counts.as_slice()?);
    Ok((
        PyArray1::from_vec(py, a.sizes),
        PyArray1::from_vec(py, a.durations),
    ))
}

/// Two spike trains checked as `isi_of` checks one (finite, sorted), and a parameter checked by
/// `ok` (`what` says what it must be).
fn two_trains<'a>(
    call: &str,
    a: &'a PyReadonlyArray1<'_, f64>,
    b: &'a PyReadonlyArray1<'_, f64>,
    (name, value, ok, what): (&str, f64, bool, &str),
) -> PyResult<(&'a [f64], &'a [f64])> {
    if !(value.is_finite() && ok) {
        return Err(PyValueError::new_err(format!(
            "{call}: {name} must be {what} (got {value})"
        )));
    }
    let (a, b) = (a.as_slice()?, b.as_slice()?);
    isi_of(a, call)?;
    isi_of(b, call)?;
    Ok((a, b))
}

/// van Rossum distance between two spike trains (ms, sorted) with time constant `tau` ms.
#[pyfunction]
pub fn van_rossum(
    a: PyReadonlyArray1<'_, f64>,
    b: PyReadonlyArray1<'_, f64>,
    tau: f64,
) -> PyResult<f64> {
    let param = ("tau", tau, tau > 0.0, "a finite number of ms > 0");
    let (a, b) = two_trains("van_rossum()", &a, &b, param)?;
    Ok(cajal_analysis::distance::van_rossum(a, b, tau))
}

/// Victor–Purpura distance between two spike trains with cost `q` per ms of shift.
#[pyfunction]
pub fn victor_purpura(
    a: PyReadonlyArray1<'_, f64>,
    b: PyReadonlyArray1<'_, f64>,
    q: f64,
) -> PyResult<f64> {
    let param = ("q", q, q >= 0.0, "a finite number >= 0");
    let (a, b) = two_trains("victor_purpura()", &a, &b, param)?;
    Ok(cajal_analysis::distance::victor_purpura(a, b, q))
}

/// Adds the functions to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(analyze_json, m)?)?;
    m.add_function(wrap_pyfunction!(cv_isi, m)?)?;
    m.add_function(wrap_pyfunction!(lv, m)?)?;
    m.add_function(wrap_pyfunction!(fano_factor, m)?)?;
    m.add_function(wrap_pyfunction!(lz76, m)?)?;
    m.add_function(wrap_pyfunction!(branching_ratio, m)?)?;
    m.add_function(wrap_pyfunction!(avalanches, m)?)?;
    m.add_function(wrap_pyfunction!(van_rossum, m)?)?;
    m.add_function(wrap_pyfunction!(victor_purpura, m)?)?;
    Ok(())
}
