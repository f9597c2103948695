//! Every check of a network's values, each in one place: a [`crate::Network`] runs the check of
//! an item when the item is added, so a built network needs none. Messages say what is allowed.

use crate::connect::delay_steps;
use crate::error::{BuildError, ErrorKind, Place};
use crate::network::{InputDef, InputKind, NetworkDef, PopulationDef, ProjectionDef, RecordDef};
use crate::network::{Rule, Selection};
use crate::neuron::{Dynamics, ModelKind};
use crate::partition::BLOCK_SIZE;
use crate::plasticity::PlasticityDef;
use crate::AstrocyteDef;
use std::collections::BTreeMap;

use ErrorKind::{Conflict, DuplicateName, InvalidValue, TooLarge, UnknownName};

type Check = Result<(), BuildError>;

/// The steps in `t` ms when `t` lies on the grid of `dt` (to a relative 1e-6).
pub(crate) fn grid_steps(t: f64, dt: f64) -> Option<u64> {
    let s = t / dt;
    let r = s.round();
    ((s - r).abs() <= 1e-6 * r.max(1.0) && r >= 0.0).then_some(r as u64)
}

/// The steps in a period of `t` ms, which must be a positive multiple of `dt`; the message names
/// the last part of `field`.
pub(crate) fn period_steps(t: f64, dt: f64, field: &str) -> Result<u64, String> {
    match grid_steps(t, dt) {
        Some(s) if s >= 1 && t.is_finite() => Ok(s),
        _ => {
            let name = field.rsplit('.').next().unwrap_or(field);
            Err(format!(
                "{name} must be a positive multiple of dt = {dt} ms (got {t})"
            ))
        }
    }
}

/// A time in ms as whole steps from 0 (infinity: never).
pub(crate) fn time_steps(t: f64, dt: f64) -> Result<u64, String> {
    if t == f64::INFINITY {
        return Ok(u64::MAX);
    }
    if !(t.is_finite() && t >= 0.0) {
        return Err(format!("must be a time >= 0 ms (got {t})"));
    }
    Ok((t / dt).round() as u64)
}

/// At most this many worker threads per core: more only wait for each other (they spin between
/// intervals), and a typo such as `--threads 100000` would start that many.
pub(crate) const THREADS_PER_CORE: usize = 4;

/// A thread count for a build: 0 (one per core) up to [`THREADS_PER_CORE`] per core, at least 8.
pub(crate) fn threads(threads: usize) -> Check {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let most = (THREADS_PER_CORE * cores).max(8);
    if threads > most {
        return Err(BuildError::new(
            ErrorKind::Resources,
            Place::Network,
            "threads",
            format!(
                "{threads} threads on {cores} cores; use at most {most} (0 means one per core)"
            ),
        ));
    }
    Ok(())
}

/// The time step.
pub(crate) fn network(dt: f64) -> Check {
    if !(dt.is_finite() && dt > 0.0) {
        return Err(BuildError::new(
            InvalidValue,
            Place::Network,
            "dt",
            format!("dt must be a positive number of ms (got {dt})"),
        ));
    }
    Ok(())
}

/// A name of a population, projection or astrocyte: not empty, no control characters, and not
/// already taken by another item of its sort.
fn name<'a>(
    place: &Place,
    what: &str,
    name: &str,
    others: impl Iterator<Item = &'a str> + Clone,
) -> Check {
    let fail = |kind, m: String| Err(BuildError::new(kind, place.clone(), "name", m));
    if name.trim().is_empty() {
        return fail(
            InvalidValue,
            format!("a {what} needs a name that is not blank"),
        );
    }
    if name.chars().any(char::is_control) {
        return fail(
            InvalidValue,
            format!("{what} name {name:?} contains a control character; remove it"),
        );
    }
    if others.clone().any(|o| o == name) {
        return fail(
            DuplicateName,
            format!("{what} name '{name}' is used twice; give each a distinct name"),
        );
    }
    // names become file names (`cajal_data::file_stem`); two that would write one file, also
    // on a file system that ignores case, are refused
    let stem = cajal_data::file_stem(name).to_lowercase();
    if let Some(o) = others
        .into_iter()
        .find(|o| cajal_data::file_stem(o).to_lowercase() == stem)
    {
        return fail(
            DuplicateName,
            format!(
                "{what} names '{o}' and '{name}' would write the same output file ({}.npz); \
                 rename one",
                cajal_data::file_stem(name)
            ),
        );
    }
    Ok(())
}

