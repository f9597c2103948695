"""The systems from the literature through `cajal.systems`: each gives the behaviour its Rust
tests check (docs/ca3.md, docs/motion.md, docs/spatial.md, docs/dendrites.md)."""

import numpy as np
import pytest

from cajal import systems


def test_ca3_memory_learns_recalls_and_forgets():
    m = systems.CA3Memory(cues=5, contents=10)
    m.learn(cue=0, content=[0, 1, 2, 9], at=0)
    m.recall_by_cue(0, at=10)
    m.learn(cue=0, content=[2, 3, 8], at=20)
    m.recall_by_cue(0, at=30)
    m.recall_by_content([1], at=40)
    m.run(55.0)
    assert m.recalled(at=10) == {"cues": [0], "content": [0, 1, 2, 9]}
    # overwritten: the new content alone, and the forgotten bit 1 finds no cue
    assert m.recalled(at=30) == {"cues": [0], "content": [2, 3, 8]}
    assert m.recalled(at=40) == {"cues": [], "content": [1]}


def test_ca3_with_nest_convention_keeps_the_old_memory():
    m = systems.CA3Memory(cues=5, contents=10, zero_lag="unpaired")
    m.learn(cue=0, content=[0, 1, 2, 9], at=0)
    m.learn(cue=0, content=[2, 3, 8], at=20)
    m.recall_by_cue(0, at=30)
    m.run(40.0)
    assert m.recalled(at=30)["content"] == [0, 1, 2, 3, 8, 9]


def test_ca3_refuses_impossible_operations():
    with pytest.raises(ValueError, match="zero_lag"):
        systems.CA3Memory(5, 10, zero_lag="both")
    with pytest.raises(ValueError, match="4096"):
        systems.CA3Memory(60000, 10)
    m = systems.CA3Memory(5, 10)
    with pytest.raises(ValueError, match="cue 7"):
        m.recall_by_cue(7, at=0)
    with pytest.raises(ValueError, match="at must be >= 0"):
        m.recall_by_cue(0, at=-1)
    for ms in (float("inf"), float("nan"), -1.0, 0.5, 1e9):
        with pytest.raises(ValueError, match="run"):
            m.run(ms)


def test_motion_detection_many_delays_beat_one():
    common = dict(size=16, steps=120, directions=8, speeds=[1.0], train_movies=24,
                  test_movies=8, epochs=2, radius=3, seed=1)
    many = systems.motion_detection(delays=6, keep=[1.0, 0.1], **common)
    one = systems.motion_detection(delays=1, **common)
    assert many["motions"] == 8
    assert many["kernel"].shape == (6 * 2 * len(many["offsets"]), 8)
    assert many["synapses"][1] < many["synapses"][0]
    assert many["motion_accuracy"][0] > one["motion_accuracy"][0] + 0.25
    with pytest.raises(ValueError, match="speeds"):
        systems.motion_detection(speeds=[], train_movies=1, test_movies=1)
    with pytest.raises(ValueError, match="no output position"):
        systems.motion_detection(stride=0, train_movies=1, test_movies=1)
    with pytest.raises(ValueError, match="GB needed"):
        systems.motion_detection(train_movies=10**6, test_movies=1)


def test_spatial_detection_of_one_word_is_perfect():
    d = systems.spatial_detection([992])
    assert d["accuracy"] == 1.0
    assert (d["true_positives"], d["positives"]) == (1, 1)


def test_dendrite_false_matches_follow_the_closed_form():
    # a threshold low enough for false matches to be counted (a few per cent of trials)
    o = systems.dendrite_matches(n=256, a=32, s=24, theta=7, segments=50, presentations=200)
    assert o["trials"] == 50 * 200
    assert o["matches"] > 50 and o["within_99"], o
    assert abs(o["rate"] - o["theory"]) < 0.5 * o["theory"], o
    noisy = systems.dendrite_matches(n=1024, a=32, s=24, theta=12, segments=50,
                                     presentations=100, noise=8)
    assert noisy["rate"] > 0.5 and noisy["within_99"]
    assert np.isfinite(noisy["theory"])


def test_networks_take_the_stdp_convention_at_zero_lag():
    import cajal
    net = cajal.Network(dt=0.1, seed=1)
    net.add_population("a", "iaf_psc_delta", 3)
    net.connect("a", "a", weight=1.0, plasticity={"model": "stdp", "Wmax": 10.0,
                                                 "zero_lag": "depress"})
    assert 'zero_lag = "depress"' in net.to_toml()
    with pytest.raises(ValueError, match="zero_lag"):
        net.connect("a", "a", weight=1.0, plasticity={"model": "stdp", "zero_lag": "sometimes"})


def _fashion_mnist_present():
    import os
    return os.path.exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz") or \
        bool(os.environ.get("CAJAL_DATASETS"))


def test_continual_learning_of_split_tasks():
    """The five two-class tasks of Fashion-MNIST learned in sequence (docs/continual.md): each is
    learned well above chance when trained; the scores follow from the matrix."""
    import os
    if not _fashion_mnist_present():
        if os.environ.get("CI") == "true":
            raise AssertionError("CI needs Fashion-MNIST (apt-get install dataset-fashion-mnist)")
        pytest.skip("no Fashion-MNIST")
    r = systems.continual_learning(protocol="split", method="hlop", train_per_task=200,
                                   test_per_task=200)
    acc = np.array(r["accuracy"])
    assert acc.shape == (5, 5)
    assert all(acc[t, t] > 0.75 for t in range(5)), acc
    assert abs(r["acc"] - acc[-1].mean()) < 1e-12
    assert abs(r["bwt"] - np.mean([acc[-1, k] - acc[k, k] for k in range(4)])) < 1e-12
    assert r["protected_rows"] == [10, 20, 30, 40, 50]
    with pytest.raises(ValueError, match="method is"):
        systems.continual_learning(method="replay")
    with pytest.raises(ValueError, match="tasks is -1"):
        systems.continual_learning(tasks=-1)
