//! Cajal model files: the TOML schema, validation with errors that name `file:line:column` and the
//! key, and building a [`cajal_core::NetworkDef`] from a file.
//!
//! ```
//! let model = cajal_model::load_str(cajal_model::DEFAULT_MODEL, "brunel.toml", None).unwrap();
//! assert_eq!(model.def.populations.len(), 2);
//! ```

pub mod locate;
pub mod schema;

use cajal_core::network::{BuildError, Place};
use cajal_core::{
    AstrocyteDef, Dist, InputDef, InputKind, ModelKind, NetworkDef, OjaDef, PopulationDef,
    ProjectionDef, RecordDef, Rule, ScalingDef, Selection, ThresholdDef,
};
use locate::{line_col, render, span_of, Seg};
use schema::{ModelFile, NeuronSelection, SpikeTimes, ValueSpec};
use std::path::{Path, PathBuf};

/// The embedded default model: Brunel (2000) in the asynchronous-irregular regime, as in
/// `../shared/peers` (NE 10000, NI 2500, CE 1000, CI 250, J 0.1 mV, g 5, eta 2, D 1.5 ms).
pub const DEFAULT_MODEL: &str = include_str!("../../../examples/brunel_ai.toml");

/// A model file that cannot be used: where (`file:line:column`, key) and what to change.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}:{line}:{column}: {key}{sep}{message}", sep = if key.is_empty() { "" } else { ": " })]
pub struct ModelError {
    /// The model file.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// The key, e.g. `population[0].params.tau_m` (empty when the file as a whole is wrong).
    pub key: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// A loaded model: the network and how long to run it.
#[derive(Debug, Clone)]
pub struct Model {
    /// Name from the file (or the file's stem).
    pub name: String,
    /// Description from the file.
    pub description: String,
    /// The network.
    pub def: NetworkDef,
    /// Simulated time (ms).
    pub duration: f64,
}

struct Ctx<'a> {
    file: &'a str,
    text: &'a str,
    doc: Option<toml_edit::ImDocument<String>>,
}

impl Ctx<'_> {
    fn error(&self, path: Vec<Seg>, message: impl Into<String>) -> ModelError {
        let span = self.doc.as_ref().and_then(|d| span_of(d, &path));
        let (line, column) = span.map(|s| line_col(self.text, s.start)).unwrap_or((1, 1));
        ModelError {
            file: self.file.to_string(),
            line,
            column,
            key: render(&path),
            message: message.into(),
        }
    }

    fn located(&self, e: BuildError) -> ModelError {
        let fields: Vec<Seg> = e
            .field
            .split('.')
            .map(|s| Seg::Key(s.to_string()))
            .collect();
        let mut path = match e.place {
            Place::Network => path!["simulation"],
            Place::Population(i) => path!["population", i],
            Place::Projection(i) => path!["projection", i],
            Place::Input(i) => path!["input", i],
            Place::Record(i) => path!["record", i],
            Place::Astrocyte(i) => path!["astrocyte", i],
        };
        path.extend(fields);
        self.error(path, e.message)
    }
}

/// Loads a model file from disk. Relative paths inside it (connection lists) are relative to it.
pub fn load_file(path: &Path) -> Result<Model, ModelError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ModelError {
        file: file.clone(),
        line: 0,
        column: 0,
        key: String::new(),
        message: format!("cannot read the model file: {e}"),
    })?;
    load_str(&text, &file, path.parent())
}

fn pick_population(
    ctx: &Ctx,
    names: &[String],
    name: &str,
    at: Vec<Seg>,
) -> Result<usize, ModelError> {
    names.iter().position(|n| n == name).ok_or_else(|| {
        ctx.error(
            at,
            format!(
                "unknown population '{name}'; the populations are: {}",
                names.join(", ")
            ),
        )
    })
}

