//! Figures of `cajal analyze`, as PNG files written atomically.

use crate::raster::{register_font, tick, COLORS};
use cajal_analysis::report::Report;
use cajal_analysis::stats::{histogram, isis, Histogram};
use cajal_analysis::SpikeData;
use plotters::prelude::*;
use std::path::Path;

pub(crate) type Res = Result<(), Box<dyn std::error::Error>>;

/// Draws one figure into a temporary file and renames it over `path`.
pub(crate) fn save(path: &Path, draw: impl FnOnce(&Path) -> Res) -> anyhow::Result<()> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("figure.png");
    let tmp = path.with_file_name(format!(".{name}.tmp.png"));
    draw(&tmp).map_err(|e| anyhow::anyhow!("drawing {}: {e}", path.display()))?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

fn label_size(text: bool) -> u32 {
    if text {
        16
    } else {
        0
    }
}

/// The chart of a figure: margins that keep the last tick label inside the image, and (with a
/// font) the title and label areas wide enough for tick labels and the axis name side by side.
fn chart_area<'a, 'b>(
    root: &'a DrawingArea<BitMapBackend<'b>, plotters::coord::Shift>,
    title: &str,
    text: bool,
) -> ChartBuilder<'a, 'b, BitMapBackend<'b>> {
    let mut b = ChartBuilder::on(root);
    b.margin(12).margin_right(28);
    if text {
        b.caption(title, ("sans-serif", 18))
            .x_label_area_size(44)
            .y_label_area_size(78);
    }
    b
}

/// A bar histogram.
fn bars(path: &Path, h: &Histogram, title: &str, xlabel: &str) -> Res {
    let text = register_font();
    let root = BitMapBackend::new(path, (640, 420)).into_drawing_area();
    root.fill(&WHITE)?;
    let lo = h.edges[0];
    let hi = *h.edges.last().unwrap_or(&1.0);
    let top = h.counts.iter().copied().max().unwrap_or(1).max(1) as f64 * 1.05;
    let mut b = chart_area(&root, title, text);
    let mut chart = b.build_cartesian_2d(lo..hi.max(lo + 1e-9), 0.0..top)?;
    let mut mesh = chart.configure_mesh();
    mesh.disable_mesh()
        .x_label_formatter(&tick)
        .y_label_formatter(&tick);
    if text {
        mesh.x_desc(xlabel)
            .y_desc("count")
            .label_style(("sans-serif", label_size(text)));
    }
    mesh.draw()?;
    chart.draw_series(h.counts.iter().enumerate().map(|(k, &c)| {
        Rectangle::new(
            [(h.edges[k], 0.0), (h.edges[k + 1], c as f64)],
            COLORS[0].filled(),
        )
    }))?;
    root.present()?;
    Ok(())
}

/// A line plot of y against x.
fn line(
    path: &Path,
    x: &[f64],
    y: &[f64],
    title: &str,
    xlabel: &str,
    ylabel: &str,
    log_y: bool,
) -> Res {
    let text = register_font();
    let root = BitMapBackend::new(path, (640, 420)).into_drawing_area();
    root.fill(&WHITE)?;
    let (x0, x1) = (
        x.first().copied().unwrap_or(0.0),
        x.last().copied().unwrap_or(1.0),
    );
    let pts: Vec<(f64, f64)> = x
        .iter()
        .zip(y)
        .filter(|(_, v)| v.is_finite() && (!log_y || **v > 0.0))
        .map(|(a, b)| (*a, if log_y { b.log10() } else { *b }))
        .collect();
    let lo = pts.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let hi = pts.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if lo.is_finite() && hi > lo {
        (lo, hi)
    } else {
        (0.0, 1.0)
    };
    let mut b = chart_area(&root, title, text);
    let mut chart = b.build_cartesian_2d(x0..x1.max(x0 + 1e-9), lo..hi + 0.05 * (hi - lo))?;
    let mut mesh = chart.configure_mesh();
    mesh.disable_mesh()
        .x_label_formatter(&tick)
        .y_label_formatter(&tick);
    if text {
        let yl = if log_y {
            format!("log10 {ylabel}")
        } else {
            ylabel.to_string()
        };
        mesh.x_desc(xlabel)
            .y_desc(yl)
            .label_style(("sans-serif", label_size(text)));
    }
    mesh.draw()?;
    chart.draw_series(LineSeries::new(pts, COLORS[0].stroke_width(2)))?;
    root.present()?;
    Ok(())
}

