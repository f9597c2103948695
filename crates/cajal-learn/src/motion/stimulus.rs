//! Event streams of moving textures or images, as an event camera (DVS) would record them: a
//! texture (or an image tiled over the plane) seen through a square window that moves along a
//! random walk of straight segments, each segment
//! one motion (a direction and a speed) held for a random number of steps, and every pixel
//! emitting an ON or OFF event when its accumulated change in luminance crosses a threshold.

use crate::error::invalid;
use crate::LearnError;
use rand::Rng;
use rand_distr::{Distribution, Poisson};
use std::f64::consts::TAU;

/// What the movies are made of. Speeds are in pixels per step (one step is 1 ms).
#[derive(Clone, Debug, PartialEq)]
pub struct MovieSpec {
    /// Side of the square window, pixels.
    pub size: usize,
    /// Length of a movie, steps.
    pub steps: usize,
    /// Directions, evenly spaced around the circle starting at +x (≥ 2).
    pub directions: usize,
    /// Speeds, pixels per step (each > 0 and ≤ 2, so that a pixel never skips an edge).
    pub speeds: Vec<f64>,
    /// Mean length of a segment of constant motion, steps (Poisson-distributed, at least 1).
    pub mean_segment: f64,
    /// Luminance change that makes an event (the texture has unit standard deviation).
    pub threshold: f64,
    /// Gratings summed into a texture.
    pub gratings: usize,
}

impl Default for MovieSpec {
    /// Grimaldi & Perrinet (2023)'s 12 directions, 3 geometrically spaced speeds, 24-step
    /// segments and 200-step movies, on a 32-pixel window.
    fn default() -> Self {
        MovieSpec {
            size: 32,
            steps: 200,
            directions: 12,
            speeds: vec![0.25, 0.5, 1.0],
            mean_segment: 24.0,
            threshold: 0.25,
            gratings: 96,
        }
    }
}

impl MovieSpec {
    /// The number of motions (directions × speeds): the classes to tell apart.
    pub fn motions(&self) -> usize {
        self.directions * self.speeds.len()
    }

    /// Motion `class`'s velocity (pixels per step along x and y): direction `class / speeds`,
    /// speed `class % speeds`.
    pub fn velocity(&self, class: usize) -> (f64, f64) {
        let dir = (class / self.speeds.len()) as f64 * TAU / self.directions as f64;
        let v = self.speeds[class % self.speeds.len()];
        (v * dir.cos(), v * dir.sin())
    }

    /// Checks the spec, naming the field that is out of range.
    pub fn check(&self) -> Result<(), LearnError> {
        let bad = |m: String| Err(invalid(m));
        if !(4..=1024).contains(&self.size) {
            return bad(format!("size must be 4 to 1024 pixels (got {})", self.size));
        }
        if !(2..=100_000).contains(&self.steps) {
            return bad(format!("steps must be 2 to 100000 (got {})", self.steps));
        }
        if !(2..=360).contains(&self.directions) {
            return bad(format!(
                "directions must be 2 to 360 (got {})",
                self.directions
            ));
        }
        if self.speeds.is_empty() || self.speeds.iter().any(|&v| !(v > 0.0 && v <= 2.0)) {
            return bad(format!(
                "speeds must be one or more values in (0, 2] pixels per step (got {:?})",
                self.speeds
            ));
        }
        if self.motions() > u16::MAX as usize {
            return bad("directions × speeds must be at most 65535".into());
        }
        crate::positive("mean_segment", self.mean_segment)?;
        crate::positive("threshold", self.threshold)?;
        if !(1..=10_000).contains(&self.gratings) {
            return bad(format!(
                "gratings must be 1 to 10000 (got {})",
                self.gratings
            ));
        }
        Ok(())
    }
}

/// One event: at step `t`, pixel (`x`, `y`) got brighter (`on`) or darker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    /// Step.
    pub t: u32,
    /// Column.
    pub x: u16,
    /// Row.
    pub y: u16,
    /// ON (brighter) or OFF.
    pub on: bool,
}

/// A movie as events, with the motion of each step.
#[derive(Clone, Debug)]
pub struct Movie {
    /// Side of the window, pixels.
    pub size: usize,
    /// The events in step order.
    pub events: Vec<Event>,
    /// The motion class of each step (the motion that led from the step before to it).
    pub labels: Vec<u16>,
}

