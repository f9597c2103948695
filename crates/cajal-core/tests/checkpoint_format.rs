//! The checkpoint format is specified and guarded. A committed checkpoint (`tests/data/`) of a
//! network with every kind of saved state (each neuron model, adaptive and target-rate
//! thresholds, pair, triplet, reward-modulated and Oja plasticity, synaptic scaling, an astrocyte,
//! Poisson, DC and step-current inputs, recorders) must still restore and continue exactly; the
//! fields written today must be those listed in `docs/checkpoint-schema.txt`; other versions are
//! refused by name. Changing a saved field therefore fails here until the format version is
//! raised and the files are written anew:
//! `CAJAL_BLESS_CHECKPOINT=1 cargo test --release -p cajal-core --test checkpoint_format`.

use cajal_core::checkpoint::FORMAT_VERSION;
use cajal_core::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 8] = b"CAJALCKP";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn golden_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/data/golden-v{FORMAT_VERSION}.ckpt"))
}

fn schema_path() -> PathBuf {
    root().join("docs/checkpoint-schema.txt")
}

fn stdp(model: &str, kv: &[(&str, f64)], modulator: Option<usize>) -> PlasticityDef {
    let p: BTreeMap<String, f64> = kv.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    PlasticityDef::from_params(model, &p, None, None, modulator).unwrap()
}

/// The schema's FNV-1a hash for each format version. A line is added with each new version and
/// never changed: rewriting the files without raising the version fails here.
const SCHEMA_HASHES: &[(u32, u64)] = &[
    (2, 0x2bf5262613ac4026),
    (3, 0x3cb8166d1e888f),
    (4, 0xb185ae0b98f44ab9),
    (5, 0x7825a57f7a39a86f),
    (6, 0x529554a15f086109),
    (7, 0x440b37cbbe9a4b9),
    (8, 0xaa13dc8e0e34815f),
];

fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf29ce484222325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    })
}

/// A small network holding every kind of state a checkpoint saves.
fn network() -> Network {
    network_with(FORMAT_VERSION)
}

