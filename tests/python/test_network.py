"""The network from Python against `cajal run`, split runs, steering, checkpoints, zero copy."""

import gc
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import cajal


def test_brunel_from_python_gives_the_spikes_of_cajal_run(root, cli, tmp_path):
    """The issue's example, as written, against the CLI with the same seed and threads."""
    os.chdir(root)
    net = cajal.Network.from_toml("examples/brunel_ai.toml", seed=5, threads=2)
    net.run(200.0)
    times, senders = net.spikes("E")  # float64 ms, uint32 index within the population
    assert times.dtype == np.float64 and senders.dtype == np.uint32
    out = tmp_path / "cli"
    subprocess.run([str(cli), "run", "examples/brunel_ai.toml", "--seed", "5", "--threads", "2",
                    "--duration", "200", "--out", str(out), "-q", "--no-plot"], check=True)
    for pop in ("E", "I"):
        ref = np.load(out / "spikes" / f"{pop}.npz")
        t, s = net.spikes(pop)
        assert len(t) > 10_000
        np.testing.assert_array_equal(t, ref["times"])
        np.testing.assert_array_equal(s, ref["senders"].astype(np.uint32))


def test_split_runs_give_the_spikes_of_one_run_for_any_threads():
    text = cajal.Network.default_model().to_toml()
    text = text.replace("size = 10000", "size = 800").replace("size = 2500", "size = 200")
    text = text.replace("indegree = 1000", "indegree = 80").replace("indegree = 250", "indegree = 20")
    one = cajal.Network.from_toml_string(text, seed=3, threads=1)
    one._native.run_chunk(100.0)  # one call of the engine, not Network.run's chunks
    for threads in (1, 2):
        split = cajal.Network.from_toml_string(text, seed=3, threads=threads)
        for ms in (0.1, 13.4, 36.5, 50.0):
            split.run(ms)
        assert split.time == pytest.approx(100.0)
        for pop in ("E", "I"):
            a, b = one.spikes(pop), split.spikes(pop)
            assert len(a[0]) > 100
            np.testing.assert_array_equal(a[0], b[0])
            np.testing.assert_array_equal(a[1], b[1])


def test_arrays_take_the_engines_buffers_without_a_copy():
    net = cajal.Network(dt=0.1, seed=1)
    n = net.add_population("n", "iaf_psc_alpha", 3, params={"I_e": 450.0})
    net.record(n, variables=["V_m"])
    net.run(200.0)
    t, s = net.spikes(n)
    assert t.size > 5
    handed = net._native._handed()
    assert [t.ctypes.data, s.ctypes.data] == handed
    assert t.base is not None  # owned by the engine's vector, not a NumPy copy
    st = net.state(n)
    assert [a.ctypes.data for a in st.values()] == net._native._handed()


def test_state_parameters_and_weights_between_runs():
    net = cajal.Network(dt=0.1, seed=2)
    pre = net.add_population("pre", "spike_generator", 2)
    post = net.add_population("post", "iaf_psc_exp", 2)
    proj = net.connect(pre, post, "one_to_one", weight=100.0, delay=1.0,
                       plasticity={"model": "stdp", "tau_plus": 20.0, "lambda": 0.01, "alpha": 1.0,
                                   "mu_plus": 0.0, "mu_minus": 0.0, "Wmax": 1000.0})
    net.record(post, variables=["V_m"])
    net.run(10.0)
    # membranes set between runs are read back, and evolve from there
    net.set_state(post, "V_m", [-60.0, -55.0])
    np.testing.assert_array_equal(net.get_state(post, "V_m"), [-60.0, -55.0])
    # a parameter set between runs takes effect and keeps the state
    assert net.get_params(post)["I_e"] == 0.0
    net.set_params(post, I_e=1000.0)
    assert net.get_params(post)["I_e"] == 1000.0
    np.testing.assert_array_equal(net.get_state(post, "V_m"), [-60.0, -55.0])
    net.run(50.0)
    t, _ = net.spikes(post)
    assert t.size > 0 and t.min() > 10.0  # driven by the new I_e only
    # plastic weights: read, set, read back
    w = net.weights(proj)
    assert list(w["weights"]) == [100.0, 100.0]
    net.set_weights(proj, [5.0, 7.0])
    np.testing.assert_array_equal(net.weights(proj)["weights"], [5.0, 7.0])
    with pytest.raises(ValueError, match="allows weights from 0 to 1000"):
        net.set_weights(proj, [5.0, 2000.0])
    np.testing.assert_array_equal(net.weights(proj)["weights"], [5.0, 7.0])


