"""Turning PyNN's description into an engine network, and reaching into it afterwards.

A PyNN population may give each neuron its own parameters; an engine population shares one set.
So each PyNN population becomes one engine population per distinct set of parameters (one in
the usual case), and each projection one explicit engine projection per pair of such groups.
Every number is converted here from PyNN's units to the engine's (NEST's).
"""

from collections import OrderedDict

import numpy as np

import cajal


class _Groups:
    """How one PyNN population is laid out in the engine."""

    def __init__(self, names, members, group_of, local):
        self.names = names  # engine population name per group
        self.members = members  # PyNN indices per group
        self.group_of = group_of  # group of each PyNN index
        self.local = local  # index within its group of each PyNN index


def _seq_values(x):
    v = getattr(x, "value", x)
    return [float(t) for t in np.asarray(v, dtype=float).ravel()]


def _on_grid(times, dt):
    """Spike times moved to the time step they fall in (as NEST's spike_generator with
    precise_times delivers them to grid-based neurons: at the end of that step)."""
    t = np.asarray(times, dtype=float)
    steps = np.maximum(np.ceil(t / dt - 1e-9), 1.0)
    return [float(x) for x in steps * dt]


def _float_params(pop, k):
    return {name: float(values[k]) for name, values in pop._parameters.items()}


def _add_populations(st, net):
    for pi, pop in enumerate(st.populations):
        model = pop.celltype.engine_model
        n = pop.size
        if model == "spike_generator":
            times = [_on_grid(_seq_values(s), st.dt) for s in pop._parameters["spike_times"]]
            name = f"p{pi}"
            net.add_population(name, model, n, spike_times=times)
            pop._groups = _Groups([name], [np.arange(n)], np.zeros(n, dtype=int), np.arange(n))
            continue
        keys = sorted(pop._parameters)
        table = np.column_stack([np.asarray(pop._parameters[k], dtype=float) for k in keys])
        uniq, inverse = np.unique(table, axis=0, return_inverse=True)
        inverse = np.asarray(inverse).ravel()
        names, members = [], []
        local = np.zeros(n, dtype=int)
        for g in range(len(uniq)):
            m = np.nonzero(inverse == g)[0]
            name = f"p{pi}" if len(uniq) == 1 else f"p{pi}_{g}"
            params = {k: float(uniq[g][j]) for j, k in enumerate(keys)}
            net.add_population(name, model, int(m.size), params=params)
            names.append(name)
            members.append(m)
            local[m] = np.arange(m.size)
        pop._groups = _Groups(names, members, inverse, local)


def _id_table(st):
    """Global id -> (population number, index in it)."""
    total = st.id_counter
    pop_of = np.full(total, -1, dtype=int)
    index_of = np.zeros(total, dtype=int)
    for pi, pop in enumerate(st.populations):
        ids = np.asarray(pop.all_cells, dtype=int)
        pop_of[ids] = pi
        index_of[ids] = np.arange(ids.size)
    return pop_of, index_of


def _by_group(st, ids):
    """Groups global ids by engine population: {(pop number, group): [positions in ids]}."""
    pop_of, index_of = st._id_table
    out = OrderedDict()
    for pos, i in enumerate(np.asarray(ids, dtype=int)):
        pi = pop_of[i]
        g = st.populations[pi]._groups.group_of[index_of[i]]
        out.setdefault((pi, g), []).append(pos)
    return out


def _add_current_sources(st, net, horizon):
    """Each current source becomes one step_current_generator input per group it reaches."""
    n_inputs = 0
    for src in st.current_sources:
        object.__setattr__(src, "_inputs", [])
        src.start_segment()
        if not src._targets:
            continue
        object.__setattr__(src, "_horizon", horizon)
        times, amps, stop = src.engine_schedule(horizon)
        for (pi, g), positions in _by_group(st, src._targets).items():
            pop = st.populations[pi]
            # a cell the source was injected into twice receives it twice, as in NEST
            neurons = sorted(int(pop._groups.local[st._id_table[1][src._targets[k]]]) for k in positions)
            net.add_input("step_current_generator", pop._groups.names[g], amplitude_times=times or [0.0],
                          amplitude_values=amps or [0.0], stop=stop, neurons=neurons)
            src._inputs.append(n_inputs)
            n_inputs += 1


