//! Motion detection with heterogeneous delays: the event streams carry the motion, the engine's
//! spiking layer computes the regression's evidence exactly, and a layer with many delays
//! learns directions that the same layer with one delay cannot tell apart.

use cajal_learn::motion::Training;
use cajal_learn::motion::{
    movie, movie_of_image, readout, score_on_engine, DelayLayer, EngineLayer, Movie, MovieSpec,
};
use rand::{Rng, SeedableRng};

fn small_spec() -> MovieSpec {
    MovieSpec {
        size: 16,
        steps: 120,
        directions: 8,
        speeds: vec![1.0],
        threshold: 1.5,
        ..MovieSpec::default()
    }
}

fn movies(spec: &MovieSpec, n: usize, seed: u64) -> Vec<Movie> {
    let mut rng = rand_pcg::Pcg64::seed_from_u64(seed);
    (0..n).map(|_| movie(spec, &mut rng).unwrap()).collect()
}

#[test]
fn events_follow_the_motion() {
    // the events of a step, shifted back by four steps of the step's velocity, fall on the
    // events of four steps before more often than when shifted by any other motion's
    let spec = small_spec();
    let (mut right, mut steps) = (0, 0);
    for m in movies(&spec, 4, 7) {
        let v = m.volume();
        let s = spec.size as i32;
        let at = |t: usize, p: usize, x: i32, y: i32| {
            (x >= 0 && y >= 0 && x < s && y < s)
                && v[((t * 2 + p) * spec.size + y as usize) * spec.size + x as usize] != 0
        };
        for t in 4..m.labels.len() {
            if m.labels[t] != m.labels[t - 4] {
                continue;
            }
            let overlap = |c: usize| {
                let (vx, vy) = spec.velocity(c);
                let (sx, sy) = ((4.0 * vx).round() as i32, (4.0 * vy).round() as i32);
                (0..2)
                    .flat_map(|p| (0..s).flat_map(move |y| (0..s).map(move |x| (p, x, y))))
                    .filter(|&(p, x, y)| at(t, p, x, y) && at(t - 4, p, x - sx, y - sy))
                    .count()
            };
            let best = (0..spec.motions()).max_by_key(|&c| (overlap(c), usize::MAX - c));
            right += usize::from(best == Some(m.labels[t] as usize));
            steps += 1;
        }
    }
    let rate = right as f64 / steps as f64;
    assert!(
        rate > 0.8,
        "the shift of the events names the motion in {rate} of {steps} steps"
    );
}

#[test]
fn movies_are_reproducible_and_checked() {
    let spec = small_spec();
    let (a, b) = (movies(&spec, 2, 3), movies(&spec, 2, 3));
    assert_eq!(a[1].events, b[1].events);
    assert_eq!(a[1].labels, b[1].labels);
    let density = a[0].density();
    assert!((0.01..0.2).contains(&density), "density {density}");
    let mut rng = rand_pcg::Pcg64::seed_from_u64(1);
    for bad in [
        MovieSpec {
            speeds: vec![],
            ..small_spec()
        },
        MovieSpec {
            speeds: vec![3.0],
            ..small_spec()
        },
        MovieSpec {
            threshold: f64::NAN,
            ..small_spec()
        },
        MovieSpec {
            size: 2,
            ..small_spec()
        },
        MovieSpec {
            directions: 1,
            ..small_spec()
        },
    ] {
        let err = movie(&bad, &mut rng).unwrap_err().to_string();
        assert!(err.contains("must"), "{err}");
    }
    // images: the window must fit, and something must move
    let image: Vec<u8> = (0..20 * 20).map(|i| ((i * 37) % 251) as u8).collect();
    let m = movie_of_image(&spec, &image, 20, 20, &mut rng).unwrap();
    assert!(m.density() > 0.01, "{}", m.density());
    assert!(movie_of_image(&spec, &image[..100], 10, 10, &mut rng).is_err());
    assert!(movie_of_image(&spec, &image, 20, 19, &mut rng).is_err());
    let flat = vec![7u8; 400];
    let err = movie_of_image(&spec, &flat, 20, 20, &mut rng)
        .unwrap_err()
        .to_string();
    assert!(err.contains("one grey level"), "{err}");
    assert!(DelayLayer::new(2, 0, 4).is_err());
    // positions whose disc leaves the window, evidence of the wrong length, no movies
    let layer = DelayLayer::new(2, 3, spec.motions()).unwrap();
    let err = layer.evidence(&a[0], &[(1, 5)]).unwrap_err().to_string();
    assert!(err.contains("position (1, 5)"), "{err}");
    assert!(layer.evidence(&a[0], &[(5, spec.size - 2)]).is_err());
    assert!(readout(&[0.0; 3], &a[0], &[(5, 5)], spec.motions()).is_err());
    let training = Training {
        epochs: 1,
        learning_rate: 0.01,
        stride: 1,
        seed: 1,
    };
    let err = layer
        .clone()
        .train(&[], &training, |_, _| {})
        .unwrap_err()
        .to_string();
    assert!(err.contains("no training movies"), "{err}");
    assert!(DelayLayer::new(40, 3, 4).is_err());
    assert!(DelayLayer::new(2, 3, 4).unwrap().pruned(0.0).is_err());
}