def test_a_current_given_a_new_schedule_between_runs_equals_one_built_in():
    """set_current: a DC input changed at 20 ms drives the membrane exactly as a step current
    with that schedule from the start; impossible schedules are refused and change nothing."""

    def membrane(first_input):
        net = cajal.Network(dt=0.1, seed=1)
        net.add_population("n", "iaf_psc_exp", 2)
        net.add_input("poisson_generator", "n", rate=500.0, weight=20.0, delay=1.0)
        first_input(net)
        net.record("n", variables=["V_m"], interval=0.1)
        return net

    changed = membrane(lambda net: net.add_input("dc_generator", "n", amplitude=150.0, start=5.0))
    changed.run(20.0)
    changed.set_current(1, [5.0, 20.0], [150.0, 400.0], stop=35.0)
    with pytest.raises(ValueError, match="give one amplitude per time"):
        changed.set_current(1, [1.0, 2.0], [5.0])
    with pytest.raises(KeyError, match="is not a dc_generator or step_current_generator"):
        changed.set_current(0, [1.0], [5.0])
    changed.run(30.0)
    built = membrane(lambda net: net.add_input("step_current_generator", "n", amplitude_times=[5.0, 20.0],
                                               amplitude_values=[150.0, 400.0], stop=35.0))
    built.run(50.0)
    np.testing.assert_array_equal(changed.state("n")["V_m"], built.state("n")["V_m"])


def test_spikes_added_between_runs_arrive_after_their_delay():
    """The closed loop: spikes scheduled on a generator between runs reach the target."""
    net = cajal.Network(dt=0.1, seed=1)
    gen = net.add_population("gen", "spike_generator", 1)
    tgt = net.add_population("tgt", "iaf_psc_delta", 1)
    net.connect(gen, tgt, weight=30.0, delay=2.0)  # one spike crosses threshold (20 mV above E_L? 15 mV in NEST)
    net.record(tgt)
    net.run(10.0)
    assert net.spikes(tgt)[0].size == 0
    net.add_spikes(gen, 0, [12.0, 30.0])
    net.run(40.0)
    t, _ = net.spikes(tgt)
    np.testing.assert_allclose(t, [14.0, 32.0])


def test_episodes_and_a_teacher_clamp():
    """Learning on data from Python: an episode starts from rest, a clamped population emits
    the teacher's spikes (seen by its targets), released it fires on its own, and with learning
    off the plastic weights stay."""
    net = cajal.Network(dt=0.5, seed=2)
    gen = net.add_population("gen", "spike_generator", 2)
    out = net.add_population("out", "iaf_psc_delta", 2, params={"t_ref": 1.0})
    follow = net.add_population("follow", "iaf_psc_delta", 2)
    net.connect(gen, out, rule="one_to_one", weight=25.0, delay=0.5,
                plasticity={"model": "stdp", "lambda": 0.01, "Wmax": 50.0})
    net.connect(out, follow, rule="one_to_one", weight=30.0, delay=0.5)
    # the generators would make both output neurons fire; the teacher makes neuron 1 fire twice
    net.add_spikes(gen, [0, 1, 0, 1], [5.0, 5.0, 15.0, 15.0])
    net.clamp(out, [1, 1], [8.0, 20.0])
    net.run(30.0)
    np.testing.assert_array_equal(net.spike_counts(out), [0, 2])
    np.testing.assert_array_equal(net.spike_counts(follow), [0, 2])
    # released, learning off, a new episode: the generators drive both; weights stay
    net.release_clamp(out)
    net.set_learning(False)
    w = net.weights("gen->out")["weights"].copy()
    net.reset_activity()
    net.add_spikes(gen, [0, 1], [35.0, 35.0])
    net.run(10.0)
    np.testing.assert_array_equal(net.spike_counts(out), [1, 3])
    np.testing.assert_array_equal(net.weights("gen->out")["weights"], w)
    # refused with the reason
    with pytest.raises(ValueError, match="spike_generator"):
        net.clamp(gen, [0], [50.0])
    with pytest.raises(ValueError, match="later than the current time"):
        net.clamp(out, [0], [1.0])
    with pytest.raises(ValueError, match="has 2 neurons"):
        net.clamp(out, [5], [60.0])