impl Movie {
    /// The events as a dense 0/1 volume, indexed `((t · 2 + polarity) · size + y) · size + x`
    /// (polarity 0 is ON).
    pub fn volume(&self) -> Vec<u8> {
        let s = self.size;
        let mut v = vec![0u8; self.labels.len() * 2 * s * s];
        for e in &self.events {
            let p = usize::from(!e.on);
            v[((e.t as usize * 2 + p) * s + e.y as usize) * s + e.x as usize] = 1;
        }
        v
    }

    /// Events per pixel and step (both polarities).
    pub fn density(&self) -> f64 {
        self.events.len() as f64 / (self.labels.len() * self.size * self.size) as f64
    }
}

/// A random texture: unit-variance sum of gratings with random orientations and phases and
/// spatial frequencies spread evenly on a log scale from 1/32 to 1/4 cycles per pixel, which
/// gives the 1/f² power spectrum of natural images (equal energy per octave).
struct Texture {
    /// Per grating: wave vector (radians per pixel) and phase.
    gratings: Vec<(f64, f64, f64)>,
    amplitude: f64,
}

impl Texture {
    fn random(n: usize, rng: &mut impl Rng) -> Texture {
        let (lo, hi) = ((1.0f64 / 32.0).ln(), (1.0f64 / 4.0).ln());
        let gratings = (0..n)
            .map(|_| {
                let f = rng.random_range(lo..hi).exp() * TAU;
                let o = rng.random_range(0.0..TAU);
                (f * o.cos(), f * o.sin(), rng.random_range(0.0..TAU))
            })
            .collect();
        Texture {
            gratings,
            amplitude: (2.0 / n as f64).sqrt(),
        }
    }

    /// Luminance of every pixel of a `size`² window whose origin lies at (`ox`, `oy`) of the
    /// texture, into `out` (row-major); `basis` holds each grating's `e^{i(kx·x + ky·y)}`.
    fn frame(&self, basis: &[(f64, f64)], size: usize, ox: f64, oy: f64, out: &mut [f64]) {
        out.fill(0.0);
        let px = size * size;
        for (g, &(kx, ky, phase)) in self.gratings.iter().enumerate() {
            let psi = phase + kx * ox + ky * oy;
            let (s, c) = psi.sin_cos();
            let b = &basis[g * px..(g + 1) * px];
            for (o, &(re, im)) in out.iter_mut().zip(b) {
                *o += re * c - im * s;
            }
        }
        out.iter_mut().for_each(|o| *o *= self.amplitude);
    }

    fn basis(&self, size: usize) -> Vec<(f64, f64)> {
        let mut b = Vec::with_capacity(self.gratings.len() * size * size);
        for &(kx, ky, _) in &self.gratings {
            for y in 0..size {
                for x in 0..size {
                    let (s, c) = (kx * x as f64 + ky * y as f64).sin_cos();
                    b.push((c, s));
                }
            }
        }
        b
    }
}

/// One movie: a new texture, a random walk of segments (each a motion drawn uniformly, its
/// length from a Poisson distribution of mean `mean_segment`, at least one step) and the
/// events that the window's changes make.
pub fn movie(spec: &MovieSpec, rng: &mut impl Rng) -> Result<Movie, LearnError> {
    spec.check()?;
    let texture = Texture::random(spec.gratings, rng);
    let basis = texture.basis(spec.size);
    film(spec, rng, |ox, oy, out| {
        texture.frame(&basis, spec.size, ox, oy, out)
    })
}

/// `n` movies drawn one after the other from `rng`.
pub fn movies(spec: &MovieSpec, n: usize, rng: &mut impl Rng) -> Result<Vec<Movie>, LearnError> {
    (0..n).map(|_| movie(spec, rng)).collect()
}

/// A grey-level image as a scene: tiled over the plane (the window wraps around it), read
/// between pixels by bilinear interpolation, scaled to unit standard deviation so that
/// `threshold` means what it means for textures.
struct Tiled<'a> {
    pixels: &'a [u8],
    width: usize,
    height: usize,
    mean: f64,
    scale: f64,
}