/// The golden network of format `version`: without the Tempotron (added in version 5), that of
/// versions 2 to 4; without the delta rule (added in version 6), that of version 5.
fn network_with(version: u32) -> Network {
    let tempotron = version >= 5;
    let mut net = Network::new(0.1, 7).unwrap();
    let add = |net: &mut Network, p: Population| net.add_population(p).unwrap();
    let delta = add(
        &mut net,
        Population::new("delta", ModelKind::IafPscDelta, 40)
            .param("V_th", -60.0)
            .initial(
                "V_m",
                Dist::Uniform {
                    low: -70.0,
                    high: -60.0,
                },
            )
            .threshold(ThresholdDef::Adaptive {
                theta_plus: 0.5,
                tau_theta: 50.0,
            }),
    );
    let exp = add(
        &mut net,
        Population::new("exp", ModelKind::IafPscExp, 20).threshold(ThresholdDef::TargetRate {
            eta: 0.1,
            rate: 20.0,
        }),
    );
    let alpha = add(
        &mut net,
        Population::new("alpha", ModelKind::IafPscAlpha, 10),
    );
    let cond = add(&mut net, Population::new("cond", ModelKind::IafCondExp, 10));
    let aeif = add(
        &mut net,
        Population::new("aeif", ModelKind::AeifCondExp, 10),
    );
    let izh = add(&mut net, Population::new("izh", ModelKind::Izhikevich, 10));
    let gen = add(
        &mut net,
        Population::new("gen", ModelKind::SpikeGenerator, 5)
            .spike_times(vec![vec![5.0, 20.0, 35.0, 60.0, 80.0]]),
    );
    let dopa = add(
        &mut net,
        Population::new("dopa", ModelKind::SpikeGenerator, 1).spike_times(vec![vec![30.0, 70.0]]),
    );
    let src = add(
        &mut net,
        Population::new("src", ModelKind::PoissonSource, 30).param("rate", 40.0),
    );
    let astro = net
        .add_astrocyte("glia", &[delta], &[src], 0.01, 0.02, 20.0, 0.02)
        .unwrap();
    let indegree = |k| Rule::FixedIndegree { indegree: k };
    let uniform = |low, high| Dist::Uniform { low, high };
    let connect = |net: &mut Network, p: Projection| {
        net.connect(p).unwrap();
    };
    connect(
        &mut net,
        Projection::new(src, delta, indegree(10))
            .weight(uniform(1.0, 3.0))
            .delay(uniform(1.0, 2.0))
            .plastic(stdp("stdp", &[("Wmax", 5.0), ("lambda", 0.05)], None))
            .scaling(ScalingDef {
                target: 20.0,
                every: 10.0,
            })
            .astrocyte(astro)
            .record_weights(10.0),
    );
    connect(
        &mut net,
        Projection::new(src, exp, indegree(10))
            .weight(uniform(100.0, 300.0))
            .delay(1.0)
            .plastic(stdp(
                "stdp_triplet",
                &[("Wmax", 400.0), ("Aplus", 0.5)],
                None,
            )),
    );
    connect(
        &mut net,
        Projection::new(src, alpha, indegree(10))
            .weight(uniform(100.0, 300.0))
            .delay(1.5)
            .plastic(stdp(
                "stdp_dopamine",
                &[("Wmax", 400.0)],
                Some(dopa.index()),
            )),
    );
    connect(
        &mut net,
        Projection::new(src, izh, Rule::AllToAll)
            .weight(uniform(0.0, 0.5))
            .delay(1.0)
            .oja(OjaDef {
                eta: 1e-4,
                every: 10.0,
            })
            .record_weights(10.0),
    );
    connect(
        &mut net,
        Projection::new(gen, cond, Rule::AllToAll)
            .weight(20.0)
            .delay(0.5)
            .record_weights(f64::INFINITY),
    );
    connect(
        &mut net,
        Projection::new(delta, aeif, indegree(5))
            .weight(5.0)
            .delay(2.0),
    );
    if version >= 8 {
        // version 8: the Hodgkin–Huxley neuron, driven and recorded, and a gamma source
        let hh = add(
            &mut net,
            Population::new("hh", ModelKind::HhCondExpTraub, 5),
        );
        let gamma = add(
            &mut net,
            Population::new("gamma", ModelKind::GammaSource, 12)
                .param("rate", 60.0)
                .param("gamma_shape", 3.0),
        );
        connect(
            &mut net,
            Projection::new(gamma, hh, indegree(6))
                .weight(uniform(-20.0, 60.0))
                .delay(1.0),
        );
        net.add_input(Input::dc(300.0).onto(hh)).unwrap();
        net.add_record(Record::spikes(hh).variables(&["V_m", "Act_n", "g_ex"]))
            .unwrap();
        net.add_record(Record::spikes(gamma)).unwrap();
        // and stochastic transmission
        connect(
            &mut net,
            Projection::new(gamma, hh, indegree(4))
                .name("bernoulli")
                .weight(uniform(5.0, 40.0))
                .delay(uniform(1.0, 2.0))
                .bernoulli(0.4),
        );
    }
    if version >= 7 {
        // version 7: the alpha-conductance neurons, driven and recorded, and short-term plasticity
        for (name, kind) in [
            ("cond_alpha", ModelKind::IafCondAlpha),
            ("aeif_alpha", ModelKind::AeifCondAlpha),
        ] {
            let pop = add(&mut net, Population::new(name, kind, 6));
            connect(
                &mut net,
                Projection::new(src, pop, indegree(8))
                    .weight(uniform(-4.0, 12.0))
                    .delay(1.0),
            );
            net.add_input(Input::dc(500.0).onto(pop)).unwrap();
            net.add_record(Record::spikes(pop).variables(&["V_m", "dg_ex", "g_in"]))
                .unwrap();
        }
        // and short-term plasticity
        connect(
            &mut net,
            Projection::new(src, exp, indegree(4))
                .name("short_term")
                .weight(uniform(-20.0, 60.0))
                .delay(uniform(1.0, 2.0))
                .tsodyks(TsodyksDef {
                    u_increment: 0.3,
                    tau_rec: 100.0,
                    tau_fac: 50.0,
                    tau_psc: 2.0,
                    ..TsodyksDef::NEST
                }),
        );
    }
    if version >= 6 {
        // version 6: the delta rule, and Oja's fixed rows (see `prepare`)
        connect(
            &mut net,
            Projection::new(src, alpha, Rule::AllToAll)
                .name("delta_rule")
                .weight(uniform(-50.0, 150.0))
                .delay(1.0)
                .delta(DeltaDef { eta: 1.0, tau: 5.0 })
                .record_weights(25.0),
        );
    }
    if tempotron {
        // version 5: a Tempotron and dendritic segments
        let seg = add(
            &mut net,
            Population::new("segments", ModelKind::DendriticSegment, 4)
                .param("theta", 2.0)
                .param("t_plateau", 3.0),
        );
        connect(
            &mut net,
            Projection::new(src, seg, Rule::FixedIndegree { indegree: 8 })
                .weight(1.0)
                .delay(1.0),
        );
        connect(
            &mut net,
            Projection::new(seg, exp, Rule::AllToAll)
                .weight(50.0)
                .delay(1.0),
        );
        connect(
            &mut net,
            Projection::new(gen, exp, Rule::AllToAll)
                .weight(uniform(-50.0, 150.0))
                .delay(1.0)
                .tempotron(TempotronDef {
                    lambda: 0.01,
                    momentum: 0.5,
                })
                .record_weights(25.0),
        );
    }
    let params = [("Wmax".to_string(), 50.0)].into_iter().collect();
    let nearest = PlasticityDef::from_params("stdp", &params, Some("nearest"), None, None).unwrap();
    connect(
        &mut net,
        Projection::new(src, cond, indegree(5))
            .weight(uniform(1.0, 10.0))
            .delay(1.0)
            .plastic(nearest),
    );
    connect(
        &mut net,
        Projection::new(delta, delta, indegree(5))
            .weight(0.5)
            .delay(1.2),
    );
    net.add_input(Input::poisson(8000.0, 1.0, 1.0).onto(delta))
        .unwrap();
    // above 40 spikes per step the Poisson sampler draws differently; some neurons only
    let strong = Input::poisson(500_000.0, 0.001, 1.0)
        .onto(exp)
        .neurons(vec![0, 3, 7]);
    net.add_input(strong).unwrap();
    net.add_input(Input::dc(600.0).onto(aeif)).unwrap();
    net.add_input(Input::step_current(vec![10.0, 40.0], vec![5.0, 12.0]).onto(izh))
        .unwrap();
    let some = Input::dc(400.0)
        .onto(cond)
        .between(0.0, 70.0)
        .neurons(vec![1, 2]);
    net.add_input(some).unwrap();
    for pop in [delta, exp, alpha, cond, aeif, izh, gen, dopa, src] {
        net.add_record(Record::spikes(pop).variables(if pop == delta {
            &["V_m", "theta"]
        } else {
            &[]
        }))
        .unwrap();
    }
    net
}