def _add_records(st, net):
    """One engine recorder per group that records anything; `pop._recording` keeps, per group,
    whether it records spikes and whether it samples state."""
    for pop in st.populations:
        rec = pop.recorder
        spike_ids, state_ids, variables = set(), set(), []
        for var, ids in rec.recorded.items():
            if not ids:
                continue
            if var.name == "spikes":
                spike_ids |= {int(i) for i in ids}
            else:
                variables.append(pop.celltype.variable_map[var.name])
                state_ids |= {int(i) for i in ids}
        n_groups = len(pop._groups.names)
        pop._recording = {"spikes": np.zeros(n_groups, dtype=bool), "state": np.zeros(n_groups, dtype=bool)}
        if not spike_ids and not state_ids:
            continue
        first = int(pop.first_id)

        def by_group(ids):
            k = np.sort(np.fromiter(ids, dtype=np.int64, count=len(ids)) - first)
            groups = pop._groups.group_of[k]
            return {int(g): sorted(pop._groups.local[k[groups == g]].tolist()) for g in np.unique(groups)}

        spikes, state = by_group(spike_ids), by_group(state_ids)
        for g in sorted(set(spikes) | set(state)):
            kwargs = {"spikes": g in spikes}
            if g in spikes:
                kwargs["neurons"] = spikes[g]
            if g in state:
                kwargs.update(variables=sorted(set(variables)), interval=float(rec.sampling_interval),
                              state_neurons=state[g])
            net.record(pop._groups.names[g], **kwargs)
            pop._recording["spikes"][g] = g in spikes
            pop._recording["state"][g] = g in state


def _stdp(prj, ks, sign, scale):
    """The engine's plasticity table for an STDPMechanism projection (NEST's stdp_synapse)."""
    syn = prj.synapse_type
    attrs = prj._arrays()[2]

    def one(name):
        v = np.unique(attrs[name][ks])
        if v.size != 1:
            raise ValueError(
                f"pyNN.cajal: Projection {prj.label!r}: {name} differs between synapses; the engine's "
                "STDP takes one value per projection")
        return float(v[0])

    a_plus, a_minus = one("A_plus"), one("A_minus")
    mu = syn.weight_dependence.mu
    mu_plus, mu_minus = mu if mu is not None else (one("mu_plus"), one("mu_minus"))
    return {
        "model": "stdp",
        "tau_plus": one("tau_plus"),
        "tau_minus": one("tau_minus"),
        "lambda": a_plus,
        "alpha": a_minus / a_plus if a_plus != 0 else 1.0,
        "mu_plus": mu_plus,
        "mu_minus": mu_minus,
        "Wmax": sign * one("w_max") * scale,
    }


def _is_tsodyks(prj):
    return type(prj.synapse_type).__name__ == "TsodyksMarkramSynapse"


def _tsodyks(prj, ks, post_pop, group_name):
    """The engine's table for a TsodyksMarkramSynapse projection (NEST's tsodyks_synapse): the
    inactivation time constant is the targets' synaptic time constant of the receptor, as
    PyNN's NEST backend sets it."""
    attrs = prj._arrays()[2]
    native = "tau_syn_in" if prj.receptor_type == "inhibitory" else "tau_syn_ex"
    if native not in post_pop._parameters:
        raise ValueError(
            f"pyNN.cajal: Projection {prj.label!r}: TsodyksMarkramSynapse needs targets with a synaptic time "
            f"constant ({type(post_pop.celltype).__name__} has none)")
    g = post_pop._groups.names.index(group_name)
    tau_psc = float(np.asarray(post_pop._parameters[native], dtype=float)[post_pop._groups.members[g][0]])
    return {
        "model": "tsodyks",
        "U": float(attrs["U"][ks[0]]),
        "tau_rec": float(attrs["tau_rec"][ks[0]]),
        "tau_fac": float(attrs["tau_facil"][ks[0]]),
        "tau_psc": tau_psc,
    }