/// Log-log distribution P(x) of positive integers with the fitted power law over its range.
fn loglog(
    path: &Path,
    values: &[u64],
    fit: &Option<cajal_analysis::powerlaw::PowerLawFit>,
    title: &str,
    xlabel: &str,
) -> Res {
    let text = register_font();
    let root = BitMapBackend::new(path, (640, 480)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut counts = std::collections::BTreeMap::<u64, u64>::new();
    for &v in values.iter().filter(|&&v| v > 0) {
        *counts.entry(v).or_default() += 1;
    }
    let n = values.len().max(1) as f64;
    let pts: Vec<(f64, f64)> = counts
        .iter()
        .map(|(&x, &c)| ((x as f64).log10(), (c as f64 / n).log10()))
        .collect();
    let x1 = pts.iter().map(|p| p.0).fold(1.0, f64::max);
    let y0 = pts.iter().map(|p| p.1).fold(0.0, f64::min);
    let mut b = chart_area(&root, title, text);
    let mut chart = b.build_cartesian_2d(-0.05..x1 + 0.1, y0 - 0.2..0.1)?;
    let mut mesh = chart.configure_mesh();
    mesh.disable_mesh()
        .x_label_formatter(&tick)
        .y_label_formatter(&tick);
    if text {
        mesh.x_desc(format!("log10 {xlabel}"))
            .y_desc("log10 P")
            .label_style(("sans-serif", label_size(text)));
    }
    mesh.draw()?;
    chart.draw_series(pts.iter().map(|&p| Circle::new(p, 3, COLORS[0].filled())))?;
    if let Some(f) = fit {
        // P(x) = (n_tail/n)·x^−α/ζ(α, xmin) over the fitted range
        let z = cajal_analysis::powerlaw::hurwitz_zeta(f.alpha, f.xmin as f64);
        let frac = f.n_tail as f64 / n;
        let xs = (f.xmin as f64).log10();
        let line: Vec<(f64, f64)> = (0..=50)
            .map(|k| xs + (x1 - xs) * k as f64 / 50.0)
            .map(|lx| (lx, (frac / z).log10() - f.alpha * lx))
            .collect();
        let s = chart.draw_series(LineSeries::new(line, COLORS[1].stroke_width(2)))?;
        if text {
            s.label(format!("alpha = {:.2}", f.alpha))
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], COLORS[1]));
            chart
                .configure_series_labels()
                .border_style(BLACK)
                .background_style(WHITE)
                .draw()?;
        }
    }
    root.present()?;
    Ok(())
}

/// Raster of up to 200 neurons spread over the data.
fn raster(path: &Path, d: &SpikeData) -> Res {
    let text = register_font();
    let root = BitMapBackend::new(path, (900, 500)).into_drawing_area();
    root.fill(&WHITE)?;
    let n = d.neurons();
    let step = n.div_ceil(200).max(1);
    let shown: Vec<usize> = (0..n).step_by(step).collect();
    let mut b = chart_area(&root, "Spike raster", text);
    let mut chart = b.build_cartesian_2d(d.t_start..d.t_stop, 0.0..shown.len().max(1) as f64)?;
    let mut mesh = chart.configure_mesh();
    mesh.disable_mesh()
        .x_label_formatter(&tick)
        .y_label_formatter(&tick);
    if text {
        mesh.x_desc("time (ms)")
            .y_desc(format!("neuron (every {step})"))
            .label_style(("sans-serif", 14));
    }
    mesh.draw()?;
    for (row, &i) in shown.iter().enumerate() {
        let g = d
            .groups
            .iter()
            .position(|g| i >= g.first && i < g.first + g.size)
            .unwrap_or(0);
        let c = COLORS[g % COLORS.len()];
        chart.draw_series(
            d.trains[i]
                .iter()
                .map(|&t| Circle::new((t, row as f64 + 0.5), 1, c.filled())),
        )?;
    }
    root.present()?;
    Ok(())
}

/// Histogram range and bins (lo, hi, bins) for values that are whole multiples of `quantum` up
/// to `max`: at most `most` bins, each `m` quanta wide and starting half a quantum below a
/// multiple, so that every bin holds `m` possible values. Without a usable quantum, 0..max.
fn quantised_bins(max: f64, quantum: f64, most: usize) -> (f64, f64, usize) {
    if !(quantum.is_finite() && quantum > 0.0 && max.is_finite() && max >= 0.0) {
        return (0.0, max.max(1e-9), most);
    }
    let m = (max / quantum / most as f64).ceil().max(1.0);
    let width = m * quantum;
    let bins = ((max / width).floor() as usize + 1).min(most.max(1) + 1);
    let lo = -quantum / 2.0;
    (lo, lo + bins as f64 * width, bins)
}

/// The histogram of a projection's final weights (`weights/<name>.png`), over the range from 0 to
/// the largest magnitude (or the rule's bounds when given).
pub fn weight_histogram(
    path: &Path,
    weights: &[f64],
    bounds: (f64, f64),
    title: &str,
) -> anyhow::Result<()> {
    let (lo, hi) = bounds;
    let h = histogram(weights.iter().copied(), lo, hi, 40);
    save(path, |p| bars(p, &h, title, "weight"))
}