impl Tiled<'_> {
    fn at(&self, x: f64, y: f64) -> f64 {
        let (fx, fy) = (x.floor(), y.floor());
        let (ax, ay) = (x - fx, y - fy);
        let px = |i: f64, j: f64| {
            let c = (i as i64).rem_euclid(self.width as i64) as usize;
            let r = (j as i64).rem_euclid(self.height as i64) as usize;
            f64::from(self.pixels[r * self.width + c])
        };
        let v = (1.0 - ay) * ((1.0 - ax) * px(fx, fy) + ax * px(fx + 1.0, fy))
            + ay * ((1.0 - ax) * px(fx, fy + 1.0) + ax * px(fx + 1.0, fy + 1.0));
        (v - self.mean) * self.scale
    }
}

/// One movie of an image (`pixels`, `width` × `height`, row-major grey levels) moving as
/// [`movie`]'s textures do: the window (`spec.size` pixels, at most the image's size) slides
/// over the image tiled across the plane. Refused for an image of one grey level.
pub fn movie_of_image(
    spec: &MovieSpec,
    pixels: &[u8],
    width: usize,
    height: usize,
    rng: &mut impl Rng,
) -> Result<Movie, LearnError> {
    spec.check()?;
    if width * height != pixels.len() || spec.size > width.min(height) {
        return Err(invalid(format!(
            "an image of {width} × {height} pixels ({} given) for a window of {} pixels: the \
             window must fit in the image",
            pixels.len(),
            spec.size
        )));
    }
    let n = pixels.len() as f64;
    let mean = pixels.iter().map(|&p| f64::from(p)).sum::<f64>() / n;
    let var = pixels
        .iter()
        .map(|&p| (f64::from(p) - mean).powi(2))
        .sum::<f64>()
        / n;
    if var == 0.0 {
        return Err(invalid(
            "the image has one grey level: nothing moves in it".to_string(),
        ));
    }
    let scene = Tiled {
        pixels,
        width,
        height,
        mean,
        scale: 1.0 / var.sqrt(),
    };
    let size = spec.size;
    film(spec, rng, |ox, oy, out| {
        for (i, o) in out.iter_mut().enumerate() {
            *o = scene.at((i % size) as f64 + ox, (i / size) as f64 + oy);
        }
    })
}

/// Films a scene (`frame(ox, oy, out)`: the window's luminance with its origin at (`ox`, `oy`)
/// of the scene) along a random walk of segments, into events.
fn film(
    spec: &MovieSpec,
    rng: &mut impl Rng,
    mut frame: impl FnMut(f64, f64, &mut [f64]),
) -> Result<Movie, LearnError> {
    let segment = Poisson::new(spec.mean_segment).map_err(|e| invalid(e.to_string()))?;
    let px = spec.size * spec.size;
    let (mut before, mut now) = (vec![0.0; px], vec![0.0; px]);
    let mut residual = vec![0.0; px];
    let (mut ox, mut oy) = (0.0, 0.0);
    frame(ox, oy, &mut before);
    let mut labels = vec![0u16; spec.steps];
    let mut events = Vec::new();
    let (mut class, mut left) = (0usize, 0u64);
    for (t, label) in labels.iter_mut().enumerate().skip(1) {
        if left == 0 {
            class = rng.random_range(0..spec.motions());
            left = (segment.sample(rng) as u64).max(1);
        }
        left -= 1;
        *label = class as u16;
        // the scene moves by v: the window's origin moves by -v over it
        let (vx, vy) = spec.velocity(class);
        ox -= vx;
        oy -= vy;
        frame(ox, oy, &mut now);
        for (i, r) in residual.iter_mut().enumerate() {
            *r += now[i] - before[i];
            if r.abs() >= spec.threshold {
                let on = *r > 0.0;
                *r -= spec.threshold.copysign(*r);
                events.push(Event {
                    t: t as u32,
                    x: (i % spec.size) as u16,
                    y: (i / spec.size) as u16,
                    on,
                });
            }
        }
        std::mem::swap(&mut before, &mut now);
    }
    labels[0] = labels.get(1).copied().unwrap_or(0);
    Ok(Movie {
        size: spec.size,
        events,
        labels,
    })
}
