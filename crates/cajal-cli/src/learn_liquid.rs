//! `cajal learn lsm` and `cajal learn nalsm`: a liquid of LIF neurons (fixed, or first shaped by
//! astrocyte-modulated STDP), a logistic-regression readout on its spike counts, and the same
//! readout on raw pixels for comparison.

use crate::learn::{load_config, with_progress, LearnArgs, DEFAULT_LSM};
use crate::Failure;
use cajal_learn::evaluate::Confusion;
use cajal_learn::liquid::{Liquid, LiquidConfig};
use cajal_learn::readout::{pixel_features, Features, Readout};
use cajal_learn::train::Pass;
use std::time::Instant;

/// Runs the task; `astrocyte` selects NALSM.
pub fn run(args: &LearnArgs, astrocyte: bool) -> Result<(), Failure> {
    let task = if astrocyte { "nalsm" } else { "lsm" };
    if args.neurons.is_some() {
        return Err(crate::bad_input(format!(
            "--neurons applies to diehl-cook; the size of the {task} liquid is `shape` in [liquid] of the task file"
        )));
    }
    let (config, text) = load_config(
        &args.config,
        DEFAULT_LSM,
        "lsm.toml",
        LiquidConfig::validate,
    )?;
    if args.train < 10 {
        return Err(crate::bad_input(
            "--train must be at least 10: the readout holds out a validation part",
        ));
    }
    let (name, train_set, test_set) = crate::learn::dataset(args)?;
    let train_set = train_set.take(args.train);
    crate::check_fits(
        config.bytes_for(train_set.count() + test_set.count()),
        &format!(
            "a liquid of {} neurons read out on {} training and {} test images",
            config.neurons(),
            train_set.count(),
            test_set.count()
        ),
        "make liquid.shape or schedule.bins smaller, or give fewer --train or --test images",
    )?;
    let out = args.out.as_path();
    std::fs::create_dir_all(out)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", out.display()))?;
    std::fs::write(out.join("task.toml"), &text)?;
    let inputs = train_set.pixels_per_image();
    let mut liquid = Liquid::build_for_image(
        &config.liquid,
        inputs,
        (train_set.rows, train_set.cols),
        args.seed,
    );
    let ee_before = liquid.mean_ee_weight();

    // NALSM: the liquid learns, unsupervised, on the first training images, on the engine
    let t_stdp = Instant::now();
    let mut astro_final = None;
    if astrocyte {
        let n = config.astrocyte.images;
        let pb = crate::learn::bar(args.quiet, n, "liquid");
        // nothing of this phase is saved: a signal quits at once (start again)
        crate::interrupt::doing("the liquid learned (nothing to resume: start again)");
        let mut net = liquid.network(&config, true)?;
        let mut counts = Vec::new();
        for i in 0..n {
            let mut rng = cajal_core::rng::stream(
                args.seed,
                cajal_core::rng::Purpose::Encode,
                Pass::Liquid as u64,
                i as u64,
            );
            let img = train_set.image(i % train_set.count());
            net.present(&config, img, &mut rng, &mut counts)?;
            pb.inc(1);
        }
        pb.finish_and_clear();
        liquid.take_weights(&net);
        astro_final = net.astrocyte();
    }
    let stdp_s = t_stdp.elapsed().as_secs_f64();

    // features of the frozen liquid
    let t_feat = Instant::now();
    let train_x = with_progress(args.quiet, train_set.count(), "train", |d| {
        liquid.features(&config, &train_set, args.seed, Pass::Label, d)
    })?;
    let test_x = with_progress(args.quiet, test_set.count(), "test", |d| {
        liquid.features(&config, &test_set, args.seed, Pass::Test, d)
    })?;
    let feat_s = t_feat.elapsed().as_secs_f64();

    let t_fit = Instant::now();
    let fit = |x: &Features, tx: &Features| {
        let r = Readout::fit(x, &train_set.labels, 10, &config.readout, args.seed);
        let pred: Vec<Option<u8>> = (0..tx.rows()).map(|i| Some(r.predict(tx.row(i)))).collect();
        (Confusion::new(&test_set.labels, &pred, 10), r)
    };
    let (confusion, readout) = fit(&train_x, &test_x);
    let (pixel_confusion, pixel_readout) =
        fit(&pixel_features(&train_set), &pixel_features(&test_set));
    let fit_s = t_fit.elapsed().as_secs_f64();

    let accuracy = confusion.accuracy();
    let pixel_accuracy = pixel_confusion.accuracy();
    let spikes_per_image =
        test_x.values.iter().map(|&v| v as f64).sum::<f64>() / test_set.count().max(1) as f64;
    let report = serde_json::json!({
        "task": task,
        "pixel_readout_accuracy": pixel_accuracy,
        "test_images": test_set.count(),
        "tested_on": if args.validation.is_some() { "validation images held out from the training set" } else { "test set" },
        "train_images": train_set.count(),
        "liquid_neurons": liquid.neurons(),
        "liquid_synapses": liquid.synapses(),
        "mean_ee_weight_before_mv": ee_before,
        "mean_ee_weight_after_mv": liquid.mean_ee_weight(),
        "astrocyte_final": astro_final,
        "stdp_images": if astrocyte { config.astrocyte.images } else { 0 },
        "mean_liquid_spikes_per_test_image": spikes_per_image,
        "readout_l2": readout.l2,
        "readout_validation": readout.validation,
        "pixel_readout_l2": pixel_readout.l2,
        "stdp_seconds": stdp_s,
        "feature_seconds": feat_s,
        "feature_images_per_second": (train_set.count() + test_set.count()) as f64 / feat_s.max(1e-9),
        "readout_seconds": fit_s,
        "parameters": config,
    });
    crate::learn::write_results(out, name, &confusion, args.seed, report)?;
    if !args.quiet {
        println!(
            "{}: {task} test accuracy {:.2} % ({} neurons, readout on {} training images); raw-pixel readout {:.2} %; report in {}",
            name.name(),
            100.0 * accuracy,
            liquid.neurons(),
            train_set.count(),
            100.0 * pixel_accuracy,
            out.join("report.json").display()
        );
    }
    Ok(())
}