/// Draws raster, rate, ISI, CV, correlogram, avalanche and spectrum figures into `out`.
pub fn draw_all(out: &Path, d: &SpikeData, r: &Report) -> anyhow::Result<()> {
    save(&out.join("raster.png"), |p| raster(p, d))?;
    let all_isi: Vec<f64> = d.trains.iter().flat_map(|t| isis(t)).collect();
    let mut sorted = all_isi.clone();
    sorted.sort_by(f64::total_cmp);
    let isi_top = sorted.get(sorted.len() * 99 / 100).copied().unwrap_or(1.0);
    let finite_max = |x: &[f64]| {
        x.iter()
            .copied()
            .filter(|v| v.is_finite())
            .fold(1.0, f64::max)
    };
    let per = &r.per_neuron;
    let hist = |file: &str, values: &[f64], hi: f64, bins: usize, title: &str, label: &str| {
        let h = histogram(values.iter().copied(), 0.0, hi, bins);
        save(&out.join(file), |p| bars(p, &h, title, label))
    };
    // rates are whole spike counts over the window: bins of whole numbers of that quantum, each
    // centred on the rates it holds, so that no bin holds more possible rates than another
    let quantum = 1000.0 / (d.t_stop - d.t_start);
    let rate_bins = quantised_bins(finite_max(&per.rate_hz), quantum, 40);
    let h = histogram(
        per.rate_hz.iter().copied(),
        rate_bins.0,
        rate_bins.1,
        rate_bins.2,
    );
    save(&out.join("rates.png"), |p| {
        bars(p, &h, "Firing rates", "rate (Hz)")
    })?;
    let isi_title = "Inter-spike intervals (to the 99th percentile)";
    hist(
        "isi.png",
        &all_isi,
        isi_top.max(1e-3),
        60,
        isi_title,
        "ISI (ms)",
    )?;
    hist(
        "cv.png",
        &per.cv,
        finite_max(&per.cv),
        40,
        "ISI CV per neuron",
        "CV",
    )?;
    let l = r.options.correlogram_max_lag as f64;
    let lags: Vec<f64> = (0..r.pairwise.correlogram.len())
        .map(|k| (k as f64 - l) * r.options.bin_ms)
        .collect();
    let ccg: Vec<f64> = r.pairwise.correlogram.iter().map(|&c| c as f64).collect();
    save(&out.join("correlogram.png"), |p| {
        line(
            p,
            &lags,
            &ccg,
            "Cross-correlogram summed over pairs",
            "lag (ms)",
            "pairs",
            false,
        )
    })?;
    let c = &r.criticality;
    save(&out.join("avalanche_sizes.png"), |p| {
        loglog(
            p,
            &c.data.sizes,
            &c.size_fit,
            "Avalanche sizes",
            "size (spikes)",
        )
    })?;
    save(&out.join("avalanche_durations.png"), |p| {
        loglog(
            p,
            &c.data.durations,
            &c.duration_fit,
            "Avalanche durations",
            "duration (bins)",
        )
    })?;
    let s = &r.spectrum;
    save(&out.join("spectrum.png"), |p| {
        line(
            p,
            &s.freqs[1..],
            &s.psd[1..],
            "Population-rate power spectrum",
            "frequency (Hz)",
            "PSD (Hz²/Hz)",
            true,
        )
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_labels_are_short_and_whole_numbers_have_no_point() {
        assert_eq!(tick(&200.0), "200");
        assert_eq!(tick(&-2.220446049250313e-16), "0");
        assert_eq!(tick(&0.25), "0.25");
        assert_eq!(tick(&1e300), "1.0e300");
    }

    #[test]
    fn rate_bins_hold_equally_many_possible_rates() {
        // rates of a 1 s window are whole numbers of Hz: every bin must hold as many of them
        // (40 bins of 0..46 Hz used to hold one or two each)
        for (max, quantum) in [(46.0, 1.0), (37.0, 1.0), (120.0, 0.5), (3.0, 1.0)] {
            let (lo, hi, bins) = quantised_bins(max, quantum, 40);
            let values: Vec<f64> = (0..)
                .map(|k| k as f64 * quantum)
                .take_while(|&v| v <= max)
                .collect();
            let h = histogram(values.iter().copied(), lo, hi, bins);
            let full = &h.counts[..h.counts.len() - 1];
            assert!(
                full.iter().all(|&c| c == full[0]),
                "max {max}, quantum {quantum}: {:?}",
                h.counts
            );
            assert!(bins <= 41 && h.counts.iter().sum::<u64>() as usize == values.len());
        }
    }
}