/// What a version 6 network is given before it runs: a protected subspace of two fixed Oja rows
/// and an anchored consolidation on its delta rule.
fn prepare(sim: &mut Simulation) {
    let id = |name: &str| {
        sim.projection_ids()
            .into_iter()
            .find(|p| p.1 == name)
            .unwrap()
            .0
    };
    let (oja, delta) = (id("src->izh"), id("delta_rule"));
    sim.oja_fix_rows(oja, 2).unwrap();
    sim.delta_protect(delta, oja).unwrap();
    sim.delta_consolidate(delta, 0.5).unwrap();
}

fn build(net: &Network) -> Simulation {
    let mut sim = net.build(1).unwrap();
    prepare(&mut sim);
    sim
}

fn spikes(sim: &Simulation) -> Vec<(Vec<f64>, Vec<u32>)> {
    sim.population_ids()
        .into_iter()
        .map(|id| {
            let s = sim.spike_trains(id).unwrap();
            (s.times, s.senders)
        })
        .collect()
}

/// The fields of a CBOR document, one line per path and type (maps are structs and enum
/// variants, named; arrays list the types of their elements under `[]`).
fn schema(v: &ciborium::Value, path: &str, out: &mut std::collections::BTreeSet<String>) {
    use ciborium::Value as V;
    let kind = match v {
        V::Integer(_) => "integer",
        V::Float(_) => "float",
        // text is an enum's unit variant here (a pairing): its value is part of the format
        V::Text(t) => {
            out.insert(format!("{path}: text {t:?}"));
            return;
        }
        V::Bool(_) => "bool",
        V::Null => "null",
        V::Bytes(_) => "bytes",
        V::Tag(..) => "tag",
        V::Array(_) => "array",
        V::Map(_) => "map",
        _ => "other",
    };
    out.insert(format!("{path}: {kind}"));
    match v {
        V::Array(items) => items
            .iter()
            .for_each(|x| schema(x, &format!("{path}[]"), out)),
        V::Map(entries) => {
            for (k, x) in entries {
                let key = match k {
                    V::Text(t) => t.clone(),
                    other => format!("<{other:?}>"),
                };
                schema(x, &format!("{path}.{key}"), out);
            }
        }
        _ => {}
    }
}

