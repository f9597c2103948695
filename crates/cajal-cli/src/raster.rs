//! raster.png: spikes of a sample of neurons of each recorded population, and the population
//! rate under it.

use crate::output::Outputs;
use cajal_core::NetworkDef;
use plotters::prelude::*;
use std::path::Path;

pub(crate) const COLORS: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(255, 127, 14),
    RGBColor(23, 190, 207),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
];

/// A tick label: whole numbers without a decimal point (`200`, not `200.0`), others with at most
/// three decimals, very large or small magnitudes in scientific notation.
pub(crate) fn tick(v: &f64) -> String {
    let a = v.abs();
    // below 1e-12: zero up to rounding (a tick at 0 computed as -2.2e-16)
    if a < 1e-12 {
        "0".into()
    } else if !(1e-3..1e6).contains(&a) {
        format!("{v:.1e}")
    } else if (v - v.round()).abs() < 1e-9 * a.max(1.0) {
        format!("{v:.0}")
    } else {
        let t = format!("{v:.3}");
        t.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// Registers a system font for labels (DejaVu Sans from Debian's fonts-dejavu-core); without one,
/// the figure is drawn without text.
pub(crate) fn register_font() -> bool {
    static FONT: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *FONT.get_or_init(|| {
        for p in [
            "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
            "/usr/share/fonts/TTF/DejaVuSans.ttf",
            "/Library/Fonts/Arial.ttf",
        ] {
            if let Ok(bytes) = std::fs::read(p) {
                let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
                if plotters::style::register_font("sans-serif", FontStyle::Normal, bytes).is_ok() {
                    return true;
                }
            }
        }
        false
    })
}

/// The run: its outputs (merged over processes), its network and its length (ms).
pub struct Run<'a> {
    /// What the run recorded.
    pub outputs: &'a Outputs,
    /// Its network.
    pub def: &'a NetworkDef,
    /// Simulated time (ms).
    pub time_ms: f64,
}

/// Draws the figure into `path` (written to a temporary file first, then renamed).
pub fn draw(path: &Path, sim: &Run, title: &str) -> anyhow::Result<()> {
    let tmp = path.with_file_name(".raster.tmp.png");
    draw_into(&tmp, sim, title).map_err(|e| anyhow::anyhow!("drawing {}: {e}", path.display()))?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

fn draw_into(path: &Path, sim: &Run, title: &str) -> Result<(), Box<dyn std::error::Error>> {
    let text = register_font();
    let dt = sim.def.dt;
    let t_end = sim.time_ms.max(dt);
    // a sample of at most 200 neurons in all, shared among the recorded populations by size
    let pops = &sim.outputs.populations;
    let recorded: Vec<usize> = (0..pops.len())
        .filter(|&i| pops[i].records_spikes)
        .collect();
    let total: usize = recorded.iter().map(|&i| sim.def.populations[i].size).sum();
    let mut rows = 0usize;
    let mut series = Vec::new();
    // about 200 to 1000 bins: 1 ms up to 1 s, then 2, 5, 10, 20 ... ms (a long run's rate in
    // 1 ms bins is a comb of single spikes)
    let bin = if t_end < 200.0 {
        (t_end / 200.0).max(dt)
    } else {
        let raw = t_end / 1000.0;
        let decade = 10f64.powf(raw.log10().floor());
        [1.0, 2.0, 5.0, 10.0]
            .iter()
            .map(|m| m * decade)
            .find(|&b| b >= raw)
            .unwrap_or(raw)
            .max(1.0)
    };
    let nbins = (t_end / bin).ceil() as usize;
    let mut rate = vec![0.0f64; nbins.max(1)];
    for (c, &i) in recorded.iter().enumerate() {
        let p = &sim.def.populations[i];
        let share = ((200 * p.size) as f64 / total.max(1) as f64).ceil() as usize;
        let take = share.clamp(1, p.size) as u32;
        let s = &pops[i];
        let pts: Vec<(f64, f64)> = s
            .times
            .iter()
            .zip(&s.senders)
            .filter(|(_, &n)| n < take)
            .map(|(&t, &n)| (t, (rows + n as usize) as f64))
            .collect();
        for &t in &s.times {
            let b = ((t - 1e-9) / bin).floor().max(0.0) as usize;
            if b < rate.len() {
                rate[b] += 1.0;
            }
        }
        series.push((
            p.name.clone(),
            COLORS[c % COLORS.len()],
            pts,
            rows,
            take as usize,
        ));
        rows += take as usize;
    }
    // population rate per recorded neuron (Hz)
    let n_rec: usize = recorded
        .iter()
        .map(|&i| pops[i].recorded.len())
        .sum::<usize>()
        .max(1);
    rate.iter_mut()
        .for_each(|r| *r *= 1000.0 / (bin * n_rec as f64));
    let rmax = rate.iter().cloned().fold(1e-9, f64::max) * 1.1;

    let root = BitMapBackend::new(path, (1200, 800)).into_drawing_area();
    root.fill(&WHITE)?;
    let (top, bottom) = root.split_vertically(560);
    let font = |s: u32| ("sans-serif", s).into_font();
    let mut up = ChartBuilder::on(&top);
    up.margin(10)
        .margin_right(30)
        .margin_top(if text { 40 } else { 10 })
        .x_label_area_size(if text { 20 } else { 0 })
        .y_label_area_size(if text { 70 } else { 0 });
    if text {
        // the title on the left, the legend on the right of one band above the spikes
        let plural = if rows == 1 { "" } else { "s" };
        let caption = format!("{title}: raster of {rows} neuron{plural}");
        top.draw(&Text::new(caption, (80, 8), font(22)))?;
    }
    let mut chart = up.build_cartesian_2d(0.0..t_end, 0.0..(rows.max(1) as f64))?;
    let mut mesh = chart.configure_mesh();
    // neuron rows are whole numbers: no more labels than rows
    mesh.disable_mesh()
        .x_label_formatter(&tick)
        .y_label_formatter(&tick)
        .y_labels(rows.clamp(1, 10) + 1);
    if text {
        mesh.y_desc("neuron").label_style(font(14));
    } else {
        mesh.disable_x_axis().disable_y_axis();
    }
    mesh.draw()?;
    for (_, color, pts, _, _) in &series {
        chart.draw_series(
            pts.iter()
                .map(|&(t, y)| Circle::new((t, y + 0.5), 1, color.filled())),
        )?;
    }
    // the legend sits in the title's band, right-aligned, never over the spikes
    if text {
        let mut x = 1200 - 30;
        for (name, color, ..) in series.iter().rev() {
            let width = 14 + 9 * name.chars().count() as i32;
            x -= width + 16;
            top.draw(&Circle::new((x, 16), 5, color.filled()))?;
            top.draw(&Text::new(name.clone(), (x + 10, 9), font(15)))?;
        }
    }
    let mut low = ChartBuilder::on(&bottom);
    low.margin(10)
        .margin_right(30)
        .x_label_area_size(if text { 40 } else { 0 })
        .y_label_area_size(if text { 70 } else { 0 });
    let mut rchart = low.build_cartesian_2d(0.0..t_end, 0.0..rmax)?;
    let mut mesh = rchart.configure_mesh();
    mesh.disable_mesh()
        .x_label_formatter(&tick)
        .y_label_formatter(&tick);
    if text {
        mesh.x_desc("time (ms)")
            .y_desc(format!("rate (Hz), {bin} ms bins"))
            .label_style(font(14));
    } else {
        mesh.disable_x_axis().disable_y_axis();
    }
    mesh.draw()?;
    rchart.draw_series(LineSeries::new(
        rate.iter()
            .enumerate()
            .map(|(k, &r)| ((k as f64 + 0.5) * bin, r)),
        BLACK,
    ))?;
    root.present()?;
    Ok(())
}
