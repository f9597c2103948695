//! `cajal encode`: images of a dataset as spike trains (event streams) in the NPZ layout of Cajal's
//! spike files, for `cajal analyze`, a `spike_generator` population, or other simulators.

use crate::{bad_input, Failure};
use cajal_data::idx::{self, DatasetName, Split};
use cajal_data::NpzArray;
use cajal_learn::encode::{latency, poisson_rate};
use cajal_learn::motion::{movie_of_image, MovieSpec};
use std::path::PathBuf;

/// How pixels become spikes.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Encoding {
    /// Poisson trains at pixel/255 x max-rate Hz.
    Poisson,
    /// One spike per pixel above 0, at (1 - pixel/255) x duration.
    Latency,
    /// The image moving (tiled over the plane) along a random walk of directions and speeds,
    /// seen by an event camera: ON and OFF events, one frame per --dt (docs/motion.md).
    Motion,
}

/// Arguments of `cajal encode`.
#[derive(clap::Args)]
pub struct EncodeArgs {
    /// Dataset: fashion-mnist or mnist.
    #[arg(long, default_value = "fashion-mnist")]
    dataset: String,
    /// Folder with the dataset's IDX files [default: searched].
    #[arg(long)]
    data: Option<PathBuf>,
    /// Take the images from the test set instead of the training set.
    #[arg(long)]
    test_set: bool,
    /// First image.
    #[arg(long, default_value_t = 0)]
    first: usize,
    /// Number of images, shown one after the other.
    #[arg(long, default_value_t = 1)]
    count: usize,
    /// Encoding.
    #[arg(long, value_enum, default_value = "poisson")]
    encoding: Encoding,
    /// Time per image (ms).
    #[arg(long, default_value_t = 350.0)]
    duration: f64,
    /// Time step (ms): spike times are multiples of it.
    #[arg(long, default_value_t = 0.5)]
    dt: f64,
    /// Rate of a white pixel (Hz), Poisson encoding.
    #[arg(long, default_value_t = 63.75)]
    max_rate: f64,
    /// Seed of the Poisson trains and of the motions.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Motion encoding: directions, evenly spaced from +x towards +y (image rows down).
    #[arg(long, default_value_t = 8)]
    directions: usize,
    /// Motion encoding: speeds, pixels per ms, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "0.25,0.5,1")]
    speeds: Vec<f64>,
    /// Motion encoding: mean length of a segment of one motion (ms).
    #[arg(long, default_value_t = 24.0)]
    segment: f64,
    /// Motion encoding: change of luminance that makes an event, in standard deviations of the
    /// image's grey levels.
    #[arg(long, default_value_t = 1.0)]
    threshold: f64,
    /// Output NPZ file: times (ms), senders (pixel index; for motion, OFF pixels follow the ON
    /// ones), labels, image_start (ms); for motion also motion (the class of each frame,
    /// direction × speeds + speed), motion_vx and motion_vy (each class's velocity, px/ms).
    #[arg(long, default_value = "spikes.npz")]
    out: PathBuf,
}

