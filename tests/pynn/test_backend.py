"""pyNN.cajal's own behaviour: what PyNN leaves to the backend (heterogeneous parameters,
reset, changes between runs) and the errors a script gets where Cajal cannot follow it."""

import numpy as np
import pytest

sim = pytest.importorskip("pyNN.cajal")
from pyNN.errors import InvalidParameterValueError  # noqa: E402


def drive(cells, times=((5.0, 10.0, 30.0),), w=1.2):
    src = sim.Population(len(times), sim.SpikeSourceArray(spike_times=[list(t) for t in times]))
    return sim.Projection(src, cells, sim.AllToAllConnector(), sim.StaticSynapse(weight=w, delay=1.0))


def trace(cells):
    return np.asarray(cells.get_data().segments[-1].filter(name="v")[0], dtype=float)


def test_neurons_with_their_own_parameters_equal_populations_of_one():
    """A population whose neurons differ in tau_m is split into engine groups; each neuron must
    behave as a population of its own with that tau_m."""
    taus = [8.0, 12.0, 20.0, 12.0]
    sim.setup(timestep=0.1)
    cells = sim.Population(4, sim.IF_curr_exp(tau_m=taus, i_offset=0.5))
    drive(cells)
    cells.record("v")
    sim.run(50.0)
    mixed = trace(cells)
    np.testing.assert_array_equal(cells.get("tau_m"), taus)
    sim.end()
    for k, tau in enumerate(taus):
        sim.setup(timestep=0.1)
        one = sim.Population(1, sim.IF_curr_exp(tau_m=tau, i_offset=0.5))
        drive(one)
        one.record("v")
        sim.run(50.0)
        np.testing.assert_array_equal(mixed[:, k], trace(one)[:, 0])
        sim.end()
    assert not np.array_equal(mixed[:, 0], mixed[:, 1])


def test_reset_starts_again_from_the_initial_state_and_keeps_learned_weights():
    sim.setup(timestep=0.1)
    cells = sim.Population(2, sim.IF_curr_exp(i_offset=0.9))
    cells.initialize(v=-60.0)
    src = sim.Population(1, sim.SpikeSourceArray(spike_times=[2.0, 14.0, 25.0, 31.0]))
    stdp = sim.STDPMechanism(
        timing_dependence=sim.SpikePairRule(tau_plus=20.0, tau_minus=20.0, A_plus=0.05, A_minus=0.02),
        weight_dependence=sim.AdditiveWeightDependence(w_min=0.0, w_max=5.0), weight=2.0, delay=1.0)
    prj = sim.Projection(src, cells, sim.AllToAllConnector(), stdp)
    cells.record(["v", "spikes"])
    sim.run(40.0)
    learned = np.asarray(prj.get("weight", format="list", with_address=False))
    assert np.abs(learned - 2.0).max() > 1e-3
    sim.reset()
    assert sim.get_current_time() == 0.0
    np.testing.assert_array_equal(prj.get("weight", format="list", with_address=False), learned)
    sim.run(40.0)
    block = cells.get_data()
    assert len(block.segments) == 2
    first, second = (np.asarray(s.filter(name="v")[0]) for s in block.segments)
    assert first[0, 0] == second[0, 0] == -60.0  # both segments start from the initial value
    assert first.shape == second.shape
    assert not np.array_equal(first, second)  # the second ran with the learned weights
    sim.end()


def test_parameters_and_currents_changed_between_runs_act_from_then_on():
    """Changing i_offset and a DCSource's amplitude at 20 ms gives the trace of a run where
    they were scheduled from the start (a step current, and i_offset as a second step)."""
    sim.setup(timestep=0.1)
    a = sim.Population(1, sim.IF_curr_exp())
    dc = sim.DCSource(amplitude=0.3, start=5.0)
    a.inject(dc)
    a.record("v")
    sim.run(20.0)
    dc.amplitude = 0.8
    a.set(i_offset=0.2)
    sim.run(30.0)
    changed = trace(a)
    sim.end()
    sim.setup(timestep=0.1)
    b = sim.Population(1, sim.IF_curr_exp())
    b.inject(sim.StepCurrentSource(times=[5.0, 20.0], amplitudes=[0.3, 1.0]))
    b.record("v")
    sim.run(50.0)
    scheduled = trace(b)
    sim.end()
    np.testing.assert_allclose(changed, scheduled, rtol=0, atol=1e-12)


