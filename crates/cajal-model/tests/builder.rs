//! The builder and the model file are one path: the default Brunel network built in Rust gives
//! the model file's spikes bit for bit, and the same bad values give the same error kind and
//! message through both (the file adds its location).

#[allow(dead_code)]
#[path = "../../cajal-core/examples/brunel.rs"]
mod brunel_example;

use cajal_core::{
    BuildError, Dist, ErrorKind, Input, ModelKind, Network, PlasticityDef, Population, Projection,
    Record, Rule, ScalingDef, Simulation, ThresholdDef, ZeroLag,
};
use std::collections::BTreeMap;

fn spikes(sim: &Simulation) -> Vec<(Vec<f64>, Vec<u32>)> {
    sim.population_ids()
        .into_iter()
        .map(|id| {
            let s = sim.spike_trains(id).unwrap();
            (s.times, s.senders)
        })
        .collect()
}

#[test]
fn brunel_from_the_builder_equals_the_model_file() {
    let file = cajal_model::load_str(cajal_model::DEFAULT_MODEL, "brunel_ai.toml", None).unwrap();
    let built = brunel_example::brunel(1).unwrap();
    for threads in [1, 2] {
        let mut a = file.network.build(threads).unwrap();
        let mut b = built.build(threads).unwrap();
        a.run(200.0, |_, _| {}).unwrap();
        b.run(200.0, |_, _| {}).unwrap();
        let (sa, sb) = (spikes(&a), spikes(&b));
        let n: usize = sa.iter().map(|s| s.0.len()).sum();
        assert!(
            n > 10_000,
            "{n} spikes in 200 ms: the network should be active"
        );
        assert_eq!(sa, sb, "{threads} threads: builder and model file differ");
        assert_eq!(a.synapses(), b.synapses());
    }
}