#[test]
fn engine_computes_the_evidence() {
    // random weights, some pruned away: the engine's membranes plus the biases equal the
    // regression's evidence at every neuron and step, to rounding of the sums' order (the
    // engine keeps a static weight in single precision: the weights here are single-precision
    // numbers, so that the comparison is of the sums)
    let spec = MovieSpec {
        size: 12,
        steps: 60,
        ..small_spec()
    };
    let mut layer = DelayLayer::new(2, 5, spec.motions()).unwrap();
    let mut rng = rand_pcg::Pcg64::seed_from_u64(5);
    layer
        .weights
        .iter_mut()
        .for_each(|w| *w = rng.random_range(-1.0f32..1.0) as f64);
    layer
        .bias
        .iter_mut()
        .for_each(|b| *b = rng.random_range(-1.0..1.0));
    for (keep, threads) in [(1.0, 1), (1.0, 2), (0.2, 2)] {
        let layer = layer.pruned(keep).unwrap();
        let mut net = EngineLayer::build(&layer, spec.size, 2, threads).unwrap();
        assert_eq!(
            net.synapses() as usize,
            net.positions().len() * layer.nonzero()
        );
        for m in movies(&spec, 2, 9) {
            let from_engine = net.evidence(&m).unwrap();
            let direct = layer.evidence(&m, net.positions()).unwrap();
            assert_eq!(from_engine.len(), direct.len());
            for (i, (a, b)) in from_engine.iter().zip(&direct).enumerate() {
                assert!(
                    (a - b).abs() <= 1e-12 * (1.0 + b.abs()),
                    "value {i}: engine {a}, layer {b}"
                );
            }
        }
    }
}

#[test]
fn many_delays_beat_one() {
    // 8 directions: a layer of 6 delays learns them; the same layer with one delay stays far
    // behind (measured: 0.71 against 0.25, chance 0.125)
    let spec = small_spec();
    let train = movies(&spec, 24, 1);
    let test = movies(&spec, 8, 2);
    let training = Training {
        epochs: 2,
        learning_rate: 0.003,
        stride: 1,
        seed: 1,
    };
    let mut accuracy = Vec::new();
    for delays in [6, 1] {
        let mut layer = DelayLayer::new(3, delays, spec.motions()).unwrap();
        let losses = layer.train(&train, &training, |_, _| {}).unwrap();
        assert!(losses[1] < losses[0], "{losses:?}");
        let scored = score_on_engine(&layer, &spec, &test, 1, 6).unwrap();
        accuracy.push(scored.motion);
    }
    eprintln!("6 delays {:.3}, 1 delay {:.3}", accuracy[0], accuracy[1]);
    assert!(accuracy[0] > 0.5, "6 delays: {}", accuracy[0]);
    assert!(accuracy[0] > accuracy[1] + 0.25, "{accuracy:?}");
}