fn schema_of(bytes: &[u8]) -> String {
    let blocks = cajal_data::frame::decode(bytes, MAGIC, FORMAT_VERSION, 2).unwrap();
    let value: ciborium::Value = ciborium::de::from_reader(blocks[1]).unwrap();
    let mut lines = std::collections::BTreeSet::new();
    schema(&value, "state", &mut lines);
    let mut text = format!(
        "# Fields of the state block of a Cajal checkpoint, format version {FORMAT_VERSION}\n\
         # (docs/checkpoint.md). Written by crates/cajal-core/tests/checkpoint_format.rs from the\n\
         # checkpoint of a network with every kind of state; do not edit by hand.\n"
    );
    for l in lines {
        text.push_str(&l);
        text.push('\n');
    }
    text
}

#[test]
fn the_committed_checkpoint_restores_and_its_fields_are_the_specified_ones() {
    let net = network();
    let mut sim = build(&net);
    sim.run(50.0, |_, _| {}).unwrap();
    let bytes = sim.checkpoint_bytes(b"golden");
    let now = schema_of(&bytes);
    if std::env::var("CAJAL_BLESS_CHECKPOINT").is_ok() {
        std::fs::write(golden_path(), &bytes).unwrap();
        std::fs::write(schema_path(), &now).unwrap();
    }
    let hash = fnv1a(&now);
    let recorded = SCHEMA_HASHES.iter().find(|(v, _)| *v == FORMAT_VERSION);
    assert_eq!(
        recorded.map(|r| r.1),
        Some(hash),
        "the fields of format version {FORMAT_VERSION} hash to {hash:#x}; a version's fields never \
         change once recorded in SCHEMA_HASHES: raise checkpoint::FORMAT_VERSION and add a line"
    );
    let listed = std::fs::read_to_string(schema_path()).unwrap();
    if listed != now {
        let gone: Vec<&str> = listed
            .lines()
            .filter(|l| !now.lines().any(|m| m == *l))
            .collect();
        let new: Vec<&str> = now
            .lines()
            .filter(|l| !listed.lines().any(|m| m == *l))
            .collect();
        panic!(
            "the checkpoint's fields changed (no longer written: {gone:?}; new: {new:?}): raise \
             checkpoint::FORMAT_VERSION, describe the change in docs/checkpoint.md and write the \
             files anew with CAJAL_BLESS_CHECKPOINT=1"
        );
    }
    // every kind of state is there: the schema names each model, rule and device
    for needle in [
        "IafPscDelta",
        "IafPscExp",
        "IafPscAlpha",
        "IafCondExp",
        "AeifCondExp",
        "IafCondAlpha",
        "AeifCondAlpha",
        "HhCondExpTraub",
        "GammaSource",
        "Izhikevich",
        "DendriticSegment",
        "SpikeGenerator",
        "PoissonSource",
        "Dopamine",
        "Triplet",
        "Stdp",
        "threshold.drift",
        "astrocyte",
        "partitions[].learning[].Oja",
        "partitions[].learning[].Stdp",
        "partitions[].learning[].Tempotron",
        "partitions[].learning[].Delta.basis[]",
        "partitions[].learning[].ShortTerm.state[]",
        "partitions[].learning[].ShortTerm.bernoulli.p_transmit",
        "partitions[].learning[].ShortTerm.ordinal[]",
        "partitions[].learning[].Delta.anchor[]",
        "partitions[].learning[].Oja.fixed_rows",
        "partitions[].currents[]",
        "partitions[].poisson[]",
        "partitions[].state.values",
    ] {
        assert!(now.contains(needle), "the golden network saves no {needle}");
    }
    // the committed checkpoint restores into a fresh build and goes on as if uninterrupted
    let golden = std::fs::read(golden_path()).unwrap();
    assert_eq!(
        schema_of(&golden),
        now,
        "the committed checkpoint has other fields"
    );
    let ck = Checkpoint::from_bytes(&golden, &golden_path()).unwrap();
    assert_eq!(ck.extra, b"golden");
    assert_eq!(ck.time_ms(), 50.0);
    // built without `prepare`: the basis, anchor and fixed rows must come from the checkpoint
    let mut resumed = net.build(1).unwrap();
    resumed.restore(ck).unwrap();
    resumed.run(50.0, |_, _| {}).unwrap();
    let mut whole = build(&net);
    whole.run(100.0, |_, _| {}).unwrap();
    let (a, b) = (spikes(&resumed), spikes(&whole));
    let n: usize = a.iter().map(|s| s.0.len()).sum();
    assert!(n > 100, "only {n} spikes: the network should be active");
    assert_eq!(
        a, b,
        "the committed checkpoint does not continue the run exactly"
    );
}