def test_a_tempotron_learns_its_patterns():
    """The Tempotron from Python: a projection with plasticity "tempotron" onto an iaf_psc_exp
    neuron, taught after each presentation, learns to fire for the positive patterns of a load
    below its capacity and stay silent for the others."""
    rng = np.random.default_rng(4)
    n, t = 40, 100.0
    net = cajal.Network(dt=0.1, seed=1)
    gen = net.add_population("afferents", "spike_generator", n)
    out = net.add_population("tempotron", "iaf_psc_exp", 1,
                             params={"E_L": 0.0, "V_reset": 0.0, "V_th": 1.0, "tau_m": 15.0,
                                     "tau_syn_ex": 3.75, "tau_syn_in": 3.75, "t_ref": 0.1},
                             initial={"V_m": 0.0})
    net.connect(gen, out, weight=0.0, delay=0.1,
                plasticity={"model": "tempotron", "lambda": 0.05, "momentum": 0.9})
    net.build()
    # small random initial weights (pA), as in the paper: with all weights 0 the potential is
    # flat and its peak, hence the gradient, says nothing
    net.set_weights("afferents->tempotron", rng.normal(0.0, 5.0, n))
    patterns = rng.integers(1, int(t / 0.1), size=(20, n)) * 0.1
    labels = rng.random(20) < 0.5
    errors = []
    for _ in range(100):
        wrong = 0
        for x, y in zip(patterns, labels):
            net.reset_activity()
            net.add_spikes(gen, np.arange(n), net.time + x)
            net.run(t)
            wrong += net.tempotron_teach("afferents->tempotron", bool(y))
        errors.append(wrong)
        if wrong == 0:
            break
    assert errors[0] > 0 and errors[-1] == 0, errors
    net.set_learning(False)
    for x, y in zip(patterns, labels):
        net.reset_activity()
        net.add_spikes(gen, np.arange(n), net.time + x)
        net.run(t)
        answer = net.tempotron_answer("afferents->tempotron")
        assert bool(answer["fired"][0]) == bool(y)
        assert (answer["peak_v"][0] >= 1.0) == bool(y)
    with pytest.raises(TypeError, match="True or False"):
        net.tempotron_teach("afferents->tempotron", [1])
    with pytest.raises(ValueError, match="learning is off"):
        net.tempotron_teach("afferents->tempotron", True)