def test_what_cannot_follow_the_script_says_so():
    sim.setup(timestep=0.1)
    cells = sim.Population(3, sim.IF_curr_exp())
    prj = drive(cells)
    sim.run(10.0)
    with pytest.raises(RuntimeError, match=r"call record\(\) before run"):
        cells.record("v")
    with pytest.raises(RuntimeError, match="cannot change once the network is built"):
        prj.set(weight=0.5)
    with pytest.raises(RuntimeError, match="one value"):
        cells.set(tau_m=[10.0, 11.0, 12.0])
    with pytest.raises(RuntimeError, match="once the network is built"):
        sim.Population(2, sim.IF_curr_exp())
    sim.end()
    sim.setup(timestep=0.1)
    with pytest.raises(InvalidParameterValueError, match="increasing order"):
        sim.Population(1, sim.SpikeSourceArray(spike_times=[3.0, 1.0]))
    with pytest.raises(ValueError, match="monotonically increasing"):
        sim.StepCurrentSource(times=[4.0, 2.0], amplitudes=[0.1, 0.2])
    with pytest.raises(ValueError, match="w_min=0"):
        sim.AdditiveWeightDependence(w_min=0.1, w_max=1.0)
    with pytest.warns(UserWarning, match="time grid"):
        sim.setup(timestep=0.1, spike_precision="off_grid")
    sim.end()


def test_review_cases_heterogeneous_conductance_cells_and_partial_recording():
    """Lists of tau_m on a conductance-based cell (g_L is computed from them), and spikes
    recorded from only some of the groups such a population is split into."""
    sim.setup(timestep=0.1)
    p = sim.Population(2, sim.IF_cond_exp(tau_m=[10.0, 20.0], i_offset=2.0))
    np.testing.assert_allclose(p.get("tau_m"), [10.0, 20.0])
    p[0:1].record("spikes")
    sim.run(50.0)
    trains = p.get_data().segments[0].spiketrains
    assert len(trains) == 1 and len(trains[0]) > 0
    sim.end()


def test_new_spike_times_between_runs_add_and_never_silently_drop():
    sim.setup(timestep=0.1)
    s = sim.Population(2, sim.SpikeSourceArray(spike_times=[[2.0, 10.0, 30.0], [3.0, 12.0]]))
    s.record("spikes")
    sim.run(5.0)
    with pytest.raises(RuntimeError, match="drop the queued spike at 10.0 ms"):
        s[0:1].set(spike_times=[20.0])
    np.testing.assert_array_equal(s.get("spike_times")[0].value, [2.0, 10.0, 30.0])  # unchanged
    s[1:2].set(spike_times=[3.0, 8.0, 12.0])
    sim.run(35.0)
    trains = [t.magnitude.tolist() for t in s.get_data().segments[0].spiketrains]
    assert trains == [[2.0, 10.0, 30.0], [3.0, 8.0, 12.0]]
    sim.end()


def test_a_refused_change_leaves_the_description_as_it_was():
    sim.setup(timestep=0.1)
    p = sim.Population(3, sim.IF_curr_exp(i_offset=1.0))
    sim.run(10.0)
    with pytest.raises(RuntimeError, match="one value"):
        p.set(tau_m=[10.0, 11.0, 50.0])
    np.testing.assert_array_equal(p.get("tau_m", simplify=False), [20.0, 20.0, 20.0])
    sim.end()


def test_a_current_source_records_its_history_and_noise_does_not_depend_on_the_split():
    sim.setup(timestep=1.0)
    p = sim.Population(1, sim.IF_curr_exp())
    dc = sim.DCSource(amplitude=0.2, start=0.0)
    dc.inject_into(p)
    dc.record()
    sim.run(3.0)
    dc.amplitude = 0.5
    sim.run(3.0)
    np.testing.assert_allclose(np.asarray(dc.get_data()).ravel(), [0.2, 0.2, 0.2, 0.5, 0.5, 0.5, 0.5])
    sim.end()

    def noisy(chunks):
        sim.setup(timestep=0.1)
        cell = sim.Population(1, sim.IF_curr_exp())
        cell.record("v")
        cell.inject(sim.NoisyCurrentSource(mean=0.5, stdev=0.2, dt=1.0))
        for c in chunks:
            sim.run(c)
        sim.reset()
        sim.run(sum(chunks))
        segments = cell.get_data().segments
        sim.end()
        return [np.asarray(s.filter(name="v")[0]).ravel() for s in segments]

    (a, a_again), (b, b_again) = noisy([150.0, 100.0]), noisy([100.0, 50.0, 100.0])
    np.testing.assert_array_equal(a, b)  # however the runs are split
    np.testing.assert_array_equal(a_again, b_again)
    assert not np.array_equal(a, a_again)  # a new segment draws new noise
