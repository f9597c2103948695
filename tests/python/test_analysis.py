"""cajal.analysis against `cajal analyze` on the same spikes, on Neo trains, and on NWB files
(written by cajal.nwb and checked by nwbinspector)."""

import json
import subprocess

import numpy as np
import pytest

import cajal
from cajal import analysis
from conftest import need


def small_run(seed=3):
    net = cajal.Network.from_toml_string(SMALL, seed=seed)
    net.run(500.0, progress=False)
    return net


SMALL = """
[simulation]
dt = 0.1
duration = 500.0
seed = 1

[[population]]
name = "E"
model = "iaf_psc_delta"
size = 400
params = { E_L = 0.0, C_m = 1.0, tau_m = 20.0, t_ref = 2.0, V_th = 20.0, V_reset = 10.0 }

[[population]]
name = "I"
model = "iaf_psc_delta"
size = 100
params = { E_L = 0.0, C_m = 1.0, tau_m = 20.0, t_ref = 2.0, V_th = 20.0, V_reset = 10.0 }

[[projection]]
source = "E"
target = "E"
rule = "fixed_indegree"
indegree = 40
weight = 0.5
delay = 1.5

[[projection]]
source = "I"
target = "E"
rule = "fixed_indegree"
indegree = 10
weight = -2.5
delay = 1.5

[[input]]
type = "poisson_generator"
target = "E"
rate = 22000.0
weight = 0.1

[[input]]
type = "poisson_generator"
target = "I"
rate = 20000.0
weight = 0.1

[[record]]
population = "E"
variables = ["V_m"]
state_neurons = [0, 1, 2]

[[record]]
population = "I"
"""


def events(net):
    """Both populations as one set of events (I after E), sorted by time then sender."""
    te, se = net.spikes("E")
    ti, si = net.spikes("I")
    t = np.concatenate([te, ti])
    s = np.concatenate([se.astype(np.float64), si.astype(np.float64) + 400])
    order = np.lexsort((s, t))
    return t[order], s[order]


def strip(report):
    report = dict(report)
    report.pop("timings_s")
    return report


def test_the_report_is_that_of_cajal_analyze(cli, tmp_path):
    net = small_run()
    t, s = events(net)
    assert t.size > 1000
    f = tmp_path / "spikes.npz"
    np.savez(f, times=t, senders=s)
    out = tmp_path / "analysis"
    subprocess.run([str(cli), "analyze", str(f), "--neurons", "500", "--t-stop", "500", "--gof", "0",
                    "--out", str(out), "-q", "--no-plot"], check=True)
    ref = json.loads((out / "analysis.json").read_text())
    mine = analysis.analyze(t, s, n=500, t_stop=500.0, gof_reps=0)
    # the command adds where the input came from and its own timing
    assert set(mine) <= set(ref) and len(mine) >= 14
    assert strip(mine) == strip({k: ref[k] for k in mine})
    assert mine["groups"][0]["rate_hz"] > 1.0


def test_neo_trains_give_the_report_of_the_arrays():
    need("neo")
    net = small_run()
    block = net.to_neo(["E"])
    trains = block.segments[0].spiketrains
    assert len(trains) == 400
    t, s = net.spikes("E")
    a = analysis.analyze(t, s.astype(np.float64), n=400, t_stop=500.0, gof_reps=0)
    b = analysis.analyze(trains, gof_reps=0)
    assert strip(a) == strip(b)


def test_single_measures_on_known_trains():
    regular = np.arange(10.0, 1000.0, 10.0)
    assert analysis.cv_isi(regular) == pytest.approx(0.0, abs=1e-12)
    assert analysis.lv(regular) == pytest.approx(0.0, abs=1e-12)
    # Poisson intervals: CV and LV near 1
    rng = np.random.default_rng(1)
    poisson = np.cumsum(rng.exponential(10.0, 20000))
    assert analysis.cv_isi(poisson) == pytest.approx(1.0, abs=0.03)
    assert analysis.lv(poisson) == pytest.approx(1.0, abs=0.03)
    assert analysis.van_rossum(regular, regular, 10.0) == 0.0
    # one spike moved by 2 ms costs q * 2 in Victor-Purpura's metric
    moved = regular.copy()
    moved[5] += 2.0
    assert analysis.victor_purpura(regular, moved, 0.1) == pytest.approx(0.2)
    # LZ76 of 0001101001000101 has 6 phrases (Lempel & Ziv 1976's example)
    c, _ = analysis.lz_complexity(np.array([0, 0, 0, 1, 1, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 1]))
    assert c == 6
    sizes, durations = analysis.avalanches(np.array([0, 2, 3, 0, 0, 1, 0, 4]))
    assert sizes.tolist() == [5, 1] and durations.tolist() == [2, 1]
    with pytest.raises(ValueError, match="sort the train"):
        analysis.cv_isi(np.array([3.0, 1.0, 2.0]))