/// Runs `cajal encode`.
pub fn run(a: &EncodeArgs) -> Result<(), Failure> {
    let name = DatasetName::from_name(&a.dataset).ok_or_else(|| {
        bad_input(format!(
            "--dataset {}: use fashion-mnist or mnist",
            a.dataset
        ))
    })?;
    if a.out.extension().and_then(|e| e.to_str()) != Some("npz") {
        return Err(bad_input(format!(
            "--out {}: encode writes an NPZ file (times, senders, labels, image_start); give a \
             name ending in .npz",
            a.out.display()
        )));
    }
    for (flag, v) in [
        ("--duration", a.duration),
        ("--dt", a.dt),
        ("--max-rate", a.max_rate),
    ] {
        if !(v.is_finite() && v > 0.0) {
            return Err(bad_input(format!(
                "{flag} must be a finite number > 0 (got {v})"
            )));
        }
    }
    let split = if a.test_set {
        Split::Test
    } else {
        Split::Train
    };
    let set = idx::load(name, split, a.data.as_deref()).map_err(bad_input)?;
    if a.count == 0 || a.first + a.count > set.count() {
        return Err(bad_input(format!(
            "--first {} --count {}: the set has {} images",
            a.first,
            a.count,
            set.count()
        )));
    }
    let steps = (a.duration / a.dt).round();
    if steps > u32::MAX as f64 {
        return Err(bad_input(format!(
            "--duration {} at --dt {}: {steps:.3e} steps per image, more than the 4294967295 a \
             spike raster can index; give a larger --dt or a shorter --duration",
            a.duration, a.dt
        )));
    }
    let steps = (steps as usize).max(1);
    // at most one spike per pixel and step; a Poisson pixel spikes max_rate·duration times at
    // most on average; each spike is held as a (step, pixel) pair, a time and a sender, and once
    // more while the NPZ is written
    let pixels = set.pixels_per_image() as f64;
    let spec = match a.encoding {
        Encoding::Motion => Some(motion_spec(a, &set, steps)?),
        _ => None,
    };
    let per_pixel = match &spec {
        None if matches!(a.encoding, Encoding::Poisson) => {
            (a.max_rate * a.duration / 1000.0).min(steps as f64)
        }
        None => 1.0,
        // the first image's events per pixel, twice over (images differ): filming is the
        // only way to know how many a threshold gives
        Some(spec) => {
            let mut rng = cajal_core::rng::stream(
                a.seed,
                cajal_core::rng::Purpose::Encode,
                9,
                a.first as u64,
            );
            let m = movie_of_image(spec, set.image(a.first), set.cols, set.rows, &mut rng)
                .map_err(|e| bad_input(format!("image {}: {e}", a.first)))?;
            2.0 * m.events.len() as f64 / pixels
        }
    };
    let mut motion = Vec::new();
    let spikes = a.count as f64 * pixels * per_pixel;
    let fix = if spec.is_some() {
        "encode fewer images (--count), shorter (--duration), with fewer frames (a larger --dt) \
         or a larger --threshold"
    } else {
        "encode fewer images (--count), shorter (--duration) or at a lower --max-rate"
    };
    crate::check_fits(
        spikes * 36.0 + steps as f64 * 8.0 * a.count as f64,
        &format!("encoding {} images (about {spikes:.3e} spikes)", a.count),
        fix,
    )?;
    let (mut times, mut senders, mut labels, mut starts) = (vec![], vec![], vec![], vec![]);
    for (n, i) in (a.first..a.first + a.count).enumerate() {
        let offset = n as f64 * a.duration;
        let mut rng =
            cajal_core::rng::stream(a.seed, cajal_core::rng::Purpose::Encode, 9, i as u64);
        let raster = match a.encoding {
            Encoding::Poisson => poisson_rate(set.image(i), a.max_rate, a.dt, steps, &mut rng),
            Encoding::Latency => latency(set.image(i), a.duration, 0, a.dt, steps),
            Encoding::Motion => {
                let spec = spec.as_ref().expect("made above for motion");
                let m = movie_of_image(spec, set.image(i), set.cols, set.rows, &mut rng)
                    .map_err(|e| bad_input(format!("image {i}: {e}")))?;
                let px = (spec.size * spec.size) as u32;
                for e in &m.events {
                    times.push(offset + (e.t as f64 + 1.0) * a.dt);
                    let pixel = e.y as u32 * spec.size as u32 + e.x as u32;
                    senders.push(if e.on { pixel } else { px + pixel });
                }
                motion.extend(m.labels.iter().map(|&l| u32::from(l)));
                labels.push(set.labels[i] as u32);
                starts.push(offset);
                continue;
            }
        };
        for (t, s) in raster.events(a.dt) {
            times.push(offset + t);
            senders.push(s);
        }
        labels.push(set.labels[i] as u32);
        starts.push(offset);
    }
    let mut arrays = vec![
        ("times", NpzArray::F64(&times)),
        ("senders", NpzArray::U32(&senders)),
        ("labels", NpzArray::U32(&labels)),
        ("image_start", NpzArray::F64(&starts)),
    ];
    let (vx, vy): (Vec<f64>, Vec<f64>) = spec.as_ref().map_or((vec![], vec![]), |spec| {
        (0..spec.motions())
            .map(|c| {
                let (x, y) = spec.velocity(c);
                (x / a.dt, y / a.dt)
            })
            .unzip()
    });
    if spec.is_some() {
        arrays.push(("motion", NpzArray::U32(&motion)));
        arrays.push(("motion_vx", NpzArray::F64(&vx)));
        arrays.push(("motion_vy", NpzArray::F64(&vy)));
    }
    cajal_data::write_npz(&a.out, &arrays)?;
    let (what, senders_note) = if spec.is_some() {
        ("events", "; senders: ON pixels, then OFF ones")
    } else {
        ("spikes", "")
    };
    println!(
        "{} {what} of {} {} image(s) ({} pixels each{senders_note}) written to {}",
        times.len(),
        a.count,
        name.name(),
        set.pixels_per_image(),
        a.out.display()
    );
    Ok(())
}

/// The movies of `--encoding motion`: the whole image in the window, `steps` frames of `--dt`,
/// speeds converted from px/ms to px per frame.
fn motion_spec(
    a: &EncodeArgs,
    set: &cajal_data::idx::ImageSet,
    steps: usize,
) -> Result<MovieSpec, Failure> {
    if steps < 2 {
        return Err(bad_input(format!(
            "--encoding motion: --duration {} ms holds {steps} frame of --dt {} ms; a movie needs \
             at least 2",
            a.duration, a.dt
        )));
    }
    let spec = MovieSpec {
        size: set.rows.min(set.cols),
        steps,
        directions: a.directions,
        speeds: a.speeds.iter().map(|v| v * a.dt).collect(),
        mean_segment: a.segment / a.dt,
        threshold: a.threshold,
        gratings: 1,
    };
    spec.check().map_err(|e| {
        bad_input(format!(
            "--encoding motion: {e} (speeds are given in px/ms and taken per frame of --dt {} \
             ms; segment in ms)",
            a.dt
        ))
    })?;
    Ok(spec)
}
