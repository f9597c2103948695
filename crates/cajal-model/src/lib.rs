//! Cajal model files: the TOML schema, validation with errors that name `file:line:column` and the
//! key, and describing the file's network through [`cajal_core::Network`], whose checks
//! give every value's error (located here in the file).
//!
//! ```
//! let model = cajal_model::load_str(cajal_model::DEFAULT_MODEL, "brunel.toml", None).unwrap();
//! assert_eq!(model.def().populations.len(), 2);
//! ```

pub mod locate;
pub mod schema;

use cajal_core::{
    BuildError, DeltaDef, Dist, ErrorKind, Input, ModelKind, Network, NetworkDef, OjaDef, Place,
    Population, PopulationId, Projection, Record, Rule, ScalingDef, Selection, TempotronDef,
    ThresholdDef,
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
    /// The builder's kind of error, where the builder refused a value (`None` for mistakes of
    /// the file itself: syntax, unknown keys, unknown names).
    pub kind: Option<ErrorKind>,
}

/// A loaded model: the network (checked by the builder) and how long to run it.
#[derive(Debug, Clone)]
pub struct Model {
    /// Name from the file (or the file's stem).
    pub name: String,
    /// Description from the file.
    pub description: String,
    /// The network, every value checked.
    pub network: Network,
    /// Simulated time (ms).
    pub duration: f64,
    /// The files the network was built from besides the model file (connection lists), as
    /// opened (relative to the current folder when the model's folder was).
    pub files: Vec<PathBuf>,
}

impl Model {
    /// The network as plain data.
    pub fn def(&self) -> &NetworkDef {
        self.network.def()
    }
}

struct Ctx<'a> {
    file: &'a str,
    text: &'a str,
    doc: Option<toml_edit::ImDocument<String>>,
    /// The files read besides the model (connection lists), as opened.
    read: std::cell::RefCell<Vec<PathBuf>>,
    /// The connection list of the projection being added: its file and the line of each row
    /// (CSV), to name a bad row's line.
    rows: std::cell::RefCell<Option<(PathBuf, Option<Vec<usize>>)>>,
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
            message: cajal_core::error::short_numbers(&message.into()),
            kind: None,
        }
    }

    /// A builder error at the key its place and field name in the file.
    fn located(&self, e: BuildError) -> ModelError {
        let fields: Vec<Seg> = e
            .field
            .split('.')
            .filter(|s| !s.is_empty())
            .map(|s| Seg::Key(s.to_string()))
            .collect();
        let mut path = match e.place {
            Place::Population(i) => path!["population", i],
            Place::Projection(i) => path!["projection", i],
            Place::Input(i) => path!["input", i],
            Place::Record(i) => path!["record", i],
            Place::Astrocyte(i) => path!["astrocyte", i],
            _ => path!["simulation"],
        };
        path.extend(fields);
        let mut located = self.error(path, e.message);
        located.kind = Some(e.kind);
        located
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
        kind: None,
    })?;
    load_str(&text, &file, path.parent())
}