def test_nwb_round_trip_and_inspection(tmp_path):
    need("pynwb")
    need("nwbinspector")
    net = small_run()
    path = tmp_path / "run.nwb"
    subject = {"subject_id": "model-1", "species": "Mus musculus", "sex": "U", "age": "P90D",
               "description": "the animal whose cortex the simulated network stands for"}
    net.write_nwb(path, subject=subject, experimenter=["Cajal, Santiago"], institution="Cajal tests")
    with pytest.raises(FileExistsError):
        net.write_nwb(path)
    u = analysis.read_nwb(path)
    t, s = events(net)
    np.testing.assert_allclose(u["times"], t, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(u["senders"], s)
    assert u["n"] == 500 and u["groups"] == [("E", 400), ("I", 100)]
    assert (u["t_start"], u["t_stop"]) == (0.0, 500.0)
    a = analysis.analyze_nwb(path, gof_reps=0)
    b = analysis.analyze(t, s, n=500, t_stop=500.0, groups=[("E", 400), ("I", 100)], gof_reps=0)
    # the same spikes, through seconds and back (a last-bit difference at most)
    for ga, gb in zip(a["groups"], b["groups"]):
        assert ga.pop("name") == gb.pop("name")
        assert ga == pytest.approx(gb, rel=1e-12)
    # nwbinspector: nothing at or above a best-practice violation
    from nwbinspector import inspect_nwbfile, Importance

    found = [m for m in inspect_nwbfile(nwbfile_path=str(path))
             if m.importance.value >= Importance.BEST_PRACTICE_VIOLATION.value]
    assert found == [], [f"{m.check_function_name}: {m.message}" for m in found]
    # without a subject, the one finding is the missing subject
    bare = tmp_path / "bare.nwb"
    net.write_nwb(bare)
    names = {m.check_function_name for m in inspect_nwbfile(nwbfile_path=str(bare))
             if m.importance.value >= Importance.BEST_PRACTICE_VIOLATION.value}
    assert names == {"check_subject_exists"}


def dataset_options(tmp_path):
    """Fashion-MNIST when installed, else the MNIST test set of ../shared split (as the Rust
    learning tests do); None (skipped, or failed under CI) without either."""
    import os
    import shutil
    from pathlib import Path

    if Path("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz").is_file():
        return {"dataset": "fashion-mnist"}
    mnist = Path(__file__).resolve().parents[2].parent / "shared" / "datasets" / "mnist-test"
    if not (mnist / "t10k-images-idx3-ubyte.gz").is_file():
        if os.environ.get("CI") == "true":
            pytest.fail("no dataset: neither Fashion-MNIST nor ../shared/datasets/mnist-test")
        pytest.skip("no dataset for the learning tasks")
    for kind in ("images-idx3", "labels-idx1"):
        src = mnist / f"t10k-{kind}-ubyte.gz"
        shutil.copy(src, tmp_path / f"train-{kind}-ubyte.gz")
        shutil.copy(src, tmp_path / f"t10k-{kind}-ubyte.gz")
    return {"dataset": "mnist", "data": str(tmp_path), "validation": 2000}


def test_a_learning_task_returns_its_report_and_weights(tmp_path):
    opts = dataset_options(tmp_path)
    r = cajal.learn.run("diehl-cook", out=tmp_path / "out", train=400, test=300, seed=1, **opts)
    assert r["report"]["accuracy"] > 0.4  # chance: 0.1
    w = r["weights"]
    assert w["weights"].shape == (784, 100) and w["assignments"].shape == (100,)
    with pytest.raises(ValueError, match="--test must be at least 1"):
        cajal.learn.run("diehl-cook", out=tmp_path / "bad", test=0, **opts)
    with pytest.raises(ValueError, match="unknown task"):
        cajal.learn.run("hebb")