#[test]
fn a_version_2_checkpoint_still_restores_and_goes_on_as_its_run_would() {
    // the golden file of version 2, written before version 3 added the astrocyte's own weight
    // of input spikes (its astrocytes weigh them as liquid spikes)
    older_version_goes_on("tests/data/golden-v2.ckpt", 2);
}

#[test]
fn a_version_3_checkpoint_still_restores_and_goes_on_as_its_run_would() {
    // the golden file of version 3, written before version 4 added the processes of a
    // distributed run to the layout (it reads as a run in one process)
    older_version_goes_on("tests/data/golden-v3.ckpt", 3);
}

#[test]
fn a_version_4_checkpoint_still_restores_and_goes_on_as_its_run_would() {
    // the golden file of version 4, written before version 5 added the Tempotron (its network
    // has none)
    older_version_goes_on("tests/data/golden-v4.ckpt", 4);
}

#[test]
fn a_version_7_checkpoint_still_restores_and_goes_on_as_its_run_would() {
    // the golden file of version 7, written before version 8 added the Hodgkin–Huxley neuron
    // and the gamma source (its network has neither)
    older_version_goes_on("tests/data/golden-v7.ckpt", 7);
}

#[test]
fn a_version_6_checkpoint_still_restores_and_goes_on_as_its_run_would() {
    // the golden file of version 6, written before version 7 added the alpha-conductance
    // neurons (its network has none)
    older_version_goes_on("tests/data/golden-v6.ckpt", 6);
}

#[test]
fn a_version_5_checkpoint_still_restores_and_goes_on_as_its_run_would() {
    // the golden file of version 5, written before version 6 added the delta rule and Oja's
    // fixed rows (its network has no delta rule; its Oja rows all learn)
    older_version_goes_on("tests/data/golden-v5.ckpt", 5);
}

fn older_version_goes_on(file: &str, version: u32) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let bytes = std::fs::read(&path).unwrap();
    let ck = Checkpoint::from_bytes(&bytes, &path).unwrap();
    let network = || network_with(version);
    let mut resumed = network().build(1).unwrap();
    resumed.restore(ck).unwrap();
    let mut whole = network().build(1).unwrap();
    if version >= 6 {
        prepare(&mut whole); // as the golden file's network was
    }
    whole.run(50.0, |_, _| {}).unwrap();
    let mut now = network().build(1).unwrap();
    now.restore(Checkpoint::from_bytes(&whole.checkpoint_bytes(b""), &path).unwrap())
        .unwrap();
    for sim in [&mut resumed, &mut now] {
        sim.run(30.0, |_, _| {}).unwrap();
    }
    assert_eq!(spikes(&resumed), spikes(&now));
}

#[test]
fn checkpoints_of_another_format_version_are_refused_by_name() {
    let mut sim = network().build(1).unwrap();
    sim.run(5.0, |_, _| {}).unwrap();
    let bytes = sim.checkpoint_bytes(b"");
    let state = &cajal_data::frame::decode(&bytes, MAGIC, FORMAT_VERSION, 2).unwrap()[1];
    let old = cajal_data::frame::encode(MAGIC, 1, &[b"", state]);
    let err = Checkpoint::from_bytes(&old, Path::new("old.ckpt"))
        .err()
        .unwrap()
        .to_string();
    assert_eq!(
        err,
        format!(
            "old.ckpt: checkpoint format version 1, this Cajal reads versions 2, 3, 4, 5, 6, 7 and \
             {FORMAT_VERSION}; resume it with the Cajal version that wrote it"
        )
    );
}
