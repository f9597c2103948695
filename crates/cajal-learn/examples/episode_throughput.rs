//! Presentations per second of a Diehl & Cook network on the engine's episodes, side by side
//! with `cajal-learn`'s own Diehl & Cook loop, on the same images: the measurement that decides
//! how the learning tasks move onto the engine (issue 21).
//!
//! The engine's network has the task file's sizes and parameters (`examples/learn/diehl_cook.toml`):
//! 784 spike generators fed each image's Poisson trains as events, `iaf_psc_delta` excitatory
//! neurons with the adaptive threshold, plastic input synapses (pair STDP), one-to-one excitation
//! of the inhibitory partners and inhibition of every other excitatory neuron, delays of one
//! step. Per image: `reset_activity`, `add_spike_events`, a 350 ms run, `spike_counts_into`.
//! The own loop presents the same images with learning on (one presentation each, no repeat).
//! Both run on one thread, interleaved in rounds; the medians are printed.
//!
//! Run: `cargo run --release -p cajal-learn --example episode_throughput -- [neurons] [images]`
//! (Fashion-MNIST from Debian's dataset-fashion-mnist, or `CAJAL_DATA=folder` of IDX files).

use cajal_core::{
    Dist, ModelKind, Network, Pairing, PlasticityDef, Population, Projection, Rule, ThresholdDef,
};
use cajal_data::idx::{self, DatasetName, Split};
use cajal_learn::diehl_cook::{DiehlCookConfig, DiehlCookState, Scratch};
use cajal_learn::encode::poisson_rate;
use std::time::Instant;

