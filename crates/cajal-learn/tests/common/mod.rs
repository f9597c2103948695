//! Helpers shared by the integration tests.

use cajal_data::idx::ImageSet;

/// 10 classes of 12x12 images: class c lights a bar at its own position and angle, with noise.
pub fn synthetic(count: usize, seed: u64) -> ImageSet {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed);
    let (rows, cols) = (12, 12);
    let mut pixels = Vec::new();
    let mut labels = Vec::new();
    for i in 0..count {
        let c = (i % 10) as u8;
        for r in 0..rows {
            for q in 0..cols {
                let on = if c < 5 {
                    r / 2 == c as usize + 1 // horizontal bars, rows 2..11
                } else {
                    q / 2 == (c - 5) as usize + 1 // vertical bars
                };
                let base: f64 = if on { 220.0 } else { 10.0 };
                let v = (base + rng.random_range(-30.0..30.0)).clamp(0.0, 255.0);
                pixels.push(v as u8);
            }
        }
        labels.push(c);
    }
    ImageSet {
        rows,
        cols,
        pixels,
        labels,
    }
}
