//! Malformed or impossible model files: each gives a clear message naming the place
//! (`file:line:column: key`) and exit code 2, never a panic.

use std::process::Command;

fn check(name: &str, text: &str) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{name}.toml"));
    std::fs::write(&path, text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_cajal"))
        .arg("check")
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!stderr.contains("panicked"), "{name}: panic: {stderr}");
    (
        out.status.code().unwrap_or(-1),
        stderr.replace(&path.display().to_string(), "MODEL"),
    )
}

const POP: &str = "[[population]]\nname = \"E\"\nmodel = \"iaf_psc_delta\"\nsize = 10\n";

/// (case, file text, text the message must contain, line it must name)
fn cases() -> Vec<(&'static str, String, &'static str, usize)> {
    let proj =
        |extra: &str| format!("{POP}\n[[projection]]\nsource = \"E\"\ntarget = \"E\"\n{extra}\n");
    vec![
        ("empty", String::new(), "empty", 1),
        ("not_toml", "[[population]\nname = 1".into(), "MODEL:1:", 1),
        ("unknown_top_key", format!("{POP}colour = \"red\"\n"), "unknown field `colour`", 5),
        ("unknown_pop_key", format!("{POP}sise = 3\n"), "unknown field `sise`", 5),
        ("wrong_type_size", "[[population]]\nname = \"E\"\nmodel = \"iaf_psc_delta\"\nsize = \"ten\"\n".into(), "invalid type", 4),
        ("negative_size", "[[population]]\nname = \"E\"\nmodel = \"iaf_psc_delta\"\nsize = -4\n".into(), "invalid value", 4),
        ("unknown_model", "[[population]]\nname = \"E\"\nmodel = \"iaf_psc_deltaa\"\nsize = 4\n".into(), "population[0].model: unknown model 'iaf_psc_deltaa'", 3),
        ("negative_tau", format!("{POP}params = {{ tau_m = -5.0 }}\n"), "population[0].params.tau_m: must be > 0", 5),
        ("unknown_param", format!("{POP}params = {{ tau_mem = 5.0 }}\n"), "population[0].params.tau_mem: unknown parameter", 5),
        ("nan_param", format!("{POP}params = {{ C_m = nan }}\n"), "params.C_m: must be a finite number", 5),
        ("reset_above_threshold", format!("{POP}params = {{ V_reset = -50.0 }}\n"), "params.V_reset: must be below V_th", 5),
        ("zero_dt", format!("[simulation]\ndt = 0.0\n{POP}"), "simulation.dt: dt must be a positive", 2),
        ("nan_duration", format!("[simulation]\nduration = nan\n{POP}"), "simulation.duration", 2),
        ("delay_below_dt", proj("rule = \"all_to_all\"\ndelay = 0.01"), "projection[0].delay: delay 0.01 ms is shorter than one time step", 10),
        ("unknown_population", format!("{POP}\n[[projection]]\nsource = \"X\"\ntarget = \"E\"\nrule = \"all_to_all\"\n"), "projection[0].source: unknown population 'X'", 7),
        ("p_above_one", proj("rule = \"pairwise_bernoulli\"\np = 1.5"), "projection[0].p: p must be a probability", 10),
        ("missing_p", proj("rule = \"pairwise_bernoulli\""), "needs p", 9),
        ("unknown_rule", proj("rule = \"fixed_in_degree\"\nindegree = 3"), "unknown rule 'fixed_in_degree'", 9),
        ("indegree_too_large", proj("rule = \"fixed_indegree\"\nindegree = 20\nallow_multapses = false"), "indegree 20 exceeds", 10),
        ("wrong_rule_param", proj("rule = \"all_to_all\"\np = 0.5"), "'p' does not apply", 10),
        ("bad_distribution", proj("rule = \"all_to_all\"\nweight = { distribution = \"uniform\", low = 2.0, high = 1.0 }"), "uniform needs low < high", 10),
        ("unknown_distribution", proj("rule = \"all_to_all\"\nweight = { distribution = \"gamma\", k = 2.0 }"), "unknown distribution 'gamma'", 10),
        ("negative_rate", format!("{POP}\n[[input]]\ntype = \"poisson_generator\"\ntarget = \"E\"\nrate = -5.0\nweight = 1.0\n"), "input[0].rate: rate must be", 9),
        ("unknown_input", format!("{POP}\n[[input]]\ntype = \"noise\"\ntarget = \"E\"\n"), "unknown input type 'noise'", 7),
        ("record_unknown_variable", format!("{POP}\n[[record]]\npopulation = \"E\"\nvariables = [\"g_ex\"]\n"), "record[0].variables: iaf_psc_delta has no state variable 'g_ex'", 8),
        ("record_index_outside", format!("{POP}\n[[record]]\npopulation = \"E\"\nneurons = [3, 12]\n"), "neuron index 12 is outside", 8),
        ("duplicate_population", format!("{POP}{POP}"), "used twice", 6),
        ("spike_time_off_grid", "[[population]]\nname = \"G\"\nmodel = \"spike_generator\"\nsize = 1\nspike_times = [1.05, 2.0]\n".into(), "spike time 1.05 ms must be > 0 and a multiple of dt", 5),
        ("missing_file", proj("rule = \"explicit\"\nfile = \"nope.csv\""), "projection[0].file", 10),
        ("no_population", "[simulation]\ndt = 0.1\n".into(), "no [[population]]", 1),
        ("unknown_plasticity", proj("rule = \"all_to_all\"\n[projection.plasticity]\nmodel = \"stpd\""), "projection[0].plasticity.model: unknown plasticity model 'stpd'", 11),
        ("unknown_plasticity_param", proj("rule = \"all_to_all\"\n[projection.plasticity]\nmodel = \"stdp\"\ntau_pluss = 3.0"), "plasticity.tau_pluss: 'tau_pluss' is not a parameter of stdp", 12),
        ("negative_plasticity_tau", proj("rule = \"all_to_all\"\n[projection.plasticity]\nmodel = \"stdp\"\ntau_plus = -3.0"), "plasticity.tau_plus: tau_plus must be > 0", 12),
        ("plastic_weight_sign", proj("rule = \"all_to_all\"\nweight = -1.0\n[projection.plasticity]\nmodel = \"stdp\""), "projection[0].weight: plastic weights keep their sign", 10),
        ("plastic_weight_above_wmax", proj("rule = \"all_to_all\"\nweight = 5.0\n[projection.plasticity]\nmodel = \"stdp\"\nWmax = 2.0"), "must lie within the rule's bounds", 10),
        ("dopamine_without_modulator", proj("rule = \"all_to_all\"\n[projection.plasticity]\nmodel = \"stdp_dopamine\""), "stdp_dopamine needs modulator", 10),
        ("unknown_preset", proj("rule = \"all_to_all\"\n[projection.plasticity]\nmodel = \"stdp_triplet\"\npreset = \"cortex\""), "unknown preset 'cortex'", 12),
        ("bad_record_weights", proj("rule = \"all_to_all\"\nrecord_weights = -5.0"), "record_weights must be a positive multiple of dt", 10),
        ("unknown_threshold_model", format!("{POP}[population.threshold]\nmodel = \"adapt\"\n"), "unknown threshold model 'adapt'", 6),
        ("threshold_wrong_param", format!("{POP}[population.threshold]\nmodel = \"adaptive\"\ntheta_plus = 0.1\neta = 0.2\n"), "'eta' does not apply to threshold model adaptive", 8),
        ("threshold_on_izhikevich", "[[population]]\nname = \"E\"\nmodel = \"izhikevich\"\nsize = 3\n[population.threshold]\nmodel = \"target_rate\"\neta = 0.1\nrate = 5.0\n".into(), "izhikevich has no movable threshold", 5),
        ("threshold_negative_tau", format!("{POP}[population.threshold]\nmodel = \"adaptive\"\ntheta_plus = 0.1\ntau_theta = -3.0\n"), "tau_theta must be > 0", 8),
        ("scaling_on_static", proj("rule = \"all_to_all\"\n[projection.scaling]\ntarget = 1.0\nevery = 10.0"), "synaptic scaling applies to plastic projections", 10),
        ("scaling_off_grid", proj("rule = \"all_to_all\"\n[projection.plasticity]\nmodel = \"stdp\"\n[projection.scaling]\ntarget = 1.0\nevery = 0.05"), "every must be a positive multiple of dt", 14),
        ("unknown_astrocyte", proj("rule = \"all_to_all\"\n[projection.plasticity]\nmodel = \"stdp\"\nastrocyte = \"glia\""), "unknown astrocyte 'glia'; declared: none", 12),
        ("astrocyte_on_triplet", proj("rule = \"all_to_all\"\n[projection.plasticity]\nmodel = \"stdp_triplet\"\nastrocyte = \"a\"\n[[astrocyte]]\nname = \"a\"\nliquid = [\"E\"]\nw = 0.1\nbias = 0.01\ntau = 10.0"), "an astrocyte sets the depression rate of pair STDP", 12),
        ("astrocyte_zero_tau", format!("{POP}[[astrocyte]]\nname = \"a\"\nliquid = [\"E\"]\nw = 0.1\nbias = 0.01\ntau = 0.0\n"), "astrocyte[0].tau: tau must be", 10),
        ("astrocyte_unknown_population", format!("{POP}[[astrocyte]]\nname = \"a\"\nliquid = [\"L\"]\nw = 0.1\nbias = 0.01\ntau = 5.0\n"), "unknown population 'L'", 7),
        ("oja_not_all_to_all", proj("rule = \"one_to_one\"\n[projection.plasticity]\nmodel = \"oja_subspace\""), "oja_subspace learns a full weight matrix", 10),
        ("tempotron_unknown_param", proj("rule = \"all_to_all\"\n[projection.plasticity]\nmodel = \"tempotron\"\neta = 0.1"), "'eta' is not a parameter of tempotron; its parameters are: lambda, momentum", 12),
        ("tempotron_onto_delta", proj("rule = \"all_to_all\"\n[projection.plasticity]\nmodel = \"tempotron\""), "the Tempotron's targets must be iaf_psc_exp neurons", 10),
        ("oja_unknown_param", proj("rule = \"all_to_all\"\n[projection.plasticity]\nmodel = \"oja_subspace\"\nlambda = 0.1"), "'lambda' is not a parameter of oja_subspace", 12),
        ("delta_unknown_param", proj("rule = \"all_to_all\"\n[projection.plasticity]\nmodel = \"delta\"\nlambda = 0.1"), "'lambda' is not a parameter of delta; its parameters are: eta, tau", 12),
        ("delta_negative_tau", proj("rule = \"all_to_all\"\n[projection.plasticity]\nmodel = \"delta\"\ntau = -1.0"), "tau must be a finite number > 0 ms", 12),
        ("delta_not_all_to_all", proj("rule = \"one_to_one\"\n[projection.plasticity]\nmodel = \"delta\""), "the delta rule learns a full weight matrix", 10),
        ("spike_times_word", "[[population]]\nname = \"G\"\nmodel = \"spike_generator\"\nsize = 2\nspike_times = \"soon\"\n".into(), "expected spike_times as a list of spike times in ms", 5),
        ("record_neurons_float", format!("{POP}\n[[record]]\npopulation = \"E\"\nneurons = 1.5\n"), "expected a selection of neurons", 8),
        ("record_weights_word", proj("rule = \"all_to_all\"\nrecord_weights = \"yes\""), "expected record_weights as true, false, or a recording interval", 10),
        ("poisson_source_target", "[[population]]\nname = \"P\"\nmodel = \"poisson_source\"\nsize = 3\n[[projection]]\nsource = \"P\"\ntarget = \"P\"\nrule = \"all_to_all\"\n".into(), "is a poisson_source and cannot receive synapses", 7),
    ]
}