fn engine_network(
    c: &DiehlCookConfig,
    inputs: usize,
) -> (cajal_core::Simulation, [cajal_core::PopulationId; 2]) {
    let dt = c.schedule.dt;
    let n = c.excitatory.neurons;
    let (e, i) = (&c.excitatory, &c.inhibitory);
    let mut net = Network::new(dt, 1).unwrap();
    let gen = net
        .add_population(Population::new("input", ModelKind::SpikeGenerator, inputs))
        .unwrap();
    let exc = net
        .add_population(
            Population::new("exc", ModelKind::IafPscDelta, n)
                .param("E_L", e.v_rest)
                .param("V_reset", e.v_reset)
                .param("V_th", e.v_th)
                .param("tau_m", e.tau_m)
                .param("C_m", e.tau_m)
                .param("t_ref", e.t_ref)
                .initial("V_m", e.v_rest)
                .threshold(ThresholdDef::Adaptive {
                    theta_plus: e.theta_plus,
                    tau_theta: e.tau_theta,
                }),
        )
        .unwrap();
    let inh = net
        .add_population(
            Population::new("inh", ModelKind::IafPscDelta, n)
                .param("E_L", i.v_rest)
                .param("V_reset", i.v_reset)
                .param("V_th", i.v_th)
                .param("tau_m", i.tau_m)
                .param("C_m", i.tau_m)
                .param("t_ref", i.t_ref)
                .initial("V_m", i.v_rest),
        )
        .unwrap();
    let s = &c.stdp;
    net.connect(
        Projection::new(gen, exc, Rule::AllToAll)
            .weight(Dist::Uniform {
                low: 0.0,
                high: s.w_init,
            })
            .delay(dt)
            .plastic(PlasticityDef::Stdp {
                tau_plus: s.tau_pre,
                tau_minus: s.tau_post,
                lambda: s.nu_post,
                alpha: s.nu_pre / s.nu_post,
                mu_plus: 0.0,
                mu_minus: 0.0,
                w_max: s.w_max,
                pairing: Pairing::AllToAll,
                symmetric: false,
            }),
    )
    .unwrap();
    net.connect(
        Projection::new(exc, inh, Rule::OneToOne)
            .weight(e.w_to_inhibitory)
            .delay(dt),
    )
    .unwrap();
    let (sources, targets): (Vec<u32>, Vec<u32>) = (0..n as u32)
        .flat_map(|a| (0..n as u32).filter(move |&b| b != a).map(move |b| (a, b)))
        .unzip();
    net.connect(
        Projection::new(
            inh,
            exc,
            Rule::Explicit {
                sources,
                targets,
                weights: None,
                delays: None,
            },
        )
        .weight(-i.w_to_excitatory)
        .delay(dt),
    )
    .unwrap();
    (net.build(1).unwrap(), [gen, exc])
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("numbers: neurons images"))
        .collect();
    let neurons = args.first().copied().unwrap_or(100);
    let images = args.get(1).copied().unwrap_or(200);
    let folder = std::env::var_os("CAJAL_DATA").map(std::path::PathBuf::from);
    let set = idx::load(DatasetName::FashionMnist, Split::Train, folder.as_deref())
        .expect("Fashion-MNIST: apt-get install dataset-fashion-mnist, or CAJAL_DATA=folder");
    let mut config = DiehlCookConfig::default();
    config.excitatory.neurons = neurons;
    let s = config.schedule.clone();
    let steps = (s.presentation / s.dt).round() as usize;
    let inputs = set.pixels_per_image();

    let (mut sim, [gen, exc]) = engine_network(&config, inputs);
    let mut own = DiehlCookState::new(&config, inputs, 1);
    let mut scratch = Scratch::default();
    let (mut senders, mut times, mut before, mut after) = (vec![], vec![], vec![], vec![]);
    let (mut engine_rates, mut own_rates, mut engine_spikes, mut own_spikes) =
        (vec![], vec![], 0u64, 0u64);
    let rounds = 5;
    for round in 0..rounds {
        let batch = (round * images / rounds)..((round + 1) * images / rounds);
        let t0 = Instant::now();
        for k in batch.clone() {
            let mut rng = cajal_core::rng::stream(1, cajal_core::rng::Purpose::Encode, 0, k as u64);
            let raster = poisson_rate(
                set.image(k % set.count()),
                s.max_rate,
                s.dt,
                steps,
                &mut rng,
            );
            sim.reset_activity();
            let start = sim.time_ms();
            senders.clear();
            times.clear();
            for (t, p) in raster.events(s.dt) {
                senders.push(p);
                times.push(start + t);
            }
            sim.add_spike_events(gen, &senders, &times).unwrap();
            sim.spike_counts_into(exc, &mut before).unwrap();
            sim.run(s.presentation, |_, _| {}).unwrap();
            sim.spike_counts_into(exc, &mut after).unwrap();
            engine_spikes += after
                .iter()
                .zip(&before)
                .map(|(a, b)| (a - b) as u64)
                .sum::<u64>();
        }
        engine_rates.push(batch.len() as f64 / t0.elapsed().as_secs_f64());
        let t0 = Instant::now();
        let mut one = config.clone();
        one.schedule.max_presentations = 1;
        for k in batch.clone() {
            let mut rng = cajal_core::rng::stream(1, cajal_core::rng::Purpose::Encode, 0, k as u64);
            let counts = own.present(
                &one,
                set.image(k % set.count()),
                true,
                &mut rng,
                &mut scratch,
            );
            own_spikes += counts.iter().map(|&c| c as u64).sum::<u64>();
        }
        own_rates.push(batch.len() as f64 / t0.elapsed().as_secs_f64());
    }
    let (e, o) = (median(engine_rates), median(own_rates));
    println!(
        "Diehl & Cook, {neurons} excitatory neurons, {images} images of {} ms at dt {} ms, one thread, \
         medians of {rounds} interleaved rounds:",
        s.presentation, s.dt
    );
    println!(
        "  engine episodes: {e:8.1} images/s ({:.1} excitatory spikes per image)",
        engine_spikes as f64 / images as f64
    );
    println!(
        "  own loop:        {o:8.1} images/s ({:.1} excitatory spikes per image)",
        own_spikes as f64 / images as f64
    );
    println!("  engine / own:    {:8.3}", e / o);
}
