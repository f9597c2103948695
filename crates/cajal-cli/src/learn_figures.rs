//! Figures of `cajal learn`: the learned receptive fields as an image grid and the confusion
//! matrix.

use crate::figures::{save, Res};
use crate::raster::register_font;
use cajal_learn::evaluate::Confusion;
use plotters::prelude::*;
use std::path::Path;

/// Most receptive fields drawn (Diehl & Cook's largest network): more would make an image of
/// gigabytes that no one can read.
pub const MAX_FIELDS: usize = 6400;

/// Each neuron's incoming weights as a grey image (white: strongest of that neuron), in a square
/// grid, with the neuron's assigned class under it when a font is available; the first
/// [`MAX_FIELDS`] neurons of a larger network.
pub fn receptive_fields(
    path: &Path,
    fields: &[Vec<f32>],
    rows: usize,
    cols: usize,
    assignments: &[Option<u8>],
    classes: &[&str],
) -> anyhow::Result<()> {
    let fields = &fields[..fields.len().min(MAX_FIELDS)];
    let n = fields.len().max(1);
    let per_row = (n as f64).sqrt().ceil() as usize;
    let grid_rows = n.div_ceil(per_row);
    let text = register_font() && !assignments.is_empty();
    let scale = 3usize;
    let label_h = if text { 14 } else { 0 };
    let cell_w = cols * scale + 4;
    let cell_h = rows * scale + 4 + label_h;
    let size = ((per_row * cell_w) as u32, (grid_rows * cell_h) as u32);
    save(path, |p| -> Res {
        let root = BitMapBackend::new(p, size).into_drawing_area();
        root.fill(&WHITE)?;
        for (j, f) in fields.iter().enumerate() {
            let (gx, gy) = ((j % per_row) * cell_w + 2, (j / per_row) * cell_h + 2);
            let max = f.iter().cloned().fold(0.0f32, f32::max).max(1e-12);
            for r in 0..rows {
                for c in 0..cols {
                    let g = (255.0 * (1.0 - f[r * cols + c] / max)).round() as u8;
                    let x0 = (gx + c * scale) as i32;
                    let y0 = (gy + r * scale) as i32;
                    root.draw(&Rectangle::new(
                        [(x0, y0), (x0 + scale as i32, y0 + scale as i32)],
                        RGBColor(g, g, g).filled(),
                    ))?;
                }
            }
            if text {
                let label = assignments[j].map_or("-", |c| classes[c as usize]);
                root.draw(&Text::new(
                    label.to_string(),
                    (gx as i32, (gy + rows * scale + 1) as i32),
                    ("sans-serif", 11).into_font(),
                ))?;
            }
        }
        root.present()?;
        Ok(())
    })
}

/// The confusion matrix as a heat map of the fraction of each true class given each prediction.
pub fn confusion(
    path: &Path,
    m: &Confusion,
    classes: &[&str],
    accuracy: f64,
) -> anyhow::Result<()> {
    let text = register_font();
    let k = m.classes;
    let cell = 44i32;
    let (left, top) = if text { (110i32, 60i32) } else { (4, 4) };
    let size = (
        (left + cell * k as i32 + 10) as u32,
        (top + cell * k as i32 + 10) as u32,
    );
    save(path, |p| -> Res {
        let root = BitMapBackend::new(p, size).into_drawing_area();
        root.fill(&WHITE)?;
        for (t, row) in m.counts.iter().enumerate() {
            let total: u64 = row.iter().sum::<u64>().max(1);
            for (q, &count) in row.iter().take(k).enumerate() {
                let frac = count as f64 / total as f64;
                let g = (255.0 * (1.0 - frac)).round() as u8;
                let (x, y) = (left + q as i32 * cell, top + t as i32 * cell);
                root.draw(&Rectangle::new(
                    [(x, y), (x + cell, y + cell)],
                    RGBColor(g, g, 255).filled(),
                ))?;
                if text && count > 0 {
                    let colour = if frac > 0.5 { WHITE } else { BLACK };
                    root.draw(&Text::new(
                        format!("{:.0}", 100.0 * frac),
                        (x + 10, y + 15),
                        ("sans-serif", 13).into_font().color(&colour),
                    ))?;
                }
            }
            if text {
                root.draw(&Text::new(
                    classes[t].to_string(),
                    (4, top + t as i32 * cell + 15),
                    ("sans-serif", 12).into_font(),
                ))?;
            }
        }
        if text {
            root.draw(&Text::new(
                format!(
                    "true class (rows) vs predicted (columns, % of row); accuracy {:.2} %",
                    100.0 * accuracy
                ),
                (4, 8),
                ("sans-serif", 13).into_font(),
            ))?;
            for q in 0..k {
                root.draw(&Text::new(
                    format!("{q}"),
                    (left + q as i32 * cell + 18, top - 18),
                    ("sans-serif", 12).into_font(),
                ))?;
            }
        }
        root.present()?;
        Ok(())
    })
}