def _is_stochastic(prj):
    return type(prj.synapse_type).__name__ == "SimpleStochasticSynapse"


def _bernoulli(prj, ks):
    """The engine's table for a SimpleStochasticSynapse projection (NEST's bernoulli_synapse)."""
    return {"model": "bernoulli_synapse", "p_transmit": float(prj._arrays()[2]["p"][ks[0]])}


def _weight_sign_scale(prj, post_pop):
    scale = post_pop.celltype.weight_scale
    inhibitory_conductance = prj.receptor_type == "inhibitory" and post_pop.conductance_based
    return scale, inhibitory_conductance


def _engine_groups(st):
    """Every neuron's engine group (numbered over the network) and index within it."""
    total = st.id_counter
    gid = np.zeros(total, dtype=np.int64)
    local = np.zeros(total, dtype=np.int64)
    names, pops = [], []
    for pi, pop in enumerate(st.populations):
        ids = np.asarray(pop.all_cells, dtype=np.int64)
        gid[ids] = len(names) + pop._groups.group_of
        local[ids] = pop._groups.local
        names.extend(pop._groups.names)
        pops.extend([pi] * len(pop._groups.names))
    return gid, local, names, pops


def _add_projections(st, net):
    gid, local, names, pops = st._groups_table
    for ji, prj in enumerate(st.projections):
        prj._engine = []
        if len(prj) == 0:
            continue
        pre_ids = np.asarray(prj.pre.all_cells, dtype=np.int64)[prj._pre]
        post_ids = np.asarray(prj.post.all_cells, dtype=np.int64)[prj._post]
        attrs = prj._arrays()[2]
        # connections grouped by (source group, target group), in order of first appearance,
        # and for short-term plasticity and stochastic transmission by parameter set too (the
        # engine takes one per projection)
        key = gid[pre_ids] * len(names) + gid[post_ids]
        if _is_tsodyks(prj) or _is_stochastic(prj):
            kinds = ("U", "tau_rec", "tau_facil") if _is_tsodyks(prj) else ("p",)
            table = np.column_stack([attrs[k] for k in kinds])
            _, param_set = np.unique(table, axis=0, return_inverse=True)
            key = key + np.asarray(param_set).ravel() * (len(names) * len(names))
        uniq, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        order = np.argsort(first, kind="stable")
        for n, u in enumerate(order):
            ks = np.nonzero(inverse.ravel() == u)[0]
            ga, gb = divmod(int(uniq[u]) % (len(names) * len(names)), len(names))
            post_pop = st.populations[pops[gb]]
            scale, inh_cond = _weight_sign_scale(prj, post_pop)
            w = attrs["weight"][ks] * scale
            if inh_cond:
                w = -np.abs(w)
            sign = -1.0 if (w < 0).any() else 1.0
            name = f"j{ji}" if len(uniq) == 1 else f"j{ji}_{n}"
            net.connect(
                names[ga], names[gb], "explicit", name=name,
                sources=local[pre_ids[ks]], targets=local[post_ids[ks]],
                weights=w, delays=attrs["delay"][ks],
                plasticity=_stdp(prj, ks, sign, scale) if prj._is_plastic()
                else _tsodyks(prj, ks, post_pop, names[gb]) if _is_tsodyks(prj)
                else _bernoulli(prj, ks) if _is_stochastic(prj) else None,
            )
            prj._engine.append((name, ks, scale, inh_cond))


