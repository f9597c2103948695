//! raster.png: spikes of a sample of neurons of each recorded population, and the population
//! rate under it.

use cajal_core::Simulation;
use plotters::prelude::*;
use std::path::Path;

pub(crate) const COLORS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(255, 127, 14),
    RGBColor(23, 190, 207),
];

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

/// Draws the figure into `path` (written to a temporary file first, then renamed).
pub fn draw(path: &Path, sim: &Simulation, title: &str) -> anyhow::Result<()> {
    let tmp = path.with_file_name(".raster.tmp.png");
    draw_into(&tmp, sim, title).map_err(|e| anyhow::anyhow!("drawing {}: {e}", path.display()))?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

fn draw_into(path: &Path, sim: &Simulation, title: &str) -> Result<(), Box<dyn std::error::Error>> {
    let text = register_font();
    let t_end = sim.time_ms().max(sim.dt());
    // a sample of at most 200 neurons in all, shared among the recorded populations by size
    let ids = sim.population_ids();
    let recorded: Vec<usize> = (0..ids.len())
        .filter(|&i| sim.records_spikes(ids[i]).unwrap_or(false))
        .collect();
    let total: usize = recorded.iter().map(|&i| sim.populations()[i].size).sum();
    let mut rows = 0usize;
    let mut series = Vec::new();
    let bin = if t_end >= 200.0 {
        1.0
    } else {
        (t_end / 200.0).max(sim.dt())
    };
    let nbins = (t_end / bin).ceil() as usize;
    let mut rate = vec![0.0f64; nbins.max(1)];
    for (c, &i) in recorded.iter().enumerate() {
        let p = &sim.populations()[i];
        let share = ((200 * p.size) as f64 / total.max(1) as f64).ceil() as usize;
        let take = share.clamp(1, p.size) as u32;
        let s = sim.spike_trains(ids[i])?;
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
        .map(|&i| sim.recorded_neurons(ids[i]).unwrap_or(0))
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
        .x_label_area_size(if text { 20 } else { 0 })
        .y_label_area_size(if text { 60 } else { 0 });
    if text {
        up.caption(format!("{title}: raster of {rows} neurons"), font(22));
    }
    let mut chart = up.build_cartesian_2d(0.0..t_end, 0.0..(rows.max(1) as f64))?;
    let mut mesh = chart.configure_mesh();
    mesh.disable_mesh();
    if text {
        mesh.y_desc("neuron").label_style(font(14));
    } else {
        mesh.disable_x_axis().disable_y_axis();
    }
    mesh.draw()?;
    for (name, color, pts, _, _) in &series {
        let s = chart.draw_series(
            pts.iter()
                .map(|&(t, y)| Circle::new((t, y + 0.5), 1, color.filled())),
        )?;
        if text {
            let c = *color;
            s.label(name.clone())
                .legend(move |(x, y)| Circle::new((x, y), 4, c.filled()));
        }
    }
    if text && !series.is_empty() {
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .label_font(font(14))
            .draw()?;
    }
    let mut low = ChartBuilder::on(&bottom);
    low.margin(10)
        .x_label_area_size(if text { 40 } else { 0 })
        .y_label_area_size(if text { 60 } else { 0 });
    let mut rchart = low.build_cartesian_2d(0.0..t_end, 0.0..rmax)?;
    let mut mesh = rchart.configure_mesh();
    mesh.disable_mesh();
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