def test_the_delta_rule_and_its_protected_subspace():
    """The delta rule from Python: a projection with plasticity "delta" is taught after a
    presentation by eta * (desired - count) times the presynaptic trace integrals, and once an
    Oja projection's fixed rows are protected, a correction leaves their direction alone."""
    n, eta, tau = 4, 0.5, 5.0
    net = cajal.Network(dt=0.1, seed=1)
    gen = net.add_population("in", "spike_generator", n)
    out = net.add_population("out", "iaf_psc_delta", 1)
    lat = net.add_population("lateral", "iaf_psc_delta", 1, params={"V_th": 1e12})
    net.connect(gen, out, weight=0.0, delay=1.0, name="delta",
                plasticity={"model": "delta", "eta": eta, "tau": tau})
    net.connect(gen, lat, weight=0.0, delay=1.0, name="oja",
                plasticity={"model": "oja_subspace", "eta": 1e-3, "every": 20.0})
    net.build()
    times = np.array([2.0, 5.0, 9.0, 9.0])
    net.add_spikes(gen, np.arange(n), times)
    net.run(20.0)
    answer = net.delta_answer("delta")
    assert list(answer["counts"]) == [0]
    assert net.delta_teach("delta", [3]) == 1
    # a spike at t reaches the target at t + 1 ms and adds 1 - exp(-(20 - t - 1) / tau)
    x = 1.0 - np.exp(-(20.0 - times - 1.0) / tau)
    w = np.asarray(net.weights("delta")["weights"])
    assert np.allclose(w, eta * 3 * x, rtol=0, atol=1e-12)
    # protect the direction (1, 1, 0, 0) / sqrt(2): later corrections do not move along it
    net.set_weights("oja", np.array([1.0, 1.0, 0.0, 0.0]) / np.sqrt(2.0))
    net.oja_fix_rows("oja", 1)
    assert net.delta_protect("delta", "oja") == 1
    net.reset_activity()
    net.add_spikes(gen, np.arange(n), net.time + np.array([1.0, 3.0, 4.0, 6.0]))
    net.run(20.0)
    net.delta_teach("delta", [5.0])
    change = np.asarray(net.weights("delta")["weights"]) - w
    assert abs(change[0] + change[1]) < 1e-12 and np.abs(change).max() > 1e-3
    with pytest.raises(ValueError, match="taught already"):
        net.delta_teach("delta", [1.0])
    with pytest.raises(TypeError, match="a spike count or None"):
        net.delta_teach("delta", ["many"])
    with pytest.raises(TypeError, match="give a sequence"):
        net.delta_teach("delta", 3.0)
    with pytest.raises(ValueError, match="whole number >= 0"):
        net.oja_fix_rows("oja", -1)
    net.reset_activity()
    net.run(5.0)
    with pytest.raises(ValueError, match="finite number >= 0"):
        net.delta_teach("delta", [-1.0])
    assert net.delta_consolidate("delta", 0.1) == 2
    net.delta_set_eta("delta", 0.25)
    with pytest.raises(ValueError, match="eta must be a finite number > 0"):
        net.delta_set_eta("delta", 0.0)


def test_checkpoint_restores_the_run(tmp_path):
    text = cajal.Network.default_model().to_toml()
    text = text.replace("size = 10000", "size = 400").replace("size = 2500", "size = 100")
    text = text.replace("indegree = 1000", "indegree = 40").replace("indegree = 250", "indegree = 10")
    whole = cajal.Network.from_toml_string(text, seed=4)
    whole.run(120.0)
    half = cajal.Network.from_toml_string(text, seed=4)
    half.run(60.0)
    ck = tmp_path / "net.ckpt"
    half.save_checkpoint(ck)
    again = cajal.Network.from_checkpoint(ck)
    assert again.time == pytest.approx(60.0)
    again.run(60.0)
    for pop in ("E", "I"):
        np.testing.assert_array_equal(whole.spikes(pop)[0], again.spikes(pop)[0])


def test_to_toml_round_trip(tmp_path):
    net = cajal.Network(dt=0.1, seed=9)
    a = net.add_population("a", "poisson_source", 20, params={"rate": 50.0})
    b = net.add_population("b", "iaf_psc_alpha", 10, initial={"V_m": {"distribution": "uniform", "low": -70.0, "high": -55.0}})
    net.connect(a, b, "pairwise_bernoulli", p=0.3, weight={"distribution": "normal", "mean": 50.0, "std": 5.0}, delay=1.5)
    net.connect(b, b, "explicit", sources=[0, 1, 2], targets=[3, 4, 5], weights=[-20.0, -30.0, -40.0], delays=[1.0, 2.0, 3.0])
    net.add_input("dc_generator", b, amplitude=380.0)
    net.record(b, variables=["V_m"], interval=0.5)
    path = tmp_path / "model.toml"
    net.to_toml(path)
    back = cajal.Network.from_toml(path)
    net.run(100.0, progress=False)
    back.run(100.0, progress=False)
    np.testing.assert_array_equal(net.spikes(b)[0], back.spikes(b)[0])
    np.testing.assert_array_equal(net.state(b)["V_m"], back.state(b)["V_m"])
    assert net.spikes(b)[0].size > 0


def test_a_python_thread_runs_while_the_engine_simulates():
    net = cajal.Network.default_model(threads=1)
    ticks = []
    stop = threading.Event()

    def count():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    th = threading.Thread(target=count)
    th.start()
    t0 = time.perf_counter()
    net.run(300.0, progress=False)
    t1 = time.perf_counter()
    stop.set()
    th.join()
    during = [t for t in ticks if t0 < t < t1]
    # the GIL is released: the thread ticked all through the run (about every ms)
    assert t1 - t0 > 0.05
    assert len(during) > 0.25 * (t1 - t0) / 0.001 * 0.2