def _engine_value(pop, variable, values):
    """PyNN's units -> the engine's, for state variable `variable` (PyNN's name)."""
    return np.asarray(values, dtype=float) / pop.celltype.scale_factors.get(variable, 1.0)


def build_network(st, horizon=0.0):
    """The engine network for everything described (called at the first run of a segment)."""
    seed = int(st.rng_seed) + 7919 * max(st.segment_counter, 0)
    net = cajal.Network(dt=st.dt, seed=seed, threads=st.threads)
    net._check_each = False  # one check of the whole network, at build()
    st._id_table = _id_table(st)
    _add_populations(st, net)
    st._groups_table = _engine_groups(st)
    _add_current_sources(st, net, horizon)
    _add_records(st, net)
    _add_projections(st, net)
    net.build()
    st.net = net
    for pop in st.populations:
        vmap = pop.celltype.variable_map
        for variable, lazy in pop.initial_values.items():
            if variable not in vmap:
                continue
            values = lazy.evaluate(simplify=False) if hasattr(lazy, "evaluate") else lazy
            values = np.broadcast_to(np.asarray(values, dtype=float), (pop.size,))
            push_initial_value(st, pop, variable, values, slice(None))
    return net


# ---- after the build -------------------------------------------------------------------------


def push_initial_value(st, pop, variable, values, mask):
    """Sets a state variable of the neurons `mask` of `pop` (PyNN's name and units) now."""
    vmap = pop.celltype.variable_map
    if variable not in vmap:
        return
    full = np.full(pop.size, np.nan)
    full[mask] = values
    engine = _engine_value(pop, variable, full)
    for g, name in enumerate(pop._groups.names):
        m = pop._groups.members[g]
        new = engine[m]
        if np.isnan(new).all():
            continue
        if np.isnan(new).any():
            cur = st.net.get_state(name, vmap[variable])
            new = np.where(np.isnan(new), cur, new)
        st.net.set_state(name, vmap[variable], new)


def push_parameters(st, pop, new, mask):
    """Gives the engine parameters changed between runs (`new`: the native arrays they will
    have; each group must stay uniform). Refuses, changing nothing, what the engine cannot do."""
    model = pop.celltype.engine_model
    if model == "spike_generator":
        _push_spike_times(st, pop, new["spike_times"], mask)
        return
    updates = []
    for g, name in enumerate(pop._groups.names):
        m = pop._groups.members[g]
        params = {}
        for k, old in pop._parameters.items():
            values = new.get(k, old)
            v = np.unique(np.asarray(values, dtype=float)[m])
            if v.size != 1:
                raise RuntimeError(
                    f"pyNN.cajal: {pop.label!r}: after the first run, {k} can only be set to one value "
                    "for neurons that shared their parameters when the network was built; give "
                    "heterogeneous values before the first run (or after reset())")
            params[k] = float(v[0])
        updates.append((name, params))
    for name, params in updates:
        st.net.set_params(name, **params)


def _push_spike_times(st, pop, new_times, mask):
    """New spike times of a SpikeSourceArray between runs. The engine can add spikes to a
    generator but not take queued ones back: a new list may add future spikes and must keep
    every future spike of the old one (else it is refused, changing nothing)."""
    name = pop._groups.names[0]
    idx = np.atleast_1d(np.arange(pop.size)[mask])
    neurons, times = [], []
    for i in idx:
        future = lambda seq: [t for t in _on_grid(_seq_values(seq), st.dt) if t > st.t + 1e-9]
        old, wanted = future(pop._parameters["spike_times"][i]), future(new_times[i])
        remaining = list(wanted)
        for t in old:
            match = next((k for k, w in enumerate(remaining) if abs(w - t) < 1e-9), None)
            if match is None:
                raise RuntimeError(
                    f"pyNN.cajal: {pop.label!r}[{int(i)}]: the new spike_times drop the queued spike at "
                    f"{t} ms; between runs a SpikeSourceArray can gain future spikes but not lose them "
                    "(set its spike times before the first run, or after reset())")
            remaining.pop(match)
        neurons.extend([int(i)] * len(remaining))
        times.extend(remaining)
    if neurons:
        st.net.add_spikes(name, neurons, times)