#[test]
fn each_malformed_model_gives_a_located_message_and_exit_code_2() {
    let cases = cases();
    assert!(cases.len() >= 15);
    for (name, text, needle, line) in cases {
        let (code, msg) = check(name, &text);
        assert_eq!(code, 2, "{name}: exit code {code}, message: {msg}");
        assert!(
            msg.contains(needle),
            "{name}: message lacks '{needle}': {msg}"
        );
        assert!(
            !msg.contains("untagged enum"),
            "{name}: serde's jargon: {msg}"
        );
        let located = format!("MODEL:{line}:");
        assert!(
            msg.contains(&located),
            "{name}: message does not name line {line}: {msg}"
        );
    }
}

#[test]
fn a_missing_model_file_is_a_clear_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_cajal"))
        .args(["check", "/nonexistent/model.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let msg = String::from_utf8_lossy(&out.stderr);
    assert!(
        msg.contains("/nonexistent/model.toml") && msg.contains("cannot read"),
        "{msg}"
    );
}

#[test]
fn every_example_model_passes_check() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        // the full-scale microcircuit builds 3e8 synapses (40 s, 4.6 GB): its 0.1-scale twin,
        // written by the same generator, is checked instead
        if p.file_name().is_some_and(|f| f == "microcircuit.toml") {
            continue;
        }
        if p.extension().is_some_and(|x| x == "toml") {
            let out = Command::new(env!("CARGO_BIN_EXE_cajal"))
                .arg("check")
                .arg(&p)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}: {}",
                p.display(),
                String::from_utf8_lossy(&out.stderr)
            );
            n += 1;
        }
    }
    assert!(n >= 4, "found {n} examples");
}