def test_keyboard_interrupt_stops_a_run_and_leaves_it_runnable(root):
    """SIGINT during a long run raises KeyboardInterrupt soon; the network stands at a consistent
    time and runs on."""
    code = r"""
import os, signal, sys, threading, time
import cajal
# Ctrl-C raises KeyboardInterrupt whatever the parent left: a shell without job control starts
# its background commands with SIGINT ignored, and Python then keeps it ignored
signal.signal(signal.SIGINT, signal.default_int_handler)
text = cajal.Network.default_model().to_toml()
for a, b in (("size = 10000", "size = 2000"), ("size = 2500", "size = 500"),
             ("indegree = 1000", "indegree = 200"), ("indegree = 250", "indegree = 50")):
    text = text.replace(a, b)
net = cajal.Network.from_toml_string(text, threads=1)
net.run(1.0, progress=False)
threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
t0 = time.perf_counter()
try:
    net.run(600000.0, progress=False)
    print("finished", flush=True)
except KeyboardInterrupt:
    print("interrupted", round(time.perf_counter() - t0, 2), net.time, flush=True)
t = net.time
net.run(10.0, progress=False)
assert abs(net.time - (t + 10.0)) < 1e-9
print("ran on", net.time, flush=True)
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.split("\n")
    words = lines[0].split()
    assert words[0] == "interrupted", r.stdout
    wall, at = float(words[1]), float(words[2])
    assert wall < 10.0
    # it stopped at the end of the chunk running when the signal came: chunks are the largest
    # multiple of the exchange interval (1.5 ms here) within 100 ms, 99 ms
    assert 0 < at < 600000.0 and abs(at / 99.0 - round(at / 99.0)) < 1e-9, at
    assert lines[1].startswith("ran on")


def test_build_run_drop_cycles_keep_memory_flat():
    """200 cycles of building, running and dropping a small network: resident memory flat."""
    def rss():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def cycle():
        net = cajal.Network(dt=0.1, seed=1)
        a = net.add_population("a", "poisson_source", 100, params={"rate": 20.0})
        b = net.add_population("b", "iaf_psc_alpha", 200)
        net.connect(a, b, "fixed_indegree", indegree=20, weight=20.0)
        net.record(b)
        net.run(50.0, progress=False)
        net.spikes(b)

    for _ in range(20):
        cycle()
    gc.collect()
    before = rss()
    for _ in range(200):
        cycle()
    gc.collect()
    after = rss()
    print(f"resident memory: {before / 2**20:.1f} MiB before, {after / 2**20:.1f} MiB after 200 cycles")
    assert after - before < 8 * 2**20


def test_the_package_under_test_is_the_installed_wheel(root):
    """scripts/test-python installs the wheel: tests must not import the source tree."""
    path = cajal.__file__
    assert "site-packages" in path and not path.startswith(str(root / "python")), path


def test_a_refused_set_params_changes_nothing():
    net = cajal.Network(dt=0.1, seed=1)
    net.add_population("n", "iaf_psc_alpha", 2, params={"tau_m": 15.0})
    net.run(1.0, progress=False)
    with pytest.raises(ValueError):
        net.set_params("n", tau_m=-1.0)
    assert net.get_params("n")["tau_m"] == 15.0
    assert "tau_m = 15.0" in net.to_toml()


def test_a_checkpoint_rebuilds_its_network_in_another_process(tmp_path):
    """Written on 2 threads, with explicit connections; rebuilt and continued in a fresh
    interpreter, it gives the spikes of the uninterrupted run."""
    def make():
        net = cajal.Network(dt=0.1, seed=6, threads=2)
        src = net.add_population("src", "poisson_source", 50, params={"rate": 40.0})
        dst = net.add_population("dst", "iaf_psc_exp", 20)
        rng = np.random.default_rng(0)
        net.connect(src, dst, "explicit", sources=rng.integers(0, 50, 300), targets=rng.integers(0, 20, 300),
                    weights=rng.uniform(100.0, 300.0, 300), delays=np.full(300, 1.0))
        net.record(dst)
        return net

    whole = make()
    whole.run(200.0, progress=False)
    half = make()
    half.run(100.0, progress=False)
    ck = tmp_path / "half.ckpt"
    half.save_checkpoint(ck)
    del half
    code = (
        "import sys, numpy as np, cajal\n"
        f"net = cajal.Network.from_checkpoint({str(ck)!r})\n"
        "assert net.threads == 2\n"
        "net.run(100.0, progress=False)\n"
        f"np.save({str(tmp_path / 'times.npy')!r}, net.spikes('dst')[0])\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    t = np.load(tmp_path / "times.npy")
    assert t.size > 20
    np.testing.assert_array_equal(t, whole.spikes("dst")[0])
    with pytest.raises(ValueError, match="threads=2"):
        cajal.Network.from_checkpoint(ck, threads=1)
    # a checkpoint restored into a network described otherwise is refused
    other = cajal.Network(dt=0.1, seed=6, threads=2)
    other.add_population("src", "poisson_source", 50, params={"rate": 41.0})
    other.add_population("dst", "iaf_psc_exp", 20)
    with pytest.raises(ValueError, match="described otherwise"):
        other.restore(ck)


def test_to_toml_copies_connection_files_beside_the_model(tmp_path):
    net = cajal.Network(dt=0.1, seed=1)
    net.add_population("a", "spike_generator", 3, spike_times=[5.0])
    net.add_population("b", "iaf_psc_delta", 3)
    net.connect("a", "b", "explicit", sources=[0, 1, 2], targets=[2, 1, 0], weights=[30.0, 30.0, 30.0])
    net.record("b")
    (tmp_path / "m").mkdir()
    net.to_toml(tmp_path / "m" / "model.toml")
    files = sorted(p.name for p in (tmp_path / "m").iterdir())
    assert files == ["model.a-_b.npy", "model.toml"], files
    back = cajal.Network.from_toml(tmp_path / "m" / "model.toml")
    back.run(20.0, progress=False)
    net.run(20.0, progress=False)
    np.testing.assert_array_equal(back.spikes("b")[1], net.spikes("b")[1])
    assert back.spikes("b")[0].size == 3
    # a refused explicit connection leaves no file behind
    net2 = cajal.Network()
    net2.add_population("a", "iaf_psc_delta", 2)
    with pytest.raises(ValueError):
        net2.connect("a", "a", "explicit", sources=[0, 9], targets=[0, 1])
    assert list(Path(net2._files.name).iterdir()) == []


def test_the_command_analyses_an_nwb_file(tmp_path):
    from conftest import need

    need("pynwb")
    net = cajal.Network(dt=0.1, seed=1)
    net.add_population("n", "iaf_psc_alpha", 20, params={"I_e": 450.0},
                       initial={"V_m": {"distribution": "uniform", "low": -70.0, "high": -56.0}})
    net.record("n")
    net.run(500.0, progress=False)
    net.write_nwb(tmp_path / "run.nwb")
    out = tmp_path / "analysis"
    r = subprocess.run([sys.executable, "-m", "cajal", "analyze", str(tmp_path / "run.nwb"), "--gof", "0",
                        f"--out={out}", "-q", "--no-plot"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    import json

    rep = json.loads((out / "analysis.json").read_text())
    assert rep["neurons"] == 20 and rep["t_stop"] == 500.0
    assert rep["spikes"] == net.spikes("n")[0].size


def test_connections_list_every_synapse_by_global_id():
    net = cajal.Network(dt=0.1, seed=1)
    net.add_population("a", "iaf_psc_delta", 3)
    net.add_population("b", "iaf_psc_delta", 2)
    net.connect("a", "b", weight=1.5, delay=2.0)
    net.connect("b", "b", "explicit", sources=[0], targets=[1], weights=[-4.0], delays=[0.5])
    net.build()
    c = net.connections()
    pairs = sorted(zip(c["sources"].tolist(), c["targets"].tolist(), c["weights"].tolist(), c["delays"].tolist()))
    expected = sorted([(s, t, 1.5, 2.0) for s in range(3) for t in (3, 4)] + [(3, 4, -4.0, 0.5)])
    assert pairs == expected