fn dist(ctx: &Ctx, v: &ValueSpec, at: Vec<Seg>) -> Result<Dist, ModelError> {
    let d = match v {
        ValueSpec::Const(x) => Dist::Const(*x),
        ValueSpec::Dist(name, p) => {
            let need = |keys: &[&str]| -> Result<Vec<f64>, ModelError> {
                for k in p.keys() {
                    if !keys.contains(&k.as_str()) {
                        return Err(ctx.error(
                            at.clone(),
                            format!(
                                "'{k}' is not a parameter of the {name} distribution ({})",
                                keys.join(", ")
                            ),
                        ));
                    }
                }
                keys.iter()
                    .map(|k| {
                        p.get(*k).copied().ok_or_else(|| {
                            ctx.error(
                                at.clone(),
                                format!("the {name} distribution needs {}", keys.join(", ")),
                            )
                        })
                    })
                    .collect()
            };
            match name.as_str() {
                "uniform" => {
                    let v = need(&["low", "high"])?;
                    Dist::Uniform { low: v[0], high: v[1] }
                }
                "normal" => {
                    let v = need(&["mean", "std"])?;
                    Dist::Normal { mean: v[0], std: v[1] }
                }
                "lognormal" => {
                    let v = need(&["mu", "sigma"])?;
                    Dist::LogNormal { mu: v[0], sigma: v[1] }
                }
                "normal_clipped" => {
                    let v = need(&["mean", "std", "low", "high"])?;
                    Dist::NormalClipped { mean: v[0], std: v[1], low: v[2], high: v[3] }
                }
                other => {
                    return Err(ctx.error(
                        at,
                        format!("unknown distribution '{other}'; use uniform, normal, lognormal or normal_clipped"),
                    ))
                }
            }
        }
    };
    d.validate().map_err(|m| ctx.error(at, m))?;
    Ok(d)
}

fn count(
    ctx: &Ctx,
    v: Option<i64>,
    rule: &str,
    key: &str,
    at: Vec<Seg>,
) -> Result<usize, ModelError> {
    match v {
        None => Err(ctx.error(at, format!("rule {rule} needs {key} = <whole number>"))),
        Some(x) if x < 0 => Err(ctx.error(at, format!("{key} must be >= 0 (got {x})"))),
        Some(x) => Ok(x as usize),
    }
}