def population_spikes(st, pop):
    """(PyNN ids, times) of every recorded spike of `pop`, in time order."""
    ids, times = [], []
    for g, name in enumerate(pop._groups.names):
        if not pop._recording["spikes"][g]:
            continue
        t, s = st.net.spikes(name)
        ids.append(np.asarray(pop.all_cells, dtype=int)[pop._groups.members[g][np.asarray(s, dtype=int)]])
        times.append(np.asarray(t, dtype=float))
    ids = np.concatenate(ids) if ids else np.zeros(0, int)
    times = np.concatenate(times) if times else np.zeros(0)
    order = np.argsort(times, kind="stable")
    return ids[order], times[order]


def population_signals(st, pop, engine_var, ids):
    """(sample times, values[sample, neuron]) of `engine_var` for the PyNN ids `ids`."""
    cache = {}
    columns = []
    times = None
    index = {int(i): k for k, i in enumerate(pop.all_cells)}
    for i in ids:
        k = index[int(i)]
        g = pop._groups.group_of[k]
        name = pop._groups.names[g]
        if name not in cache:
            cache[name] = st.net.state(name)
        d = cache[name]
        sel = np.asarray(d["senders"]) == pop._groups.local[k]
        columns.append(np.asarray(d[engine_var], dtype=float)[sel])
        times = np.asarray(d["times"], dtype=float)[sel]
    return times, np.column_stack(columns)


def _engine_order(st, prj, name, ks):
    """Positions in the engine's weight listing of projection `name` for connections `ks`."""
    d = st.net.weights(name)
    local = st._groups_table[1]
    src = local[np.asarray(prj.pre.all_cells, dtype=np.int64)[prj._pre[ks]]]
    tgt = local[np.asarray(prj.post.all_cells, dtype=np.int64)[prj._post[ks]]]
    dl = np.round(prj._arrays()[2]["delay"][ks] / st.dt).astype(np.int64)
    ours = np.lexsort((dl, tgt, src))
    es, et = np.asarray(d["sources"]), np.asarray(d["targets"])
    ed = np.round(np.asarray(d["delays"]) / st.dt).astype(np.int64)
    theirs = np.lexsort((ed, et, es))
    pos = np.empty(len(ks), dtype=int)
    pos[ours] = theirs
    return pos, d


def read_plastic_weights(st, prj):
    """The current weights of a plastic projection, in PyNN's units and its connection order."""
    out = np.array(prj._arrays()[2]["weight"], dtype=float, copy=True)
    for name, ks, scale, inh_cond in prj._engine:
        pos, d = _engine_order(st, prj, name, ks)
        w = np.asarray(d["weights"], dtype=float)[pos] / scale
        out[ks] = np.abs(w) if inh_cond else w
    return out


def push_connection_attributes(st, prj, changed):
    """Gives the engine connection attributes set between runs (the weights of plastic,
    short-term plastic and stochastic projections only)."""
    for attr in changed:
        if attr != "weight" or not (prj._is_plastic() or _is_tsodyks(prj) or _is_stochastic(prj)):
            raise RuntimeError(
                f"pyNN.cajal: Projection {prj.label!r}: {attr} cannot change once the network is built "
                "(at the first run): the engine stores static synapses compactly; set it before run() "
                "(or after reset())")
    new = changed["weight"]
    for name, ks, scale, inh_cond in prj._engine:
        pos, _ = _engine_order(st, prj, name, ks)
        w = new[ks] * scale
        if inh_cond:
            w = -np.abs(w)
        engine = np.empty(len(ks))
        engine[pos] = w
        st.net.set_weights(name, engine)
