//! Brunel's (2000) network in the asynchronous irregular regime, the default model
//! (`examples/brunel_ai.toml`), described through the builder: 12,500 `iaf_psc_delta` neurons,
//! fixed in-degrees, J 0.1 mV, g 5, eta 2, D 1.5 ms.
//!
//! `cargo run --release -p cajal-core --example brunel` simulates 1 s on every core and prints
//! the populations' rates; `crates/cajal-model/tests/builder.rs` checks that this network and
//! the model file give the same spikes bit for bit.

use cajal_core::{BuildError, Input, ModelKind, Network, Population, Projection, Record, Rule};

/// The network, seeded with `seed`.
pub fn brunel(seed: u64) -> Result<Network, BuildError> {
    let mut net = Network::new(0.1, seed)?;
    let lif = |name, size| {
        Population::new(name, ModelKind::IafPscDelta, size)
            .param("E_L", 0.0)
            .param("C_m", 1.0)
            .param("tau_m", 20.0)
            .param("t_ref", 2.0)
            .param("V_th", 20.0)
            .param("V_reset", 10.0)
            .initial("V_m", 0.0)
    };
    let e = net.add_population(lif("E", 10_000))?;
    let i = net.add_population(lif("I", 2_500))?;
    let (j, g) = (0.1, 5.0);
    for (source, target, indegree, weight) in [
        (e, e, 1000, j),
        (e, i, 1000, j),
        (i, e, 250, -g * j),
        (i, i, 250, -g * j),
    ] {
        let rule = Rule::FixedIndegree { indegree };
        net.connect(
            Projection::new(source, target, rule)
                .weight(weight)
                .delay(1.5),
        )?;
    }
    // eta * nu_th * C_E = 2 * (20 mV / (0.1 mV * 1000 * 20 ms)) * 1000 = 20,000 Hz
    for pop in [e, i] {
        net.add_input(Input::poisson(20_000.0, j, 1.5).onto(pop))?;
        net.add_record(Record::spikes(pop))?;
    }
    Ok(net)
}

#[allow(dead_code)]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let net = brunel(1)?;
    let mut sim = net.build(0)?;
    let t0 = std::time::Instant::now();
    sim.run(1000.0, |_, _| {})?;
    println!("simulated 1 s in {:.2} s", t0.elapsed().as_secs_f64());
    for pop in ["E", "I"] {
        let id = net.population(pop).expect("added above");
        let stats = sim.population_stats(id)?;
        println!(
            "{pop}: {} spikes, {:.3} Hz, CV {:.3}",
            stats.spikes, stats.rate_hz, stats.cv_isi
        );
    }
    Ok(())
}