/// A value or distribution as written in the file (the distribution's name and parameter names
/// are the file's business; its values are checked by the builder).
fn dist(ctx: &Ctx, v: &ValueSpec, at: Vec<Seg>) -> Result<Dist, ModelError> {
    let (name, p) = match v {
        ValueSpec::Const(x) => return Ok(Dist::Const(*x)),
        ValueSpec::Dist(name, p) => (name, p),
    };
    let keys: &[&str] = match name.as_str() {
        "uniform" => &["low", "high"],
        "normal" => &["mean", "std"],
        "lognormal" => &["mu", "sigma"],
        "normal_clipped" => &["mean", "std", "low", "high"],
        other => {
            return Err(ctx.error(
                at,
                format!(
                "unknown distribution '{other}'; use uniform, normal, lognormal or normal_clipped"
            ),
            ))
        }
    };
    if let Some(k) = p.keys().find(|k| !keys.contains(&k.as_str())) {
        return Err(ctx.error(
            at,
            format!(
                "'{k}' is not a parameter of the {name} distribution ({})",
                keys.join(", ")
            ),
        ));
    }
    let v: Vec<f64> = keys
        .iter()
        .map(|k| {
            p.get(*k).copied().ok_or_else(|| {
                ctx.error(
                    at.clone(),
                    format!("the {name} distribution needs {}", keys.join(", ")),
                )
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(match name.as_str() {
        "uniform" => Dist::Uniform {
            low: v[0],
            high: v[1],
        },
        "normal" => Dist::Normal {
            mean: v[0],
            std: v[1],
        },
        "lognormal" => Dist::LogNormal {
            mu: v[0],
            sigma: v[1],
        },
        _ => Dist::NormalClipped {
            mean: v[0],
            std: v[1],
            low: v[2],
            high: v[3],
        },
    })
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

/// The populations' handles by name, for the tables that refer to them.
struct Names {
    names: Vec<String>,
    ids: Vec<PopulationId>,
}

impl Names {
    fn pick(&self, ctx: &Ctx, name: &str, at: Vec<Seg>) -> Result<PopulationId, ModelError> {
        let i = self.names.iter().position(|n| n == name).ok_or_else(|| {
            ctx.error(
                at,
                format!(
                    "unknown population '{name}'; the populations are: {}",
                    self.names.join(", ")
                ),
            )
        })?;
        Ok(self.ids[i])
    }
}

/// Parses and validates a model given as text; `file` names it in errors, `base` resolves
/// relative file paths inside it.
pub fn load_str(text: &str, file: &str, base: Option<&Path>) -> Result<Model, ModelError> {
    let mut ctx = Ctx {
        file,
        text,
        doc: None,
        read: Default::default(),
        rows: Default::default(),
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
            kind: None,
        }
    })?;
    ctx.doc = toml_edit::ImDocument::parse(text.to_string()).ok();
    let ctx = ctx;
    let sim = &parsed.simulation;
    let mut net = Network::new(sim.dt, sim.seed).map_err(|e| {
        let mut err = ctx.error(path!["simulation", "dt"], e.message);
        err.kind = Some(e.kind);
        err
    })?;
    if let Err(m) = cajal_core::duration_steps(sim.duration, sim.dt) {
        return Err(ctx.error(path!["simulation", "duration"], m));
    }
    if parsed.population.is_empty() {
        return Err(ctx.error(vec![], "the model has no [[population]]; add at least one"));
    }
    let names = add_populations(&ctx, &parsed, &mut net)?;
    add_astrocytes(&ctx, &parsed, &names, &mut net)?;
    for i in 0..parsed.projection.len() {
        add_projection(&ctx, &parsed, i, &names, base, &mut net)?;
    }
    add_inputs(&ctx, &parsed, &names, &mut net)?;
    add_records(&ctx, &parsed, &names, &mut net)?;
    let name = parsed.name.clone().unwrap_or_else(|| {
        Path::new(file)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "model".into())
    });
    Ok(Model {
        name,
        description: parsed.description.clone().unwrap_or_default(),
        network: net,
        duration: sim.duration,
        files: ctx.read.take(),
    })
}

fn add_populations(ctx: &Ctx, parsed: &ModelFile, net: &mut Network) -> Result<Names, ModelError> {
    let mut names = Names {
        names: Vec::new(),
        ids: Vec::new(),
    };
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
        let mut pop = Population::new(p.name.clone(), kind, p.size);
        for (k, v) in &p.params {
            pop = pop.param(k, *v);
        }
        for (k, v) in &p.initial {
            pop = pop.initial(
                k,
                dist(ctx, v, path!["population", i, "initial", k.as_str()])?,
            );
        }
        pop = pop.spike_times(match &p.spike_times {
            None => vec![],
            Some(SpikeTimes::Shared(v)) => vec![v.clone()],
            Some(SpikeTimes::PerNeuron(v)) => v.clone(),
        });
        if let Some(th) = &p.threshold {
            pop = pop.threshold(threshold(ctx, th, i)?);
        }
        let id = net.add_population(pop).map_err(|e| ctx.located(e))?;
        names.names.push(p.name.clone());
        names.ids.push(id);
    }
    Ok(names)
}

fn threshold(ctx: &Ctx, th: &schema::ThresholdSpec, i: usize) -> Result<ThresholdDef, ModelError> {
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
    Ok(def)
}

fn add_astrocytes(
    ctx: &Ctx,
    parsed: &ModelFile,
    names: &Names,
    net: &mut Network,
) -> Result<(), ModelError> {
    for (i, a) in parsed.astrocyte.iter().enumerate() {
        let pick = |list: &[String], key: &str| -> Result<Vec<PopulationId>, ModelError> {
            list.iter()
                .map(|n| names.pick(ctx, n, path!["astrocyte", i, key]))
                .collect()
        };
        let (liquid, input) = (pick(&a.liquid, "liquid")?, pick(&a.input, "input")?);
        let initial = a.initial.unwrap_or(a.bias);
        net.add_astrocyte(a.name.clone(), &liquid, &input, a.w, a.bias, a.tau, initial)
            .map_err(|e| ctx.located(e))?;
    }
    Ok(())
}

fn connection_rule(
    ctx: &Ctx,
    pr: &schema::ProjectionSpec,
    i: usize,
    base: Option<&Path>,
) -> Result<Rule, ModelError> {
    let at = |k: &str| path!["projection", i, k];
    let rule = match pr.rule.as_str() {
        "all_to_all" => Rule::AllToAll,
        "one_to_one" => Rule::OneToOne,
        "pairwise_bernoulli" => {
            let p = pr.p.ok_or_else(|| {
                ctx.error(
                    at("rule"),
                    "rule pairwise_bernoulli needs p = <probability>",
                )
            })?;
            Rule::PairwiseBernoulli { p }
        }
        "fixed_indegree" => Rule::FixedIndegree {
            indegree: count(ctx, pr.indegree, &pr.rule, "indegree", at("rule"))?,
        },
        "fixed_outdegree" => Rule::FixedOutdegree {
            outdegree: count(ctx, pr.outdegree, &pr.rule, "outdegree", at("rule"))?,
        },
        "fixed_total_number" => Rule::FixedTotalNumber {
            n: count(ctx, pr.n, &pr.rule, "n", at("rule"))?,
        },
        "explicit" => {
            let f = pr.file.as_ref().ok_or_else(|| {
                ctx.error(at("rule"), "rule explicit needs file = \"connections.csv\"")
            })?;
            let fp: PathBuf = match base {
                Some(b) if Path::new(f).is_relative() => b.join(f),
                _ => PathBuf::from(f),
            };
            let mut list = cajal_data::read_connection_list(&fp)
                .map_err(|e| ctx.error(at("file"), e.to_string()))?;
            ctx.read.borrow_mut().push(fp.clone());
            *ctx.rows.borrow_mut() = Some((fp, list.lines.take()));
            Rule::Explicit {
                sources: list.sources,
                targets: list.targets,
                weights: list.weights,
                delays: list.delays,
            }
        }
        other => {
            return Err(ctx.error(
                at("rule"),
                format!(
                    "unknown rule '{other}'; use all_to_all, one_to_one, pairwise_bernoulli, \
                     fixed_indegree, fixed_outdegree, fixed_total_number or explicit"
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
    Ok(rule)
}

/// The parameters of a rule with a fixed list of them (`oja_subspace`, `tempotron`, `delta`,
/// `tsodyks`, `bernoulli_synapse`): only its own numeric
/// ones, with their defaults, in the order given by `names`.
fn matrix_rule_params(
    ctx: &Ctx,
    spec: &schema::PlasticitySpec,
    i: usize,
    rule: &str,
    defaults: &[(&str, f64)],
) -> Result<Vec<f64>, ModelError> {
    let at = |k: &str| path!["projection", i, "plasticity", k];
    for (k, given) in [
        ("pairing", spec.pairing.is_some()),
        ("preset", spec.preset.is_some()),
        ("modulator", spec.modulator.is_some()),
        ("astrocyte", spec.astrocyte.is_some()),
        ("zero_lag", spec.zero_lag.is_some()),
    ] {
        if given {
            return Err(ctx.error(at(k), format!("'{k}' does not apply to {rule}")));
        }
    }
    let names: Vec<&str> = defaults.iter().map(|d| d.0).collect();
    if let Some(k) = spec.params.keys().find(|k| !names.contains(&k.as_str())) {
        return Err(ctx.error(
            at(k),
            format!(
                "'{k}' is not a parameter of {rule}; its parameters are: {}",
                names.join(", ")
            ),
        ));
    }
    Ok(defaults
        .iter()
        .map(|&(k, d)| spec.params.get(k).copied().unwrap_or(d))
        .collect())
}

fn oja_rule(ctx: &Ctx, spec: &schema::PlasticitySpec, i: usize) -> Result<OjaDef, ModelError> {
    let v = matrix_rule_params(
        ctx,
        spec,
        i,
        "oja_subspace",
        &[("eta", 1e-3), ("every", 100.0)],
    )?;
    Ok(OjaDef {
        eta: v[0],
        every: v[1],
    })
}

fn tempotron_rule(
    ctx: &Ctx,
    spec: &schema::PlasticitySpec,
    i: usize,
) -> Result<TempotronDef, ModelError> {
    let v = matrix_rule_params(
        ctx,
        spec,
        i,
        "tempotron",
        &[("lambda", 1e-3), ("momentum", 0.0)],
    )?;
    Ok(TempotronDef {
        lambda: v[0],
        momentum: v[1],
    })
}

fn delta_rule(ctx: &Ctx, spec: &schema::PlasticitySpec, i: usize) -> Result<DeltaDef, ModelError> {
    let v = matrix_rule_params(ctx, spec, i, "delta", &[("eta", 1e-3), ("tau", 5.0)])?;
    Ok(DeltaDef {
        eta: v[0],
        tau: v[1],
    })
}

/// NEST's `tsodyks_synapse`: `U`, `tau_rec`, `tau_fac`, `tau_psc` and the state `u`, `x`, `y`
/// at the start, with NEST's defaults.
fn tsodyks_rule(
    ctx: &Ctx,
    spec: &schema::PlasticitySpec,
    i: usize,
) -> Result<cajal_core::TsodyksDef, ModelError> {
    let d = cajal_core::TsodyksDef::NEST;
    let v = matrix_rule_params(
        ctx,
        spec,
        i,
        "tsodyks",
        &[
            ("U", d.u_increment),
            ("tau_rec", d.tau_rec),
            ("tau_fac", d.tau_fac),
            ("tau_psc", d.tau_psc),
            ("u", d.u0),
            ("x", d.x0),
            ("y", d.y0),
        ],
    )?;
    Ok(cajal_core::TsodyksDef {
        u_increment: v[0],
        tau_rec: v[1],
        tau_fac: v[2],
        tau_psc: v[3],
        u0: v[4],
        x0: v[5],
        y0: v[6],
    })
}

fn add_projection(
    ctx: &Ctx,
    parsed: &ModelFile,
    i: usize,
    names: &Names,
    base: Option<&Path>,
    net: &mut Network,
) -> Result<(), ModelError> {
    let pr = &parsed.projection[i];
    let at = |k: &str| path!["projection", i, k];
    let source = names.pick(ctx, &pr.source, at("source"))?;
    let target = names.pick(ctx, &pr.target, at("target"))?;
    let mut proj = Projection::new(source, target, connection_rule(ctx, pr, i, base)?)
        .name(
            pr.name
                .clone()
                .unwrap_or_else(|| format!("{}->{}", pr.source, pr.target)),
        )
        .autapses(pr.allow_autapses)
        .multapses(pr.allow_multapses);
    if let Some(w) = &pr.weight {
        proj = proj.weight(dist(ctx, w, at("weight"))?);
    }
    if let Some(d) = &pr.delay {
        proj = proj.delay(dist(ctx, d, at("delay"))?);
    }
    match &pr.plasticity {
        Some(spec) if spec.model == "oja_subspace" || spec.model == "oja" => {
            proj = proj.oja(oja_rule(ctx, spec, i)?);
        }
        Some(spec) if spec.model == "tempotron" => {
            proj = proj.tempotron(tempotron_rule(ctx, spec, i)?);
        }
        Some(spec) if spec.model == "delta" => {
            proj = proj.delta(delta_rule(ctx, spec, i)?);
        }
        Some(spec) if spec.model == "tsodyks" || spec.model == "tsodyks_synapse" => {
            proj = proj.tsodyks(tsodyks_rule(ctx, spec, i)?);
        }
        Some(spec) if spec.model == "bernoulli" || spec.model == "bernoulli_synapse" => {
            // NEST's default: every spike passes
            let v = matrix_rule_params(ctx, spec, i, "bernoulli_synapse", &[("p_transmit", 1.0)])?;
            proj = proj.bernoulli(v[0]);
        }
        Some(spec) => {
            let at = |k: &str| path!["projection", i, "plasticity", k];
            let modulator = match &spec.modulator {
                Some(m) => Some(names.pick(ctx, m, at("modulator"))?.index()),
                None => None,
            };
            let zero_lag = match spec.zero_lag.as_deref() {
                None => None,
                Some("unpaired") => Some(cajal_core::ZeroLag::Unpaired),
                Some("depress") => Some(cajal_core::ZeroLag::Depress),
                Some(other) => {
                    return Err(ctx.error(
                        at("zero_lag"),
                        format!(
                            "zero_lag must be \"unpaired\" (NEST's convention) or \"depress\" \
                             (SpiNNaker's), not \"{other}\""
                        ),
                    ))
                }
            };
            let rule = cajal_core::PlasticityDef::from_params(
                &spec.model,
                &spec.params,
                spec.pairing.as_deref(),
                spec.preset.as_deref(),
                modulator,
            )
            .and_then(|rule| match zero_lag {
                Some(z) => rule.with_zero_lag(z),
                None => Ok(rule),
            })
            .map_err(|e| ctx.error(at(e.field.as_str()), e.message))?;
            proj = proj.plastic(rule);
            if let Some(a) = &spec.astrocyte {
                let found = net.astrocyte(a).ok_or_else(|| {
                    let known: Vec<&str> =
                        parsed.astrocyte.iter().map(|x| x.name.as_str()).collect();
                    ctx.error(
                        at("astrocyte"),
                        format!(
                            "unknown astrocyte '{a}'; declared: {}",
                            if known.is_empty() {
                                "none (add an [[astrocyte]] table)".to_string()
                            } else {
                                known.join(", ")
                            }
                        ),
                    )
                })?;
                proj = proj.astrocyte(found);
            }
        }
        None => {}
    }
    if let Some(sc) = &pr.scaling {
        proj = proj.scaling(ScalingDef {
            target: sc.target,
            every: sc.every,
        });
    }
    match pr.record_weights {
        None | Some(schema::RecordWeights::Flag(false)) => {}
        Some(schema::RecordWeights::Flag(true)) => proj = proj.record_weights(f64::INFINITY),
        Some(schema::RecordWeights::Interval(x)) => proj = proj.record_weights(x),
    }
    net.connect(proj).map_err(|mut e| {
        // the builder names a row of the list by its index; name the file and its line
        if let Some((file, lines)) = ctx.rows.borrow_mut().take() {
            if let Some((k, rest)) = e
                .message
                .strip_prefix("row ")
                .and_then(|m| m.split_once(": "))
                .and_then(|(k, rest)| Some((k.parse::<usize>().ok()?, rest)))
            {
                let row = cajal_data::row_name(lines.as_deref(), k);
                e.message = format!("{}: {row}: {rest}", file.display());
            }
        }
        ctx.located(e)
    })?;
    ctx.rows.borrow_mut().take();
    Ok(())
}

fn add_inputs(
    ctx: &Ctx,
    parsed: &ModelFile,
    names: &Names,
    net: &mut Network,
) -> Result<(), ModelError> {
    for (i, inp) in parsed.input.iter().enumerate() {
        let at = |k: &str| path!["input", i, k];
        let target = names.pick(ctx, &inp.target, at("target"))?;
        let need = |v: Option<f64>, key: &str| {
            v.ok_or_else(|| ctx.error(at("type"), format!("{} needs {key}", inp.kind)))
        };
        let (allowed, input): (&[&str], Input) = match inp.kind.as_str() {
            "poisson_generator" => (
                &["rate", "weight", "delay"],
                Input::poisson(
                    need(inp.rate, "rate (Hz)")?,
                    need(inp.weight, "weight")?,
                    inp.delay.unwrap_or(parsed.simulation.dt),
                ),
            ),
            "dc_generator" => (
                &["amplitude"],
                Input::dc(need(inp.amplitude, "amplitude (pA)")?),
            ),
            "step_current_generator" => {
                let times = inp.amplitude_times.clone().ok_or_else(|| {
                    ctx.error(
                        at("type"),
                        "step_current_generator needs amplitude_times (ms)",
                    )
                })?;
                let values = inp.amplitude_values.clone().ok_or_else(|| {
                    ctx.error(
                        at("type"),
                        "step_current_generator needs amplitude_values (pA)",
                    )
                })?;
                (
                    &["amplitude_times", "amplitude_values"],
                    Input::step_current(times, values),
                )
            }
            other => {
                return Err(ctx.error(
                    at("type"),
                    format!(
                        "unknown input type '{other}'; use poisson_generator, dc_generator or \
                         step_current_generator (spike_generator is a population model)"
                    ),
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
        let mut input = input.onto(target).between(inp.start, inp.stop);
        if let Some(list) = &inp.neurons {
            input = input.neurons(list.clone());
        }
        net.add_input(input).map_err(|e| ctx.located(e))?;
    }
    Ok(())
}

fn add_records(
    ctx: &Ctx,
    parsed: &ModelFile,
    names: &Names,
    net: &mut Network,
) -> Result<(), ModelError> {
    for (i, r) in parsed.record.iter().enumerate() {
        let population = names.pick(ctx, &r.population, path!["record", i, "population"])?;
        let neurons = selection(ctx, r.neurons.as_ref(), i, "neurons")?.unwrap_or(Selection::All);
        let variables: Vec<&str> = r.variables.iter().map(String::as_str).collect();
        let mut record = Record::spikes(population)
            .with_spikes(r.spikes)
            .variables(&variables)
            .neurons(neurons)
            .interval(r.interval);
        if let Some(state) = selection(ctx, r.state_neurons.as_ref(), i, "state_neurons")? {
            record = record.state_neurons(state);
        }
        net.add_record(record).map_err(|e| ctx.located(e))?;
    }
    Ok(())
}

/// A `neurons`-like key of `[[record]]` i: `"all"`, a count or a list of indices.
fn selection(
    ctx: &Ctx,
    given: Option<&NeuronSelection>,
    i: usize,
    key: &str,
) -> Result<Option<Selection>, ModelError> {
    Ok(Some(match given {
        None => return Ok(None),
        Some(NeuronSelection::Word(w)) if w == "all" => Selection::All,
        Some(NeuronSelection::Word(w)) => {
            return Err(ctx.error(
                path!["record", i, key],
                format!("{key} must be \"all\", a count or a list of indices (got \"{w}\")"),
            ))
        }
        Some(NeuronSelection::Count(n)) if *n < 0 => {
            return Err(ctx.error(
                path!["record", i, key],
                format!("a count of neurons must be >= 0 (got {n})"),
            ))
        }
        Some(NeuronSelection::Count(n)) => Selection::First(*n as usize),
        Some(NeuronSelection::List(l)) => Selection::List(l.clone()),
    }))
}

/// Builds the model's network on `threads` threads; an error found while drawing (a delay drawn
/// below dt) is located in the file like the builder's.
pub fn build(
    model: &Model,
    text_for_errors: &str,
    file: &str,
    threads: usize,
) -> Result<cajal_core::Simulation, ModelError> {
    build_with(
        model,
        text_for_errors,
        file,
        threads,
        Box::new(cajal_core::Local),
    )
}

/// [`build`] for the process of `communicator` in a run over several processes
/// (`cajal_core::Network::build_distributed`).
pub fn build_with(
    model: &Model,
    text_for_errors: &str,
    file: &str,
    threads: usize,
    communicator: Box<dyn cajal_core::Communicator>,
) -> Result<cajal_core::Simulation, ModelError> {
    model
        .network
        .build_distributed(threads, communicator)
        .map_err(|e| {
            let ctx = Ctx {
                file,
                text: text_for_errors,
                doc: toml_edit::ImDocument::parse(text_for_errors.to_string()).ok(),
                read: Default::default(),
                rows: Default::default(),
            };
            ctx.located(e)
        })
}