/// "population N does not exist", naming what does.
fn no_population(def: &NetworkDef, index: usize) -> String {
    format!(
        "population {index} does not exist; the network has {} ({})",
        def.populations.len(),
        def.populations
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// "neuron i is outside population 'name' (size n)".
fn outside(bad: u32, pop: &PopulationDef) -> String {
    format!(
        "neuron index {bad} is outside '{}' (size {}); indices run from 0 to {}",
        pop.name,
        pop.size,
        pop.size - 1
    )
}

/// A population added as the `index`-th of `def`.
/// The model's own checks of a population's parameters, on one neuron.
pub(crate) fn params(dt: f64, index: usize, pop: &PopulationDef) -> Check {
    Dynamics::new(pop.kind, &pop.params, 1, dt).map_err(|e| {
        let kind = if pop.kind.params().iter().any(|p| p.name == e.param) {
            InvalidValue
        } else {
            UnknownName
        };
        BuildError::new(
            kind,
            Place::Population(index),
            format!("params.{}", e.param),
            e.message,
        )
        .named(&pop.name)
    })?;
    Ok(())
}

pub(crate) fn population(def: &NetworkDef, index: usize, pop: &PopulationDef) -> Check {
    let place = Place::Population(index);
    let fail = |kind, field: &str, m: String| {
        BuildError::new(kind, place.clone(), field, m).named(&pop.name)
    };
    let err = |kind, field: &str, m: String| Err(fail(kind, field, m));
    let others = def.populations.iter().map(|q| q.name.as_str());
    name(&place, "population", &pop.name, others).map_err(|e| e.named(&pop.name))?;
    if pop.size == 0 {
        return err(InvalidValue, "size", "size must be at least 1".into());
    }
    let total: u64 = def.populations.iter().map(|q| q.size as u64).sum::<u64>() + pop.size as u64;
    if total > u32::MAX as u64 {
        return err(
            TooLarge,
            "size",
            format!("the network would have {total} neurons; at most 2^32 - 1 are supported"),
        );
    }
    params(def.dt, index, pop)?;
    for (var, dist) in &pop.initial {
        let field = format!("initial.{var}");
        if !pop.kind.state_variables().contains(&var.as_str()) {
            return err(
                UnknownName,
                &field,
                format!(
                    "{} has no state variable '{var}'; it has: {}",
                    pop.kind.name(),
                    pop.kind.state_variables().join(", ")
                ),
            );
        }
        dist.validate().map_err(|m| fail(InvalidValue, &field, m))?;
    }
    spike_times(def.dt, pop)
        .map_err(|(k, m)| BuildError::new(k, place.clone(), "spike_times", m).named(&pop.name))?;
    if let Some(th) = &pop.threshold {
        if !pop.kind.has_theta() {
            return err(
                Conflict,
                "threshold",
                format!(
                    "{} has no movable threshold; use an integrate-and-fire model \
                     (iaf_psc_delta, iaf_psc_exp, iaf_psc_alpha, iaf_cond_exp)",
                    pop.kind.name()
                ),
            );
        }
        th.validate()
            .map_err(|(f, m)| fail(InvalidValue, &format!("threshold.{f}"), m))?;
    }
    Ok(())
}

/// A spike generator's times, as steps per neuron (each spike in the step before its stamp).
pub(crate) fn generator_steps(dt: f64, pop: &PopulationDef) -> Vec<Vec<u64>> {
    const CHECKED: &str = "checked when the population was added";
    match pop.spike_times.len() {
        0 => vec![Vec::new(); pop.size],
        1 => vec![list_steps(&pop.spike_times[0], dt).expect(CHECKED); pop.size],
        _ => pop
            .spike_times
            .iter()
            .map(|times| list_steps(times, dt).expect(CHECKED))
            .collect(),
    }
}

/// Checks a population's spike times: only a spike generator has them, one list for all
/// neurons or one per neuron, each time on the grid; each list once, never one copy per neuron.
fn spike_times(dt: f64, pop: &PopulationDef) -> Result<(), (ErrorKind, String)> {
    if pop.kind != ModelKind::SpikeGenerator {
        if !pop.spike_times.is_empty() {
            return Err((Conflict, "only a spike_generator takes spike_times".into()));
        }
        return Ok(());
    }
    let n = pop.spike_times.len();
    if n > 1 && n != pop.size {
        return Err((
            InvalidValue,
            format!(
                "give one list for all neurons or one per neuron ({} lists), not {n}",
                pop.size
            ),
        ));
    }
    for times in &pop.spike_times {
        list_steps(times, dt).map_err(|m| (InvalidValue, m))?;
    }
    Ok(())
}

/// One neuron's spike times as sorted steps.
fn list_steps(times: &[f64], dt: f64) -> Result<Vec<u64>, String> {
    let mut steps = Vec::with_capacity(times.len());
    for &t in times {
        let Some(s) = grid_steps(t, dt).filter(|&s| s >= 1 && t.is_finite()) else {
            return Err(format!(
                "spike time {t} ms must be > 0 and a multiple of dt = {dt} ms"
            ));
        };
        steps.push(s - 1);
    }
    steps.sort_unstable();
    Ok(steps)
}

/// A projection added as the `index`-th of `def` (its populations and astrocyte already there).
pub(crate) fn projection(def: &NetworkDef, index: usize, proj: &ProjectionDef) -> Check {
    let place = Place::Projection(index);
    let named = |e: BuildError| e.named(&proj.name);
    let fail = |kind, field: &str, m: String| named(BuildError::new(kind, place.clone(), field, m));
    let err = |kind, field: &str, m: String| Err(fail(kind, field, m));
    let others = def.projections.iter().map(|q| q.name.as_str());
    name(&place, "projection", &proj.name, others).map_err(named)?;
    let (Some(src), Some(tgt)) = (
        def.populations.get(proj.source),
        def.populations.get(proj.target),
    ) else {
        let field = if proj.source >= def.populations.len() {
            "source"
        } else {
            "target"
        };
        let missing = if field == "source" {
            proj.source
        } else {
            proj.target
        };
        return err(UnknownName, field, no_population(def, missing));
    };
    if tgt.kind.is_source() {
        return err(
            Conflict,
            "target",
            format!(
                "'{}' is a {} and cannot receive synapses",
                tgt.name,
                tgt.kind.name()
            ),
        );
    }
    proj.weight
        .validate()
        .map_err(|m| fail(InvalidValue, "weight", m))?;
    proj.delay
        .validate()
        .map_err(|m| fail(InvalidValue, "delay", m))?;
    // (listed delays of an explicit rule are checked with the rule)
    let listed = matches!(
        &proj.rule,
        Rule::Explicit {
            delays: Some(_),
            ..
        }
    );
    if !listed {
        delay_range(&proj.delay, def.dt).map_err(|(kind, m)| fail(kind, "delay", m))?;
    }
    rule(proj, def.dt, src.size, tgt.size)
        .map_err(|(k, f, m)| named(BuildError::new(k, place.clone(), f, m)))?;
    if let Some(rule) = &proj.plasticity {
        rule.validate().map_err(|e| {
            named(BuildError::new(
                InvalidValue,
                place.clone(),
                format!("plasticity.{}", e.field),
                e.message,
            ))
        })?;
        plastic_weights(proj, rule, def.populations.len())
            .map_err(|(k, f, m)| named(BuildError::new(k, place.clone(), f, m)))?;
    }
    learning(def, proj).map_err(|(k, f, m)| named(BuildError::new(k, place.clone(), f, m)))?;
    // an interval on the grid, or infinity: at the end only
    if let Some(every) = proj.record_weights.filter(|&x| x != f64::INFINITY) {
        period_steps(every, def.dt, "record_weights")
            .map_err(|m| fail(InvalidValue, "record_weights", m))?;
    }
    Ok(())
}

type Failure = (ErrorKind, &'static str, String);

/// A delay's kind of error: too long for the ring, or else not a delay.
fn delay_kind(ms: f64, dt: f64) -> ErrorKind {
    if ms.is_finite() && ms / dt > u16::MAX as f64 {
        TooLarge
    } else {
        InvalidValue
    }
}

/// A constant delay must make whole steps the ring can hold; a distribution must be able to
/// draw one (each drawn delay is checked when it is drawn): refused when even its longest draw
/// is shorter than a step, or its shortest longer than the ring.
fn delay_range(delay: &crate::Dist, dt: f64) -> Result<(), (ErrorKind, String)> {
    let (lo, hi) = delay.range();
    if delay.is_const() {
        return delay_steps(lo, dt)
            .map(|_| ())
            .map_err(|m| (delay_kind(lo, dt), m));
    }
    if hi < dt * 0.5 {
        return Err((
            InvalidValue,
            delay_steps(hi, dt).expect_err("shorter than a step"),
        ));
    }
    if lo.is_finite() && lo / dt > u16::MAX as f64 {
        return Err((
            TooLarge,
            delay_steps(lo, dt).expect_err("longer than the ring"),
        ));
    }
    Ok(())
}

/// A connection rule against the population sizes (so that impossible requests are refused
/// instead of looping or panicking).
pub(crate) fn rule(
    proj: &ProjectionDef,
    dt: f64,
    n_source: usize,
    n_target: usize,
) -> Result<(), Failure> {
    let same = proj.source == proj.target && !proj.allow_autapses;
    let avail_src = if same {
        n_source.saturating_sub(1)
    } else {
        n_source
    };
    let avail_tgt = if same {
        n_target.saturating_sub(1)
    } else {
        n_target
    };
    match &proj.rule {
        Rule::OneToOne if n_source != n_target => Err((
            Conflict,
            "rule",
            format!("one_to_one needs populations of equal size (got {n_source} and {n_target})"),
        )),
        Rule::PairwiseBernoulli { p } if !(0.0..=1.0).contains(p) => Err((
            InvalidValue,
            "p",
            format!("p must be a probability in [0, 1] (got {p})"),
        )),
        Rule::FixedIndegree { indegree } if *indegree > 0 && avail_src == 0 => {
            Err((Conflict, "indegree", "there is no source neuron to draw from".into()))
        }
        Rule::FixedIndegree { indegree } if !proj.allow_multapses && *indegree > avail_src => Err((
            Conflict,
            "indegree",
            format!(
                "indegree {indegree} exceeds the {avail_src} available sources; allow multapses or lower it"
            ),
        )),
        Rule::FixedOutdegree { outdegree } if *outdegree > 0 && avail_tgt == 0 => {
            Err((Conflict, "outdegree", "there is no target neuron to draw from".into()))
        }
        Rule::FixedOutdegree { outdegree } if !proj.allow_multapses && *outdegree > avail_tgt => Err((
            Conflict,
            "outdegree",
            format!(
                "outdegree {outdegree} exceeds the {avail_tgt} available targets; allow multapses or lower it"
            ),
        )),
        Rule::FixedTotalNumber { n } if *n > 0 && (n_source == 0 || n_target == 0 || (same && n_source < 2)) => {
            Err((Conflict, "n", "there are no pairs to draw from".into()))
        }
        Rule::FixedTotalNumber { n }
            if !proj.allow_multapses && (*n as u128) > (avail_src as u128) * (n_target as u128) =>
        {
            Err((Conflict, "n", format!("n {n} exceeds the number of distinct pairs; allow multapses or lower it")))
        }
        Rule::Explicit { sources, targets, weights, delays } => {
            if sources.len() != targets.len()
                || weights.as_ref().is_some_and(|w| w.len() != sources.len())
                || delays.as_ref().is_some_and(|d| d.len() != sources.len())
            {
                return Err((InvalidValue, "file", "columns of the connection list differ in length".into()));
            }
            for (k, (&i, &j)) in sources.iter().zip(targets).enumerate() {
                if i as usize >= n_source || j as usize >= n_target {
                    return Err((
                        InvalidValue,
                        "file",
                        format!(
                            "row {k}: pair ({i}, {j}) is outside the populations (sizes {n_source} and {n_target})"
                        ),
                    ));
                }
            }
            for (k, &d) in delays.iter().flatten().enumerate() {
                delay_steps(d, dt)
                    .map_err(|m| (delay_kind(d, dt), "delay", format!("row {k}: {m}")))?;
            }
            // weights are stored as 32-bit floats
            let bad = weights.iter().flatten().enumerate().find(|(_, w)| !(**w as f32).is_finite());
            if let Some((k, w)) = bad {
                return Err((
                    InvalidValue,
                    "weight",
                    format!("row {k}: weight {w} is not a finite 32-bit number"),
                ));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// A plastic projection's weights must have one sign, Wmax's, and lie within its bounds.
fn plastic_weights(
    proj: &ProjectionDef,
    rule: &PlasticityDef,
    populations: usize,
) -> Result<(), Failure> {
    // the weights it starts from: listed ones, or the projection's distribution
    let (lo, hi) = match &proj.rule {
        Rule::Explicit {
            weights: Some(w), ..
        } if !w.is_empty() => w
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                (a.min(x), b.max(x))
            }),
        _ => proj.weight.range(),
    };
    let w_max = rule.w_max();
    let (mag_lo, mag_hi) = if w_max > 0.0 { (lo, hi) } else { (-hi, -lo) };
    if mag_lo < 0.0 {
        return Err((
            Conflict,
            "weight",
            format!(
                "plastic weights keep their sign (Dale's law) and must share Wmax's sign \
                 (Wmax = {w_max}); this weight ranges over [{lo}, {hi}]: use a weight of \
                 one sign (e.g. uniform or normal_clipped)"
            ),
        ));
    }
    if mag_hi > w_max.abs() || mag_lo < rule.w_min() {
        return Err((
            Conflict,
            "weight",
            format!(
                "the initial weights ([{lo}, {hi}]) must lie within the rule's bounds \
                 (magnitudes {} to {}); change the weight or Wmax/Wmin",
                rule.w_min(),
                w_max.abs()
            ),
        ));
    }
    if let Some(m) = rule.modulator().filter(|&m| m >= populations) {
        return Err((
            UnknownName,
            "plasticity.modulator",
            format!("population {m} does not exist; the network has {populations}"),
        ));
    }
    Ok(())
}

/// Oja's rule needs a full matrix onto one block; synaptic scaling and astrocytes need a
/// plastic projection (and the astrocyte pair STDP).
fn learning(def: &NetworkDef, proj: &ProjectionDef) -> Result<(), Failure> {
    if let Some(o) = &proj.oja {
        dense_matrix(def, proj, "oja_subspace")?;
        if !(o.eta.is_finite() && o.eta > 0.0) {
            return Err((
                InvalidValue,
                "plasticity.eta",
                format!("eta must be a finite number > 0 (got {})", o.eta),
            ));
        }
        period_steps(o.every, def.dt, "every")
            .map_err(|m| (InvalidValue, "plasticity.every", m))?;
    }
    if let Some(t) = &proj.tempotron {
        tempotron(def, proj, t)?;
    }
    if let Some(t) = &proj.tsodyks {
        tsodyks(proj, t)?;
    }
    if let Some(p) = proj.p_transmit {
        bernoulli(proj, p)?;
    }
    if let Some(d) = &proj.delta {
        dense_matrix(def, proj, "the delta rule")?;
        for (name, v, unit) in [("eta", d.eta, ""), ("tau", d.tau, " ms")] {
            if !(v.is_finite() && v > 0.0) {
                return Err((
                    InvalidValue,
                    if name == "eta" {
                        "plasticity.eta"
                    } else {
                        "plasticity.tau"
                    },
                    format!("{name} must be a finite number > 0{unit} (got {v})"),
                ));
            }
        }
    }
    if let Some(sc) = &proj.scaling {
        if proj.plasticity.is_none() {
            return Err((
                Conflict,
                "scaling",
                if proj.learns() {
                    "synaptic scaling applies to the STDP family's projections, not to \
                     oja_subspace, the Tempotron or the delta rule"
                        .into()
                } else {
                    "synaptic scaling applies to plastic projections (static weights never \
                     change: draw them with the sum you want instead)"
                        .into()
                },
            ));
        }
        if !(sc.target.is_finite() && sc.target > 0.0) {
            return Err((
                InvalidValue,
                "scaling.target",
                format!(
                    "target must be a finite sum of weight magnitudes > 0 (got {})",
                    sc.target
                ),
            ));
        }
        period_steps(sc.every, def.dt, "every").map_err(|m| (InvalidValue, "scaling.every", m))?;
    }
    if let Some(ai) = proj.astrocyte {
        let pair = matches!(
            proj.plasticity,
            Some(PlasticityDef::Stdp {
                symmetric: false,
                ..
            })
        );
        if !pair {
            return Err((
                Conflict,
                "plasticity.astrocyte",
                "an astrocyte sets the depression rate of pair STDP (model = \"stdp\"); \
                 this projection has another rule or none"
                    .into(),
            ));
        }
        if ai >= def.astrocytes.len() {
            return Err((
                UnknownName,
                "plasticity.astrocyte",
                format!(
                    "astrocyte {ai} does not exist; the network has {}",
                    def.astrocytes.len()
                ),
            ));
        }
    }
    Ok(())
}

/// An input added as the `index`-th of `def`.
pub(crate) fn input(def: &NetworkDef, index: usize, input: &InputDef) -> Check {
    let place = Place::Input(index);
    let fail = |kind, field: &str, m: String| BuildError::new(kind, place.clone(), field, m);
    let err = |kind, field: &str, m: String| Err(fail(kind, field, m));
    let Some(pop) = def.populations.get(input.target) else {
        return err(UnknownName, "target", no_population(def, input.target));
    };
    if pop.kind.is_source() {
        return err(
            Conflict,
            "target",
            format!("'{}' is a {} and takes no input", pop.name, pop.kind.name()),
        );
    }
    if pop.kind == crate::neuron::ModelKind::DendriticSegment
        && !matches!(input.kind, InputKind::Poisson { .. })
    {
        return err(
            Conflict,
            "target",
            format!(
                "'{}' is a dendritic_segment: it counts active synapses and has no membrane for \
                 a current; drive it with spikes (a poisson_generator or a projection)",
                pop.name
            ),
        );
    }
    let start = time_steps(input.start, def.dt).map_err(|m| fail(InvalidValue, "start", m))?;
    let stop = time_steps(input.stop, def.dt).map_err(|m| fail(InvalidValue, "stop", m))?;
    if stop <= start {
        return err(
            InvalidValue,
            "stop",
            format!(
                "stop ({} ms) must be after start ({} ms)",
                input.stop, input.start
            ),
        );
    }
    if let Some(list) = &input.neurons {
        if let Some(bad) = list.iter().find(|&&i| i as usize >= pop.size) {
            return err(InvalidValue, "neurons", outside(*bad, pop));
        }
    }
    match &input.kind {
        InputKind::Poisson {
            rate,
            weight,
            delay,
        } => {
            if !(rate.is_finite() && *rate >= 0.0) {
                return err(
                    InvalidValue,
                    "rate",
                    format!("rate must be a finite number of Hz >= 0 (got {rate})"),
                );
            }
            // the count drawn per neuron and step must stay a sane Poisson mean
            if rate * def.dt / 1000.0 > 1e9 {
                return err(
                    TooLarge,
                    "rate",
                    format!(
                        "rate {rate} Hz means more than 1e9 spikes per neuron and step; \
                         use a dc_generator for such a drive"
                    ),
                );
            }
            if !weight.is_finite() {
                return err(
                    InvalidValue,
                    "weight",
                    format!("weight must be finite (got {weight})"),
                );
            }
            delay_steps(*delay, def.dt).map_err(|m| fail(InvalidValue, "delay", m))?;
        }
        InputKind::Dc { amplitude } => {
            if !amplitude.is_finite() {
                return err(
                    InvalidValue,
                    "amplitude",
                    format!("amplitude must be finite (got {amplitude})"),
                );
            }
        }
        InputKind::StepCurrent { times, amplitudes } => {
            if times.len() != amplitudes.len() {
                return err(
                    InvalidValue,
                    "amplitude_values",
                    format!(
                        "{} amplitude_times but {} amplitude_values",
                        times.len(),
                        amplitudes.len()
                    ),
                );
            }
            let mut prev = None;
            for (t, a) in times.iter().zip(amplitudes) {
                let s =
                    time_steps(*t, def.dt).map_err(|m| fail(InvalidValue, "amplitude_times", m))?;
                if prev.is_some_and(|p| s <= p) {
                    return err(
                        InvalidValue,
                        "amplitude_times",
                        "times must increase strictly (after rounding to the grid)".into(),
                    );
                }
                prev = Some(s);
                if !a.is_finite() {
                    return err(
                        InvalidValue,
                        "amplitude_values",
                        format!("amplitude must be finite (got {a})"),
                    );
                }
            }
        }
    }
    Ok(())
}

/// A recorder added as the `index`-th of `def`.
pub(crate) fn record(def: &NetworkDef, index: usize, rec: &RecordDef) -> Check {
    let place = Place::Record(index);
    let fail = |kind, field: &str, m: String| BuildError::new(kind, place.clone(), field, m);
    let err = |kind, field: &str, m: String| Err(fail(kind, field, m));
    let Some(pop) = def.populations.get(rec.population) else {
        return err(
            UnknownName,
            "population",
            no_population(def, rec.population),
        );
    };
    if def.records.iter().any(|r| r.population == rec.population) {
        return err(
            DuplicateName,
            "population",
            format!(
                "'{}' already has a recorder; record it in one table",
                pop.name
            ),
        );
    }
    let mut seen = BTreeMap::new();
    for v in &rec.variables {
        if !pop.kind.state_variables().contains(&v.as_str()) {
            return err(
                UnknownName,
                "variables",
                format!(
                    "{} has no state variable '{v}'; it has: {}",
                    pop.kind.name(),
                    pop.kind.state_variables().join(", ")
                ),
            );
        }
        if seen.insert(v.as_str(), ()).is_some() {
            return err(
                DuplicateName,
                "variables",
                format!("'{v}' is listed twice; list it once"),
            );
        }
    }
    period_steps(rec.interval, def.dt, "interval")
        .map_err(|m| fail(InvalidValue, "interval", m))?;
    let field = |state: bool| if state { "state_neurons" } else { "neurons" };
    for (state, sel) in [
        (false, Some(&rec.neurons)),
        (true, rec.state_neurons.as_ref()),
    ] {
        match sel {
            Some(Selection::First(n)) if *n > pop.size => {
                return err(
                    InvalidValue,
                    field(state),
                    format!(
                        "{n} neurons asked, but '{}' has {}; ask for at most {} or \"all\"",
                        pop.name, pop.size, pop.size
                    ),
                );
            }
            Some(Selection::List(list)) => {
                if let Some(bad) = list.iter().find(|&&i| i as usize >= pop.size) {
                    return err(InvalidValue, field(state), outside(*bad, pop));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// An astrocyte added as the `index`-th of `def`.
pub(crate) fn astrocyte(def: &NetworkDef, index: usize, a: &AstrocyteDef) -> Check {
    let place = Place::Astrocyte(index);
    // every other astrocyte (`index` is the one checked, new or already in place)
    let others = (def.astrocytes.iter().enumerate())
        .filter(|&(j, _)| j != index)
        .map(|(_, b)| b.name.as_str());
    name(&place, "astrocyte", &a.name, others).map_err(|e| e.named(&a.name))?;
    a.validate(def.dt)
        .map_err(|(f, m)| BuildError::new(InvalidValue, place.clone(), f, m).named(&a.name))?;
    for (field, list) in [("liquid", &a.liquid), ("input", &a.input)] {
        if let Some(&p) = list.iter().find(|&&p| p >= def.populations.len()) {
            let m = no_population(def, p);
            return Err(BuildError::new(UnknownName, place, field, m).named(&a.name));
        }
    }
    Ok(())
}

/// At most one rule or synapse model on a projection, and synaptic scaling only with the STDP
/// family (`model`: the one checked, for the message).
fn sole_rule(proj: &ProjectionDef, model: &str) -> Result<(), Failure> {
    let given = [
        proj.plasticity.is_some(),
        proj.oja.is_some(),
        proj.tempotron.is_some(),
        proj.delta.is_some(),
        proj.tsodyks.is_some(),
        proj.p_transmit.is_some(),
    ];
    if given.iter().filter(|&&g| g).count() > 1 {
        return Err((
            Conflict,
            "plasticity",
            "a projection has one plasticity rule or synapse model".into(),
        ));
    }
    if proj.scaling.is_some() {
        return Err((
            Conflict,
            "scaling",
            format!("synaptic scaling applies to the STDP family's projections, not to {model}"),
        ));
    }
    Ok(())
}

/// Short-term plasticity's parameters, and no other rule beside it.
fn tsodyks(proj: &ProjectionDef, t: &crate::plasticity::TsodyksDef) -> Result<(), Failure> {
    sole_rule(proj, "tsodyks")?;
    let fraction = |v: f64| v.is_finite() && (0.0..=1.0).contains(&v);
    let checks: [(&'static str, bool, &str, f64); 7] = [
        (
            "plasticity.U",
            fraction(t.u_increment),
            "U must be in [0, 1]",
            t.u_increment,
        ),
        (
            "plasticity.tau_rec",
            t.tau_rec.is_finite() && t.tau_rec > 0.0,
            "tau_rec must be a finite time > 0 ms",
            t.tau_rec,
        ),
        (
            "plasticity.tau_fac",
            t.tau_fac.is_finite() && t.tau_fac >= 0.0,
            "tau_fac must be a finite time >= 0 ms (0: no facilitation)",
            t.tau_fac,
        ),
        (
            "plasticity.tau_psc",
            t.tau_psc.is_finite() && t.tau_psc > 0.0 && t.tau_psc != t.tau_rec,
            "tau_psc must be a finite time > 0 ms, other than tau_rec",
            t.tau_psc,
        ),
        ("plasticity.u", fraction(t.u0), "u must be in [0, 1]", t.u0),
        ("plasticity.x", fraction(t.x0), "x must be in [0, 1]", t.x0),
        (
            "plasticity.y",
            fraction(t.y0) && t.x0 + t.y0 <= 1.0,
            "y must be in [0, 1] with x + y <= 1",
            t.y0,
        ),
    ];
    for (field, ok, rule, v) in checks {
        if !ok {
            return Err((InvalidValue, field, format!("{rule} (got {v})")));
        }
    }
    Ok(())
}

/// Stochastic transmission's probability, and no other rule beside it.
fn bernoulli(proj: &ProjectionDef, p: f64) -> Result<(), Failure> {
    sole_rule(proj, "bernoulli_synapse")?;
    if !(p.is_finite() && (0.0..=1.0).contains(&p)) {
        return Err((
            InvalidValue,
            "plasticity.p_transmit",
            format!("p_transmit must be a probability in [0, 1] (got {p})"),
        ));
    }
    Ok(())
}

/// Oja's rule, the Tempotron and the delta rule learn a full matrix, with one delay, onto one block.
fn dense_matrix(def: &NetworkDef, proj: &ProjectionDef, rule: &str) -> Result<(), Failure> {
    let rules = [
        proj.plasticity.is_some(),
        proj.oja.is_some(),
        proj.tempotron.is_some(),
        proj.delta.is_some(),
    ];
    if rules.iter().filter(|&&r| r).count() > 1 {
        return Err((
            Conflict,
            "plasticity",
            "a projection has one plasticity rule".into(),
        ));
    }
    if proj.rule != Rule::AllToAll {
        return Err((
            Conflict,
            "plasticity",
            format!(
                "{rule} learns a full weight matrix: use rule = \"all_to_all\" (got {})",
                proj.rule.name()
            ),
        ));
    }
    if !proj.delay.is_const() {
        return Err((
            Conflict,
            "plasticity",
            format!("{rule} needs one delay for all synapses (a constant)"),
        ));
    }
    let size = def.populations[proj.target].size;
    if size > BLOCK_SIZE {
        return Err((
            Conflict,
            "plasticity",
            format!(
                "{rule} needs all targets in one block: at most {BLOCK_SIZE} neurons (got {size})"
            ),
        ));
    }
    if proj.source == proj.target && !proj.allow_autapses {
        return Err((
            Conflict,
            "allow_autapses",
            format!(
                "{rule} learns a full matrix, every neuron onto itself included: allow autapses \
                 or project from another population"
            ),
        ));
    }
    Ok(())
}

/// The Tempotron's rates, and targets whose kernel it knows.
fn tempotron(
    def: &NetworkDef,
    proj: &ProjectionDef,
    t: &crate::plasticity::TempotronDef,
) -> Result<(), Failure> {
    dense_matrix(def, proj, "the Tempotron")?;
    if !(t.lambda.is_finite() && t.lambda > 0.0) {
        return Err((
            InvalidValue,
            "plasticity.lambda",
            format!("lambda must be a finite number > 0 mV (got {})", t.lambda),
        ));
    }
    if !(0.0..1.0).contains(&t.momentum) {
        return Err((
            InvalidValue,
            "plasticity.momentum",
            format!("momentum must be in [0, 1) (got {})", t.momentum),
        ));
    }
    crate::plasticity::tempotron_kernel(&def.populations[proj.target], def.dt)
        .map(|_| ())
        .map_err(|m| (Conflict, "plasticity", m))
}