/// Parses and validates a model given as text; `file` names it in errors, `base` resolves
/// relative file paths inside it.
pub fn load_str(text: &str, file: &str, base: Option<&Path>) -> Result<Model, ModelError> {
    let mut ctx = Ctx {
        file,
        text,
        doc: None,
    };
    if text.trim().is_empty() {
        return Err(ctx.error(
            vec![],
            "the model file is empty; it needs at least one [[population]]",
        ));
    }
    let parsed: ModelFile = toml::from_str(text).map_err(|e| {
        let (line, column) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
        ModelError {
            file: file.to_string(),
            line,
            column,
            key: String::new(),
            message: e.message().trim().to_string(),
        }
    })?;
    ctx.doc = toml_edit::ImDocument::parse(text.to_string()).ok();
    let ctx = ctx;
    let sim = &parsed.simulation;
    if !(sim.dt.is_finite() && sim.dt > 0.0) {
        return Err(ctx.error(
            path!["simulation", "dt"],
            format!("dt must be a positive number of ms (got {})", sim.dt),
        ));
    }
    if !(sim.duration.is_finite() && sim.duration >= 0.0) {
        return Err(ctx.error(
            path!["simulation", "duration"],
            format!(
                "duration must be a finite number of ms >= 0 (got {})",
                sim.duration
            ),
        ));
    }
    if parsed.population.is_empty() {
        return Err(ctx.error(vec![], "the model has no [[population]]; add at least one"));
    }
    let names: Vec<String> = parsed.population.iter().map(|p| p.name.clone()).collect();

    let mut populations = Vec::new();
    for (i, p) in parsed.population.iter().enumerate() {
        let kind = ModelKind::from_name(&p.model).ok_or_else(|| {
            let known: Vec<&str> = ModelKind::ALL.iter().map(|k| k.name()).collect();
            ctx.error(
                path!["population", i, "model"],
                format!(
                    "unknown model '{}'; known models: {}",
                    p.model,
                    known.join(", ")
                ),
            )
        })?;
        let mut initial = Vec::new();
        for (k, v) in &p.initial {
            initial.push((
                k.clone(),
                dist(&ctx, v, path!["population", i, "initial", k.as_str()])?,
            ));
        }
        let spike_times = match &p.spike_times {
            None => vec![],
            Some(SpikeTimes::Shared(v)) => vec![v.clone()],
            Some(SpikeTimes::PerNeuron(v)) => v.clone(),
        };
        let threshold = match &p.threshold {
            None => None,
            Some(th) => {
                let at = |k: &str| path!["population", i, "threshold", k];
                let need = |v: Option<f64>, k: &str| {
                    v.ok_or_else(|| {
                        ctx.error(
                            at("model"),
                            format!("threshold model '{}' needs {k} = <number>", th.model),
                        )
                    })
                };
                let (def, own) = match th.model.as_str() {
                    "adaptive" => (
                        ThresholdDef::Adaptive {
                            theta_plus: need(th.theta_plus, "theta_plus")?,
                            tau_theta: th.tau_theta.unwrap_or(f64::INFINITY),
                        },
                        ["theta_plus", "tau_theta"],
                    ),
                    "target_rate" => (
                        ThresholdDef::TargetRate {
                            eta: need(th.eta, "eta")?,
                            rate: need(th.rate, "rate")?,
                        },
                        ["eta", "rate"],
                    ),
                    other => {
                        return Err(ctx.error(
                            at("model"),
                            format!(
                                "unknown threshold model '{other}'; use adaptive (theta_plus, \
                                 tau_theta) or target_rate (eta, rate)"
                            ),
                        ))
                    }
                };
                let given = [
                    ("theta_plus", th.theta_plus.is_some()),
                    ("tau_theta", th.tau_theta.is_some()),
                    ("eta", th.eta.is_some()),
                    ("rate", th.rate.is_some()),
                ];
                if let Some((k, _)) = given.iter().find(|(k, g)| *g && !own.contains(k)) {
                    return Err(ctx.error(
                        at(k),
                        format!("'{k}' does not apply to threshold model {}", th.model),
                    ));
                }
                Some(def)
            }
        };
        populations.push(PopulationDef {
            threshold,
            name: p.name.clone(),
            kind,
            size: p.size,
            params: p.params.clone(),
            initial,
            spike_times,
        });
    }

    let mut projections = Vec::new();
    for (i, pr) in parsed.projection.iter().enumerate() {
        let at = |k: &str| path!["projection", i, k];
        let source = pick_population(&ctx, &names, &pr.source, at("source"))?;
        let target = pick_population(&ctx, &names, &pr.target, at("target"))?;
        let rule = match pr.rule.as_str() {
            "all_to_all" => Rule::AllToAll,
            "one_to_one" => Rule::OneToOne,
            "pairwise_bernoulli" => {
                let p = pr.p.ok_or_else(|| ctx.error(at("rule"), "rule pairwise_bernoulli needs p = <probability>"))?;
                if !(0.0..=1.0).contains(&p) {
                    return Err(ctx.error(at("p"), format!("p must be a probability in [0, 1] (got {p})")));
                }
                Rule::PairwiseBernoulli { p }
            }
            "fixed_indegree" => Rule::FixedIndegree { indegree: count(&ctx, pr.indegree, &pr.rule, "indegree", at("rule"))? },
            "fixed_outdegree" => {
                Rule::FixedOutdegree { outdegree: count(&ctx, pr.outdegree, &pr.rule, "outdegree", at("rule"))? }
            }
            "fixed_total_number" => Rule::FixedTotalNumber { n: count(&ctx, pr.n, &pr.rule, "n", at("rule"))? },
            "explicit" => {
                let f = pr.file.as_ref().ok_or_else(|| ctx.error(at("rule"), "rule explicit needs file = \"connections.csv\""))?;
                let fp: PathBuf = match base {
                    Some(b) if Path::new(f).is_relative() => b.join(f),
                    _ => PathBuf::from(f),
                };
                let list = cajal_data::read_connection_list(&fp).map_err(|e| ctx.error(at("file"), e.to_string()))?;
                Rule::Explicit { sources: list.sources, targets: list.targets, weights: list.weights, delays: list.delays }
            }
            other => {
                return Err(ctx.error(
                    at("rule"),
                    format!(
                        "unknown rule '{other}'; use all_to_all, one_to_one, pairwise_bernoulli, fixed_indegree, \
                         fixed_outdegree, fixed_total_number or explicit"
                    ),
                ))
            }
        };
        // a parameter of another rule is a mistake worth naming
        let extras = [
            ("p", pr.p.is_some()),
            ("indegree", pr.indegree.is_some()),
            ("outdegree", pr.outdegree.is_some()),
            ("n", pr.n.is_some()),
            ("file", pr.file.is_some()),
        ];
        let wanted = match &rule {
            Rule::PairwiseBernoulli { .. } => "p",
            Rule::FixedIndegree { .. } => "indegree",
            Rule::FixedOutdegree { .. } => "outdegree",
            Rule::FixedTotalNumber { .. } => "n",
            Rule::Explicit { .. } => "file",
            _ => "",
        };
        if let Some((k, _)) = extras.iter().find(|(k, given)| *given && *k != wanted) {
            return Err(ctx.error(at(k), format!("'{k}' does not apply to rule {}", pr.rule)));
        }
        let weight = match &pr.weight {
            Some(w) => dist(&ctx, w, at("weight"))?,
            None => Dist::Const(1.0),
        };
        let delay = match &pr.delay {
            Some(d) => dist(&ctx, d, at("delay"))?,
            None => Dist::Const(1.0),
        };
        let (lo, _) = delay.range();
        if delay.is_const() && lo < sim.dt * 0.5 {
            return Err(ctx.error(
                at("delay"),
                format!(
                    "delay {lo} ms is shorter than dt = {} ms; delays must be at least dt",
                    sim.dt
                ),
            ));
        }
        let oja = match &pr.plasticity {
            Some(spec) if spec.model == "oja_subspace" || spec.model == "oja" => {
                let at = |k: &str| path!["projection", i, "plasticity", k];
                for (k, given) in [
                    ("pairing", spec.pairing.is_some()),
                    ("preset", spec.preset.is_some()),
                    ("modulator", spec.modulator.is_some()),
                    ("astrocyte", spec.astrocyte.is_some()),
                ] {
                    if given {
                        return Err(
                            ctx.error(at(k), format!("'{k}' does not apply to oja_subspace"))
                        );
                    }
                }
                if let Some(k) = spec
                    .params
                    .keys()
                    .find(|k| !["eta", "every"].contains(&k.as_str()))
                {
                    return Err(ctx.error(
                        at(k),
                        format!("'{k}' is not a parameter of oja_subspace; its parameters are: eta, every"),
                    ));
                }
                Some(OjaDef {
                    eta: spec.params.get("eta").copied().unwrap_or(1e-3),
                    every: spec.params.get("every").copied().unwrap_or(100.0),
                })
            }
            _ => None,
        };
        let plasticity = match &pr.plasticity {
            None => None,
            Some(_) if oja.is_some() => None,
            Some(spec) => {
                let modulator = match &spec.modulator {
                    Some(m) => Some(pick_population(
                        &ctx,
                        &names,
                        m,
                        path!["projection", i, "plasticity", "modulator"],
                    )?),
                    None => None,
                };
                let def = cajal_core::PlasticityDef::from_params(
                    &spec.model,
                    &spec.params,
                    spec.pairing.as_deref(),
                    spec.preset.as_deref(),
                    modulator,
                )
                .map_err(|e| {
                    ctx.error(
                        path!["projection", i, "plasticity", e.field.as_str()],
                        e.message,
                    )
                })?;
                Some(def)
            }
        };
        let astrocyte = match pr.plasticity.as_ref().and_then(|p| p.astrocyte.as_ref()) {
            None => None,
            Some(a) => Some(
                parsed
                    .astrocyte
                    .iter()
                    .position(|x| &x.name == a)
                    .ok_or_else(|| {
                        let known: Vec<&str> =
                            parsed.astrocyte.iter().map(|x| x.name.as_str()).collect();
                        ctx.error(
                            path!["projection", i, "plasticity", "astrocyte"],
                            format!(
                                "unknown astrocyte '{a}'; declared: {}",
                                if known.is_empty() {
                                    "none (add an [[astrocyte]] table)".to_string()
                                } else {
                                    known.join(", ")
                                }
                            ),
                        )
                    })?,
            ),
        };
        let scaling = pr.scaling.as_ref().map(|sc| ScalingDef {
            target: sc.target,
            every: sc.every,
        });
        let record_weights = match pr.record_weights {
            None | Some(schema::RecordWeights::Flag(false)) => None,
            Some(schema::RecordWeights::Flag(true)) => Some(f64::INFINITY),
            Some(schema::RecordWeights::Interval(x)) => {
                if !(x > 0.0 && x.is_finite()) {
                    return Err(ctx.error(
                        at("record_weights"),
                        format!("record_weights must be true or an interval > 0 ms (got {x})"),
                    ));
                }
                Some(x)
            }
        };
        projections.push(ProjectionDef {
            plasticity,
            record_weights,
            scaling,
            astrocyte,
            oja,
            name: pr
                .name
                .clone()
                .unwrap_or_else(|| format!("{}->{}", pr.source, pr.target)),
            source,
            target,
            rule,
            weight,
            delay,
            allow_autapses: pr.allow_autapses,
            allow_multapses: pr.allow_multapses,
        });
    }
    for (i, a) in projections.iter().enumerate() {
        if projections[..i].iter().any(|b| b.name == a.name) {
            return Err(ctx.error(
                path!["projection", i, "name"],
                format!(
                    "projection name '{}' is used twice; give each a distinct name",
                    a.name
                ),
            ));
        }
    }

    let mut inputs = Vec::new();
    for (i, inp) in parsed.input.iter().enumerate() {
        let at = |k: &str| path!["input", i, k];
        let target = pick_population(&ctx, &names, &inp.target, at("target"))?;
        let need = |v: Option<f64>, key: &str| {
            v.ok_or_else(|| ctx.error(at("type"), format!("{} needs {key}", inp.kind)))
        };
        let (allowed, kind): (&[&str], InputKind) = match inp.kind.as_str() {
            "poisson_generator" => (
                &["rate", "weight", "delay"],
                InputKind::Poisson { rate: need(inp.rate, "rate (Hz)")?, weight: need(inp.weight, "weight")?, delay: inp.delay.unwrap_or(sim.dt) },
            ),
            "dc_generator" => (&["amplitude"], InputKind::Dc { amplitude: need(inp.amplitude, "amplitude (pA)")? }),
            "step_current_generator" => (
                &["amplitude_times", "amplitude_values"],
                InputKind::StepCurrent {
                    times: inp.amplitude_times.clone().ok_or_else(|| ctx.error(at("type"), "step_current_generator needs amplitude_times (ms)"))?,
                    amplitudes: inp.amplitude_values.clone().ok_or_else(|| ctx.error(at("type"), "step_current_generator needs amplitude_values (pA)"))?,
                },
            ),
            other => {
                return Err(ctx.error(
                    at("type"),
                    format!("unknown input type '{other}'; use poisson_generator, dc_generator or step_current_generator (spike_generator is a population model)"),
                ))
            }
        };
        let given = [
            ("rate", inp.rate.is_some()),
            ("weight", inp.weight.is_some()),
            ("delay", inp.delay.is_some()),
            ("amplitude", inp.amplitude.is_some()),
            ("amplitude_times", inp.amplitude_times.is_some()),
            ("amplitude_values", inp.amplitude_values.is_some()),
        ];
        if let Some((k, _)) = given.iter().find(|(k, g)| *g && !allowed.contains(k)) {
            return Err(ctx.error(at(k), format!("'{k}' does not apply to {}", inp.kind)));
        }
        inputs.push(InputDef {
            kind,
            target,
            neurons: inp.neurons.clone(),
            start: inp.start,
            stop: inp.stop,
        });
    }

    let mut records = Vec::new();
    for (i, r) in parsed.record.iter().enumerate() {
        let population = pick_population(
            &ctx,
            &names,
            &r.population,
            path!["record", i, "population"],
        )?;
        let neurons = match &r.neurons {
            None => Selection::All,
            Some(NeuronSelection::Word(w)) if w == "all" => Selection::All,
            Some(NeuronSelection::Word(w)) => {
                return Err(ctx.error(
                    path!["record", i, "neurons"],
                    format!("neurons must be \"all\", a count or a list of indices (got \"{w}\")"),
                ))
            }
            Some(NeuronSelection::Count(n)) if *n < 0 => {
                return Err(ctx.error(
                    path!["record", i, "neurons"],
                    format!("a count of neurons must be >= 0 (got {n})"),
                ))
            }
            Some(NeuronSelection::Count(n)) => Selection::First(*n as usize),
            Some(NeuronSelection::List(l)) => Selection::List(l.clone()),
        };
        records.push(RecordDef {
            population,
            spikes: r.spikes,
            neurons,
            variables: r.variables.clone(),
            interval: r.interval,
        });
    }

    let mut astrocytes = Vec::new();
    for (i, a) in parsed.astrocyte.iter().enumerate() {
        if parsed.astrocyte[..i].iter().any(|b| b.name == a.name) {
            return Err(ctx.error(
                path!["astrocyte", i, "name"],
                format!("astrocyte name '{}' is used twice", a.name),
            ));
        }
        let pick = |list: &[String], key: &str| -> Result<Vec<usize>, ModelError> {
            list.iter()
                .map(|n| pick_population(&ctx, &names, n, path!["astrocyte", i, key]))
                .collect()
        };
        astrocytes.push(AstrocyteDef {
            name: a.name.clone(),
            liquid: pick(&a.liquid, "liquid")?,
            input: pick(&a.input, "input")?,
            w: a.w,
            bias: a.bias,
            tau: a.tau,
            initial: a.initial.unwrap_or(a.bias),
        });
    }
    let def = NetworkDef {
        dt: sim.dt,
        seed: sim.seed,
        populations,
        projections,
        inputs,
        records,
        astrocytes,
    };
    let name = parsed.name.clone().unwrap_or_else(|| {
        Path::new(file)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "model".into())
    });
    let model = Model {
        name,
        description: parsed.description.clone().unwrap_or_default(),
        def,
        duration: sim.duration,
    };
    Ok(model)
}

/// Builds the model's network on `threads` threads, mapping impossible values to located errors.
pub fn build(
    model: &Model,
    text_for_errors: &str,
    file: &str,
    threads: usize,
) -> Result<cajal_core::Simulation, ModelError> {
    cajal_core::Simulation::build(&model.def, threads).map_err(|e| {
        let ctx = Ctx {
            file,
            text: text_for_errors,
            doc: toml_edit::ImDocument::parse(text_for_errors.to_string()).ok(),
        };
        ctx.located(e)
    })
}