/// One small network with every kind of item, and the value a case changes.
#[derive(Clone)]
struct Spec {
    dt: f64,
    size: usize,
    params: Vec<(&'static str, f64)>,
    initial: Option<(&'static str, Dist)>,
    threshold: Option<ThresholdDef>,
    second_name: &'static str,
    spike_times: Vec<f64>,
    target: &'static str,
    rule: Rule,
    allow_multapses: bool,
    weight: Dist,
    delay: Dist,
    plasticity: Vec<(&'static str, f64)>,
    scaling: Option<ScalingDef>,
    record_weights: Option<f64>,
    rate: f64,
    input_delay: f64,
    start_stop: (f64, f64),
    input_neurons: Option<Vec<u32>>,
    variables: Vec<&'static str>,
    interval: f64,
}

impl Default for Spec {
    fn default() -> Self {
        Spec {
            dt: 0.1,
            size: 10,
            params: vec![("tau_m", 10.0)],
            initial: None,
            threshold: None,
            second_name: "G",
            spike_times: vec![1.0, 2.0],
            target: "E",
            rule: Rule::PairwiseBernoulli { p: 0.5 },
            allow_multapses: true,
            weight: Dist::Const(10.0),
            delay: Dist::Const(1.0),
            plasticity: vec![],
            scaling: None,
            record_weights: None,
            rate: 100.0,
            input_delay: 1.0,
            start_stop: (0.0, 100.0),
            input_neurons: None,
            variables: vec!["V_m"],
            interval: 1.0,
        }
    }
}

fn toml_value(d: &Dist) -> String {
    let n = |x: f64| {
        if x.is_nan() {
            "nan".to_string()
        } else if x.is_infinite() {
            if x > 0.0 { "inf" } else { "-inf" }.to_string()
        } else {
            format!("{x:?}")
        }
    };
    match *d {
        Dist::Const(x) => n(x),
        Dist::Uniform { low, high } => {
            format!(
                "{{ distribution = \"uniform\", low = {}, high = {} }}",
                n(low),
                n(high)
            )
        }
        Dist::Normal { mean, std } => {
            format!(
                "{{ distribution = \"normal\", mean = {}, std = {} }}",
                n(mean),
                n(std)
            )
        }
        _ => unreachable!("not used here"),
    }
}

impl Spec {
    /// The network written as a model file.
    fn toml(&self) -> String {
        let params: Vec<String> = self
            .params
            .iter()
            .map(|(k, v)| format!("{k} = {v:?}"))
            .collect();
        let mut t = format!(
            "[simulation]\ndt = {:?}\nseed = 1\nduration = 100.0\n\n\
             [[population]]\nname = \"E\"\nmodel = \"iaf_psc_exp\"\nsize = {}\nparams = {{ {} }}\n",
            self.dt,
            self.size,
            params.join(", ")
        );
        if let Some((var, d)) = &self.initial {
            t += &format!("initial = {{ {var} = {} }}\n", toml_value(d));
        }
        if let Some(ThresholdDef::Adaptive {
            theta_plus,
            tau_theta,
        }) = self.threshold
        {
            t += &format!(
                "threshold = {{ model = \"adaptive\", theta_plus = {theta_plus:?}, tau_theta = {} }}\n",
                toml_value(&Dist::Const(tau_theta))
            );
        }
        let times: Vec<String> = self.spike_times.iter().map(|x| format!("{x:?}")).collect();
        t += &format!(
            "\n[[population]]\nname = \"{}\"\nmodel = \"spike_generator\"\nsize = 2\nspike_times = [{}]\n",
            self.second_name,
            times.join(", ")
        );
        let rule = match self.rule {
            Rule::PairwiseBernoulli { p } => format!("rule = \"pairwise_bernoulli\"\np = {p:?}"),
            Rule::OneToOne => "rule = \"one_to_one\"".into(),
            Rule::FixedIndegree { indegree } => {
                format!("rule = \"fixed_indegree\"\nindegree = {indegree}")
            }
            _ => unreachable!("not used here"),
        };
        t += &format!(
            "\n[[projection]]\nname = \"in\"\nsource = \"{}\"\ntarget = \"{}\"\n{rule}\n\
             allow_multapses = {}\nweight = {}\ndelay = {}\n",
            self.second_name,
            self.target,
            self.allow_multapses,
            toml_value(&self.weight),
            toml_value(&self.delay)
        );
        if !self.plasticity.is_empty() {
            let p: Vec<String> = self
                .plasticity
                .iter()
                .map(|(k, v)| format!("{k} = {}", toml_value(&Dist::Const(*v))))
                .collect();
            t += &format!("plasticity = {{ model = \"stdp\", {} }}\n", p.join(", "));
        }
        if let Some(sc) = &self.scaling {
            t += &format!(
                "scaling = {{ target = {:?}, every = {:?} }}\n",
                sc.target, sc.every
            );
        }
        if let Some(r) = self.record_weights {
            t += &format!("record_weights = {r:?}\n");
        }
        t += &format!(
            "\n[[input]]\ntype = \"poisson_generator\"\ntarget = \"E\"\nrate = {:?}\nweight = 5.0\n\
             delay = {:?}\nstart = {:?}\nstop = {:?}\n",
            self.rate, self.input_delay, self.start_stop.0, self.start_stop.1
        );
        if let Some(n) = &self.input_neurons {
            t += &format!("neurons = {n:?}\n");
        }
        let vars: Vec<String> = self.variables.iter().map(|v| format!("\"{v}\"")).collect();
        t += &format!(
            "\n[[record]]\npopulation = \"E\"\nvariables = [{}]\ninterval = {:?}\n",
            vars.join(", "),
            self.interval
        );
        t
    }

    /// The same network through the builder.
    fn build(&self) -> Result<Network, BuildError> {
        let mut net = Network::new(self.dt, 1)?;
        let mut e = Population::new("E", ModelKind::IafPscExp, self.size);
        for (k, v) in &self.params {
            e = e.param(k, *v);
        }
        if let Some((var, d)) = &self.initial {
            e = e.initial(var, d.clone());
        }
        if let Some(th) = &self.threshold {
            e = e.threshold(*th);
        }
        let e = net.add_population(e)?;
        let g = net.add_population(
            Population::new(self.second_name, ModelKind::SpikeGenerator, 2)
                .spike_times(vec![self.spike_times.clone()]),
        )?;
        let target = if self.target == "E" { e } else { g };
        let mut proj = Projection::new(g, target, self.rule.clone())
            .name("in")
            .multapses(self.allow_multapses)
            .weight(self.weight.clone())
            .delay(self.delay.clone());
        if !self.plasticity.is_empty() {
            let params: BTreeMap<String, f64> = self
                .plasticity
                .iter()
                .map(|(k, v)| (k.to_string(), *v))
                .collect();
            proj = proj
                .plastic(PlasticityDef::from_params("stdp", &params, None, None, None).unwrap());
        }
        if let Some(sc) = &self.scaling {
            proj = proj.scaling(*sc);
        }
        if let Some(r) = self.record_weights {
            proj = proj.record_weights(r);
        }
        net.connect(proj)?;
        let mut input = Input::poisson(self.rate, 5.0, self.input_delay)
            .onto(e)
            .between(self.start_stop.0, self.start_stop.1);
        if let Some(n) = &self.input_neurons {
            input = input.neurons(n.clone());
        }
        net.add_input(input)?;
        net.add_record(Record::state(e, &self.variables).interval(self.interval))?;
        Ok(net)
    }
}

fn case(
    key: &'static str,
    kind: ErrorKind,
    change: impl Fn(&mut Spec),
) -> (Spec, &'static str, ErrorKind) {
    let mut s = Spec::default();
    change(&mut s);
    (s, key, kind)
}

#[test]
fn the_same_bad_values_give_the_same_errors_through_the_builder_and_the_file() {
    use ErrorKind::*;
    let stdp =
        |k: &'static str, v: f64| move |s: &mut Spec| s.plasticity = vec![("Wmax", 100.0), (k, v)];
    let cases = vec![
        case("simulation.dt", InvalidValue, |s| s.dt = -0.1),
        case("simulation.dt", InvalidValue, |s| s.dt = 0.0),
        case("population[0].params.tau_m", InvalidValue, |s| {
            s.params = vec![("tau_m", -5.0)]
        }),
        case("population[0].params.C_m", InvalidValue, |s| {
            s.params = vec![("C_m", 0.0)]
        }),
        case("population[0].params.t_ref", InvalidValue, |s| {
            s.params = vec![("t_ref", -1.0)]
        }),
        case("population[0].params.tau_x", UnknownName, |s| {
            s.params = vec![("tau_x", 1.0)]
        }),
        case("population[0].size", InvalidValue, |s| s.size = 0),
        case("population[0].initial.V_m", InvalidValue, |s| {
            s.initial = Some((
                "V_m",
                Dist::Uniform {
                    low: 5.0,
                    high: 1.0,
                },
            ))
        }),
        case("population[0].initial.w", UnknownName, |s| {
            s.initial = Some(("w", Dist::Const(0.0)))
        }),
        case("population[0].threshold.theta_plus", InvalidValue, |s| {
            s.threshold = Some(ThresholdDef::Adaptive {
                theta_plus: -1.0,
                tau_theta: 100.0,
            })
        }),
        case("population[0].threshold.tau_theta", InvalidValue, |s| {
            s.threshold = Some(ThresholdDef::Adaptive {
                theta_plus: 1.0,
                tau_theta: 0.0,
            })
        }),
        case("population[1].name", DuplicateName, |s| s.second_name = "E"),
        case("population[1].spike_times", InvalidValue, |s| {
            s.spike_times = vec![0.05]
        }),
        case("population[1].spike_times", InvalidValue, |s| {
            s.spike_times = vec![-1.0]
        }),
        case("projection[0].p", InvalidValue, |s| {
            s.rule = Rule::PairwiseBernoulli { p: 1.5 }
        }),
        case("projection[0].weight", InvalidValue, |s| {
            s.weight = Dist::Const(f64::NAN)
        }),
        case("projection[0].delay", InvalidValue, |s| {
            s.delay = Dist::Const(0.01)
        }),
        case("projection[0].delay", InvalidValue, |s| {
            s.delay = Dist::Normal {
                mean: 1.0,
                std: -1.0,
            }
        }),
        case("projection[0].delay", TooLarge, |s| {
            s.delay = Dist::Const(10_000.0)
        }),
        case("projection[0].delay", InvalidValue, |s| {
            s.delay = Dist::Uniform {
                low: 0.0,
                high: 0.04,
            }
        }),
        case("projection[0].delay", TooLarge, |s| {
            s.delay = Dist::Uniform {
                low: 7000.0,
                high: 8000.0,
            }
        }),
        case("projection[0].rule", Conflict, |s| s.rule = Rule::OneToOne),
        case("projection[0].indegree", Conflict, |s| {
            s.rule = Rule::FixedIndegree { indegree: 5 };
            s.allow_multapses = false;
        }),
        case("projection[0].target", Conflict, |s| s.target = "G"),
        case(
            "projection[0].plasticity.tau_plus",
            InvalidValue,
            stdp("tau_plus", -5.0),
        ),
        case(
            "projection[0].plasticity.tau_minus",
            InvalidValue,
            stdp("tau_minus", 0.0),
        ),
        case(
            "projection[0].plasticity.lambda",
            InvalidValue,
            stdp("lambda", -0.1),
        ),
        case("projection[0].plasticity.Wmax", InvalidValue, |s| {
            s.plasticity = vec![("Wmax", 0.0)]
        }),
        case(
            "projection[0].plasticity.alpha",
            InvalidValue,
            stdp("alpha", f64::INFINITY),
        ),
        case("projection[0].weight", Conflict, |s| {
            s.plasticity = vec![("Wmax", 5.0)]
        }),
        case("projection[0].scaling", Conflict, |s| {
            s.scaling = Some(ScalingDef {
                target: 1.0,
                every: 10.0,
            })
        }),
        case("projection[0].record_weights", InvalidValue, |s| {
            s.record_weights = Some(-1.0)
        }),
        case("input[0].rate", InvalidValue, |s| s.rate = -10.0),
        case("input[0].delay", InvalidValue, |s| s.input_delay = 0.01),
        case("input[0].stop", InvalidValue, |s| {
            s.start_stop = (50.0, 10.0)
        }),
        case("input[0].neurons", InvalidValue, |s| {
            s.input_neurons = Some(vec![3, 20])
        }),
        case("record[0].variables", UnknownName, |s| {
            s.variables = vec!["V_x"]
        }),
        case("record[0].variables", DuplicateName, |s| {
            s.variables = vec!["V_m", "V_m"]
        }),
        case("record[0].interval", InvalidValue, |s| s.interval = 0.05),
    ];
    assert!(cases.len() >= 30);
    // the unchanged network is fine both ways, and so are delays drawn from distributions
    // without an upper bound (each draw is checked when it is drawn)
    let fine = [
        Spec::default(),
        Spec {
            delay: Dist::Normal {
                mean: 2.0,
                std: 0.5,
            },
            ..Spec::default()
        },
        Spec {
            delay: Dist::Uniform {
                low: 0.1,
                high: 5.0,
            },
            ..Spec::default()
        },
    ];
    for spec in &fine {
        spec.build().unwrap().build(1).unwrap();
        cajal_model::load_str(&spec.toml(), "case.toml", None).unwrap();
    }
    for (spec, key, kind) in &cases {
        let text = spec.toml();
        let built = spec.build().expect_err(key);
        let loaded = cajal_model::load_str(&text, "case.toml", None).expect_err(key);
        assert_eq!(built.kind, *kind, "{key}: builder says {built}");
        assert_eq!(loaded.kind, Some(*kind), "{key}: file says {loaded}");
        assert_eq!(loaded.message, built.message, "{key}");
        assert_eq!(
            loaded.key, *key,
            "{key}: the file's error is at {}",
            loaded.key
        );
        // the file's error points at the key itself: `leaf =` starts at its line and column
        let line = text.lines().nth(loaded.line - 1).unwrap();
        let leaf = key.rsplit('.').next().unwrap();
        assert!(
            line[loaded.column - 1..].starts_with(&format!("{leaf} =")),
            "{key}: {}:{} is '{line}'",
            loaded.line,
            loaded.column
        );
        // printed once, readably: the message appears once, no Debug dump
        let shown = built.to_string();
        assert_eq!(shown.matches(&built.message).count(), 1, "{shown}");
        assert!(
            !shown.contains("Population(") && !shown.contains("Projection("),
            "{shown}"
        );
        assert_eq!(
            loaded.to_string(),
            format!(
                "case.toml:{}:{}: {}: {}",
                loaded.line, loaded.column, key, built.message
            )
        );
    }
}

#[test]
fn a_plastic_rule_with_a_negative_time_constant_is_refused_by_the_builder() {
    let mut net = Network::new(0.1, 1).unwrap();
    let a = net
        .add_population(Population::new("a", ModelKind::IafPscDelta, 5))
        .unwrap();
    let rule = PlasticityDef::Stdp {
        tau_plus: -5.0,
        tau_minus: 20.0,
        lambda: 0.01,
        alpha: 1.0,
        mu_plus: 0.0,
        mu_minus: 0.0,
        w_max: 10.0,
        pairing: cajal_core::Pairing::AllToAll,
        symmetric: false,
        zero_lag: Default::default(),
    };
    let e = net
        .connect(
            Projection::new(a, a, Rule::AllToAll)
                .weight(1.0)
                .plastic(rule),
        )
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidValue);
    assert_eq!(e.field, "plasticity.tau_plus");
    assert_eq!(
        e.to_string(),
        "projection 'a->a': plasticity.tau_plus: tau_plus must be > 0 ms (got -5)"
    );
}

#[test]
fn handles_of_another_network_are_errors_not_panics() {
    let mut one = Network::new(0.1, 1).unwrap();
    let mut two = Network::new(0.1, 1).unwrap();
    let a = one
        .add_population(Population::new("a", ModelKind::IafPscDelta, 3))
        .unwrap();
    let b = two
        .add_population(Population::new("b", ModelKind::IafPscDelta, 3))
        .unwrap();
    let e = two
        .connect(Projection::new(a, b, Rule::AllToAll))
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::ForeignHandle);
    assert_eq!(
        two.add_record(Record::spikes(a)).unwrap_err().kind,
        ErrorKind::ForeignHandle
    );
    let input = Input::dc(1.0);
    assert_eq!(two.add_input(input).unwrap_err().kind, ErrorKind::Conflict);
    one.add_record(Record::spikes(a)).unwrap();
    let sim = one.build(1).unwrap();
    assert!(sim.spike_trains(a).is_ok());
    for e in [
        sim.spike_trains(b).unwrap_err(),
        sim.population_stats(b).unwrap_err(),
        sim.state_now(b, "V_m").unwrap_err(),
        sim.recorded_ids(b).unwrap_err(),
        sim.spike_counts(b).unwrap_err(),
    ] {
        assert_eq!(e.kind, ErrorKind::ForeignHandle, "{e}");
    }
    let e = sim.state_now(a, "V_x").unwrap_err();
    assert_eq!(e.kind, ErrorKind::UnknownName);
    assert_eq!(
        e.to_string(),
        "population 'a': variable: iaf_psc_delta has no state variable 'V_x'; it has: V_m, theta"
    );
}

/// A model file of two populations and one plastic projection whose plasticity table ends with
/// `extra`.
fn zero_lag_model(extra: &str) -> String {
    format!(
        "[simulation]\nduration = 10.0\n\n\
         [[population]]\nname = \"a\"\nmodel = \"iaf_psc_delta\"\nsize = 3\n\n\
         [[projection]]\nsource = \"a\"\ntarget = \"a\"\nrule = \"all_to_all\"\nweight = 1.0\n\
         plasticity = {{ model = \"stdp\", Wmax = 10.0{extra} }}\n"
    )
}

#[test]
fn model_files_choose_the_stdp_convention_at_zero_lag() {
    for (extra, want) in [
        ("", ZeroLag::Unpaired),
        (", zero_lag = \"unpaired\"", ZeroLag::Unpaired),
        (", zero_lag = \"depress\"", ZeroLag::Depress),
    ] {
        let model = cajal_model::load_str(&zero_lag_model(extra), "z.toml", None).unwrap();
        let rule = model.network.def().projections[0]
            .plasticity
            .clone()
            .unwrap();
        assert!(
            matches!(rule, PlasticityDef::Stdp { zero_lag, .. } if zero_lag == want),
            "{extra}: {rule:?}"
        );
    }
    let bad = cajal_model::load_str(&zero_lag_model(", zero_lag = \"both\""), "z.toml", None)
        .unwrap_err();
    assert_eq!(bad.key, "projection[0].plasticity.zero_lag");
    assert!(bad.message.contains("\"unpaired\""), "{}", bad.message);
    let text = zero_lag_model(", zero_lag = \"depress\"").replace("\"stdp\"", "\"stdp_triplet\"");
    let triplet = cajal_model::load_str(&text, "z.toml", None).unwrap_err();
    assert_eq!(triplet.key, "projection[0].plasticity.zero_lag");
    assert!(triplet.message.contains("pair STDP"), "{}", triplet.message);
}

#[test]
fn model_files_take_the_delta_rule_with_its_defaults() {
    let text = |table: &str| {
        format!(
            "[simulation]\nduration = 10.0\n\n\
             [[population]]\nname = \"g\"\nmodel = \"spike_generator\"\nsize = 4\n\n\
             [[population]]\nname = \"out\"\nmodel = \"iaf_psc_delta\"\nsize = 2\n\n\
             [[projection]]\nsource = \"g\"\ntarget = \"out\"\nrule = \"all_to_all\"\n\
             weight = 0.5\nplasticity = {{ model = \"delta\"{table} }}\n"
        )
    };
    let model = cajal_model::load_str(&text(""), "d.toml", None).unwrap();
    let rule = model.network.def().projections[0].delta.unwrap();
    assert_eq!((rule.eta, rule.tau), (1e-3, 5.0));
    let model = cajal_model::load_str(&text(", eta = 0.2, tau = 8.0"), "d.toml", None).unwrap();
    let rule = model.network.def().projections[0].delta.unwrap();
    assert_eq!((rule.eta, rule.tau), (0.2, 8.0));
    // it builds and runs: the weights are the given ones until taught
    let mut sim = model.network.build(1).unwrap();
    sim.run(10.0, |_, _| {}).unwrap();
    let (proj, _) = sim.projection_ids()[0];
    assert_eq!(sim.weights(proj).unwrap().unwrap().weights, vec![0.5; 8]);
    let bad = cajal_model::load_str(&text(", zero_lag = \"depress\""), "d.toml", None).unwrap_err();
    assert_eq!(bad.key, "projection[0].plasticity.zero_lag");
}

/// Two spike generators onto two `iaf_psc_exp` neurons, all to all, weight 50, with the
/// projection's `plasticity` table `{ plasticity }` and `extra` lines after it.
fn two_onto_two(plasticity: &str, extra: &str) -> String {
    format!(
        "[simulation]\nduration = 20.0\n\n\
         [[population]]\nname = \"g\"\nmodel = \"spike_generator\"\nsize = 2\n\
         spike_times = [[5.0, 10.0], [6.0]]\n\n\
         [[population]]\nname = \"out\"\nmodel = \"iaf_psc_exp\"\nsize = 2\n\n\
         [[projection]]\nsource = \"g\"\ntarget = \"out\"\nrule = \"all_to_all\"\n\
         weight = 50.0\nplasticity = {{ {plasticity} }}\n{extra}"
    )
}

#[test]
fn model_files_take_short_term_plasticity_with_nests_defaults() {
    let text = |table: &str| two_onto_two(&format!("model = \"tsodyks\"{table}"), "");
    let model = cajal_model::load_str(&text(""), "t.toml", None).unwrap();
    assert_eq!(
        model.network.def().projections[0].tsodyks,
        Some(cajal_core::TsodyksDef::NEST)
    );
    let model = cajal_model::load_str(
        &text(", U = 0.2, tau_rec = 90.0, tau_fac = 30.0, tau_psc = 2.0, u = 0.1"),
        "t.toml",
        None,
    )
    .unwrap();
    let t = model.network.def().projections[0].tsodyks.unwrap();
    assert_eq!(
        (t.u_increment, t.tau_rec, t.tau_fac, t.tau_psc, t.u0, t.x0),
        (0.2, 90.0, 30.0, 2.0, 0.1, 1.0)
    );
    let mut sim = model.network.build(1).unwrap();
    sim.run(20.0, |_, _| {}).unwrap();
    let (proj, _) = sim.projection_ids()[0];
    assert_eq!(sim.weights(proj).unwrap().unwrap().weights, vec![50.0; 4]); // the base weights
    let bad = cajal_model::load_str(&text(", tau_facil = 3.0"), "t.toml", None).unwrap_err();
    assert_eq!(bad.key, "projection[0].plasticity.tau_facil");
    assert!(
        bad.message
            .contains("its parameters are: U, tau_rec, tau_fac, tau_psc, u, x, y"),
        "{}",
        bad.message
    );
    let bad = cajal_model::load_str(&text(", U = 1.5"), "t.toml", None).unwrap_err();
    assert!(bad.to_string().contains("U must be in [0, 1]"), "{bad}");
}

#[test]
fn model_files_take_stochastic_transmission() {
    let text = |table: &str, extra: &str| {
        two_onto_two(&format!("model = \"bernoulli_synapse\"{table}"), extra)
    };
    // NEST's default: every spike passes
    let model = cajal_model::load_str(&text("", ""), "b.toml", None).unwrap();
    assert_eq!(model.network.def().projections[0].p_transmit, Some(1.0));
    let model = cajal_model::load_str(&text(", p_transmit = 0.25", ""), "b.toml", None).unwrap();
    assert_eq!(model.network.def().projections[0].p_transmit, Some(0.25));
    let mut sim = model.network.build(1).unwrap();
    sim.run(20.0, |_, _| {}).unwrap();
    let (proj, _) = sim.projection_ids()[0];
    assert_eq!(sim.weights(proj).unwrap().unwrap().weights, vec![50.0; 4]);
    // refusals, each at its key
    let bad = cajal_model::load_str(&text(", p_transmit = 1.5", ""), "b.toml", None).unwrap_err();
    assert_eq!(bad.key, "projection[0].plasticity.p_transmit");
    assert!(
        bad.message.contains("probability in [0, 1]"),
        "{}",
        bad.message
    );
    let bad = cajal_model::load_str(&text(", p = 0.5", ""), "b.toml", None).unwrap_err();
    assert_eq!(bad.key, "projection[0].plasticity.p");
    let scaled = "\n[projection.scaling]\ntarget = 10.0\nevery = 100.0\n";
    let bad =
        cajal_model::load_str(&text(", p_transmit = 0.5", scaled), "b.toml", None).unwrap_err();
    assert!(
        bad.to_string().contains("not to bernoulli_synapse"),
        "{bad}"
    );
}
