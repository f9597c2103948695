"""The network: describe it with NEST's model and parameter names, run it, read and steer it.

Every call that adds something becomes a table of the model file format and is checked, with
everything added before, by the same loader and builder as `cajal run` uses, so a value is
refused with the same message from a model file, from Rust and from here.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from . import _cajal
from ._progress import Progress

Number = Union[int, float]
Value = Union[Number, Mapping[str, Any]]

#: Simulated time per chunk of a run (ms): Ctrl-C is answered between chunks.
CHUNK_MS = 100.0


def _name(x: Any, what: str, call: str) -> str:
    """The name behind a handle or a string."""
    if isinstance(x, (Population, Projection)):
        return x.name
    if isinstance(x, str):
        return x
    raise TypeError(
        f"{call}: {what} must be a population name or handle (str or cajal.Population), "
        f"got {type(x).__name__} {x!r}"
    )


def _number(x: Any, what: str, call: str, *, integer: bool = False) -> Any:
    """A Python number (not a bool), or a TypeError naming the argument."""
    ok = isinstance(x, (int, np.integer)) if integer else isinstance(x, (int, float, np.number))
    if isinstance(x, bool) or not ok:
        kind = "an integer" if integer else "a number"
        raise TypeError(f"{call}: {what} must be {kind}, got {type(x).__name__} {x!r}")
    return int(x) if integer else float(x)


def _seed_threads(seed: Optional[int], threads: Any, call: str) -> Tuple[Optional[int], int]:
    """A seed (None: the model's) from 0 to 2**63 - 1 and a thread count >= 0, checked."""
    if seed is not None:
        seed = _number(seed, "seed", call, integer=True)
        if seed < 0 or seed >= 2**63:
            raise ValueError(f"{call}: seed must be from 0 to 2**63 - 1 (got {seed})")
    threads = _number(threads, "threads", call, integer=True)
    if threads < 0:
        raise ValueError(f"{call}: threads must be >= 0, 0 meaning one per core (got {threads})")
    return seed, threads


_FILE_LINE = re.compile(r'^file = "((?:[^"\\]|\\.)*)"$', re.M)


def _move_files(text: str, folder: Path, stem: str, relative: bool) -> str:
    """Copies every connection file a description names into ``folder`` (as ``stem.NAME``) and
    names the copies instead: relative to ``folder`` or absolute."""
    def repl(m: "re.Match[str]") -> str:
        src = Path(json.loads(f'"{m.group(1)}"'))
        dst = folder / f"{stem}.{src.name}"
        if src.resolve() != dst.resolve():
            shutil.copyfile(src, dst)
        name = dst.name if relative else str(dst.resolve())
        return "file = " + json.dumps(name)

    return _FILE_LINE.sub(repl, text)


def _table(**items: Any) -> Dict[str, Any]:
    """A table without the items left as None."""
    return {k: v for k, v in items.items() if v is not None}


class Population:
    """A handle on a population of a :class:`Network` (its name, model and size)."""

    def __init__(self, net: "Network", name: str, model: str, size: int):
        self.net = net
        self.name = name
        self.model = model
        self.size = size

    def __len__(self) -> int:
        return self.size

    def __repr__(self) -> str:
        return f"Population({self.name!r}, {self.model!r}, size={self.size})"

    def spikes(self) -> Tuple[np.ndarray, np.ndarray]:
        """Recorded spikes: ``(times, senders)``, see :meth:`Network.spikes`."""
        return self.net.spikes(self)

    def get(self, variable: str) -> np.ndarray:
        """The current value of a state variable of every neuron."""
        return self.net.get_state(self, variable)

    def set(self, variable: str, values: Union[Number, Sequence[float], np.ndarray]) -> None:
        """Sets a state variable (one value for all neurons or one per neuron)."""
        self.net.set_state(self, variable, values)


class Projection:
    """A handle on a projection of a :class:`Network`."""

    def __init__(self, net: "Network", name: str, source: str, target: str):
        self.net = net
        self.name = name
        self.source = source
        self.target = target

    def __repr__(self) -> str:
        return f"Projection({self.name!r}, {self.source!r} -> {self.target!r})"

    def weights(self) -> Dict[str, np.ndarray]:
        """Its synapses and weights, see :meth:`Network.weights`."""
        return self.net.weights(self)


class Network:
    """A spiking network: populations, projections, inputs and recorders, then runs.

    ``dt`` is the time step (ms), ``seed`` the seed of every random stream, ``threads`` the
    worker threads (0: one per core). The same model, seed and version give the same spikes for
    any thread count. Units are NEST's: ms, mV, pA, pF, nS, Hz.

    >>> net = Network(dt=0.1, seed=1)
    >>> n = net.add_population("n", "iaf_psc_alpha", 2, params={"I_e": 400.0})
    >>> net.record(n)
    >>> net.run(100.0, progress=False)
    >>> times, senders = net.spikes(n)
    """

    def __init__(self, dt: float = 0.1, seed: int = 1, threads: int = 1, *, _native=None):
        if _native is not None:
            self._native = _native
        else:
            dt = _number(dt, "dt", "Network()")
            seed, threads = _seed_threads(seed, threads, "Network()")
            self._native = _cajal.NativeNetwork(dt, seed, threads)
        self._files: Optional[tempfile.TemporaryDirectory] = None
        self._source: Optional[Path] = None
        # False: each call's table is checked with the whole network once, when it is next read
        # or built, instead of at the call (for programs that add thousands of tables, such as
        # pyNN.cajal; an error then names the table, not the call)
        self._check_each = True
        self._added: list = []

    # ---- from and to model files ------------------------------------------------------------

    @classmethod
    def from_toml(cls, path: Union[str, os.PathLike], seed: Optional[int] = None, threads: int = 1) -> "Network":
        """A network from a model file (``cajal run``'s format); ``seed`` replaces the file's."""
        p = Path(path)
        if not p.is_file():
            raise FileNotFoundError(f"Network.from_toml(): no model file at {str(p)!r}")
        seed, threads = _seed_threads(seed, threads, "Network.from_toml()")
        text = p.read_text()
        native = _cajal.NativeNetwork.from_toml(text, str(p), str(p.parent), seed, threads)
        net = cls(_native=native)
        net._source = p
        return net

    @classmethod
    def from_toml_string(cls, text: str, seed: Optional[int] = None, threads: int = 1) -> "Network":
        """A network from a model file's text (connection files relative to the current folder)."""
        if not isinstance(text, str):
            raise TypeError(f"Network.from_toml_string(): text must be a str, got {type(text).__name__}")
        seed, threads = _seed_threads(seed, threads, "Network.from_toml_string()")
        native = _cajal.NativeNetwork.from_toml(text, "<string>", os.getcwd(), seed, threads)
        return cls(_native=native)

    @classmethod
    def default_model(cls, seed: Optional[int] = None, threads: int = 1) -> "Network":
        """The embedded default model (Brunel's network, as ``cajal run`` without a file)."""
        seed, threads = _seed_threads(seed, threads, "Network.default_model()")
        native = _cajal.NativeNetwork.from_toml(_cajal.DEFAULT_MODEL, "brunel_ai.toml", None, seed, threads)
        return cls(_native=native)

    def to_toml(self, path: Union[str, os.PathLike, None] = None) -> str:
        """The network as a model file; written to ``path`` (with its connection lists beside it)
        when given. ``Network.from_toml`` of it gives the same network."""
        text = self._native.to_toml()
        if path is None:
            return text
        p = Path(path)
        # connection files go beside the model, named after it, and are named relative to it
        text = _move_files(text, p.parent, p.stem, relative=True)
        tmp = p.with_name(p.name + ".tmp")
        tmp.write_text(text)
        os.replace(tmp, p)
        return text

    # ---- describing -------------------------------------------------------------------------

    def add_population(
        self,
        name: str,
        model: str,
        size: int,
        *,
        params: Optional[Mapping[str, Number]] = None,
        initial: Optional[Mapping[str, Value]] = None,
        spike_times: Optional[Union[Sequence[float], Sequence[Sequence[float]]]] = None,
        threshold: Optional[Mapping[str, Any]] = None,
    ) -> Population:
        """Adds ``size`` neurons of ``model`` (NEST's name: ``iaf_psc_delta``, ``iaf_psc_exp``,
        ``iaf_psc_alpha``, ``iaf_cond_exp``, ``aeif_cond_exp``, ``iaf_cond_alpha``,
        ``aeif_cond_alpha``, ``izhikevich``, ``hh_cond_exp_traub``,
        ``spike_generator``, ``poisson_source``, ``gamma_source``, or a PyNN alias) with NEST's parameter names.
        ``initial`` gives state values, a number or a distribution such as
        ``{"distribution": "uniform", "low": 0.0, "high": 20.0}``; ``spike_times`` (ms) one list
        for every neuron of a ``spike_generator`` or one per neuron; ``threshold`` a moving
        threshold (``{"model": "adaptive", "theta_plus": 0.05, "tau_theta": 1e7}``)."""
        call = f"add_population({name!r})"
        if not isinstance(name, str):
            raise TypeError(f"add_population(): name must be a str, got {type(name).__name__} {name!r}")
        if not isinstance(model, str):
            raise TypeError(f"{call}: model must be a str such as 'iaf_psc_alpha', got {type(model).__name__}")
        size = _number(size, "size", call, integer=True)
        if size < 1:
            raise ValueError(f"{call}: size: size must be at least 1 (got {size})")
        for what, m in (("params", params), ("initial", initial), ("threshold", threshold)):
            if m is not None and not isinstance(m, Mapping):
                raise TypeError(f"{call}: {what} must be a dict, got {type(m).__name__}")
        table = _table(name=name, model=model, size=size, params=params, initial=initial,
                       spike_times=spike_times, threshold=threshold)
        self._native.add("population", table, call, self._check_each)
        self._added.append(name)
        return Population(self, name, model, size)

    def connect(
        self,
        source: Union[str, Population],
        target: Union[str, Population],
        rule: str = "all_to_all",
        *,
        weight: Optional[Value] = None,
        delay: Optional[Value] = None,
        name: Optional[str] = None,
        p: Optional[float] = None,
        indegree: Optional[int] = None,
        outdegree: Optional[int] = None,
        n: Optional[int] = None,
        sources: Optional[Iterable[int]] = None,
        targets: Optional[Iterable[int]] = None,
        weights: Optional[Iterable[float]] = None,
        delays: Optional[Iterable[float]] = None,
        allow_autapses: bool = True,
        allow_multapses: bool = True,
        plasticity: Optional[Mapping[str, Any]] = None,
        scaling: Optional[Mapping[str, float]] = None,
        record_weights: Union[bool, float, None] = None,
    ) -> Projection:
        """Connects two populations with a NEST connection rule: ``all_to_all``,
        ``one_to_one``, ``pairwise_bernoulli`` (``p``), ``fixed_indegree`` (``indegree``),
        ``fixed_outdegree`` (``outdegree``), ``fixed_total_number`` (``n``) or ``explicit``
        (``sources`` and ``targets``, indices within the populations, with optional per-synapse
        ``weights`` and ``delays``). ``weight`` (mV, pA or nS as the target model says; negative
        is inhibitory) and ``delay`` (ms) are numbers or distributions. ``plasticity`` is a rule
        with NEST's parameter names, e.g. ``{"model": "stdp", "tau_plus": 20.0, "lambda": 0.01,
        "alpha": 1.0, "mu_plus": 0.0, "mu_minus": 0.0, "w_max": 100.0}``; ``scaling`` synaptic
        scaling (``{"target": 78.0, "every": 350.0}``); ``record_weights`` True (at the end) or a
        snapshot interval in ms."""
        call = "connect()"
        src = _name(source, "source", call)
        tgt = _name(target, "target", call)
        if not isinstance(rule, str):
            raise TypeError(f"{call}: rule must be a str such as 'fixed_indegree', got {type(rule).__name__}")
        known = [n for n, _, _ in self._native.populations()] if self._check_each else self._added
        for what, x in (("source", src), ("target", tgt)):
            if x not in known:
                raise KeyError(
                    f"connect(): {what}: no population named {x!r}; the network has: {', '.join(known) or 'none'}"
                )
        pname = name if name is not None else f"{src}->{tgt}"
        call = f"connect({pname!r})"
        if not isinstance(pname, str):
            raise TypeError(f"connect(): name must be a str, got {type(pname).__name__}")
        for what, m in (("plasticity", plasticity), ("scaling", scaling)):
            if m is not None and not isinstance(m, Mapping):
                raise TypeError(f"{call}: {what} must be a dict, got {type(m).__name__}")
        for what, flag in (("allow_autapses", allow_autapses), ("allow_multapses", allow_multapses)):
            if not isinstance(flag, (bool, np.bool_)):
                raise TypeError(f"{call}: {what} must be True or False, got {flag!r}")
        file = None
        if rule == "explicit":
            file = self._connection_file(pname, sources, targets, weights, delays, call)
        elif any(x is not None for x in (sources, targets, weights, delays)):
            raise ValueError(
                f"{call}: sources, targets, weights and delays are for rule='explicit' (the rule is {rule!r})"
            )
        table = _table(
            name=pname, source=src, target=tgt, rule=rule, p=p, indegree=indegree,
            outdegree=outdegree, n=n, file=file, weight=weight, delay=delay,
            allow_autapses=bool(allow_autapses), allow_multapses=bool(allow_multapses),
            plasticity=plasticity, scaling=scaling, record_weights=record_weights,
        )
        try:
            self._native.add("projection", table, call, self._check_each)
        except (ValueError, TypeError, KeyError) as e:
            if file is None:
                raise
            Path(file).unlink(missing_ok=True)  # a refused call leaves nothing behind
            if not isinstance(e, ValueError):
                raise
            # name the arguments, not the file they were written to
            raise ValueError(str(e).replace(f"file: {file}: ", "sources, targets: ")) from None
        return Projection(self, pname, src, tgt)

    def _connection_file(self, name, sources, targets, weights, delays, call) -> str:
        """Writes an explicit connection list as NPY in the network's own folder."""
        if sources is None or targets is None:
            raise ValueError(f"{call}: rule 'explicit' needs sources and targets (indices within the populations)")
        cols = [np.asarray(sources, dtype=np.float64), np.asarray(targets, dtype=np.float64)]
        if cols[0].shape != cols[1].shape or cols[0].ndim != 1:
            raise ValueError(
                f"{call}: sources and targets must be 1-D and of equal length "
                f"(got shapes {cols[0].shape} and {cols[1].shape})"
            )
        if delays is not None and weights is None:
            raise ValueError(f"{call}: delays need weights too (a connection list's columns are source, target, weight, delay)")
        for what, v in (("weights", weights), ("delays", delays)):
            if v is not None:
                a = np.asarray(v, dtype=np.float64)
                if a.shape != cols[0].shape:
                    raise ValueError(f"{call}: {what} must have one value per synapse ({cols[0].shape[0]}), got shape {a.shape}")
                cols.append(a)
        if self._files is None:
            self._files = tempfile.TemporaryDirectory(prefix="cajal-connections-")
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in name)
        path = Path(self._files.name) / f"{safe}.npy"
        k = 1
        while path.exists():
            k += 1
            path = Path(self._files.name) / f"{safe}_{k}.npy"
        np.save(path, np.column_stack(cols))
        return str(path)

    def add_input(
        self,
        type: str,
        target: Union[str, Population],
        *,
        rate: Optional[float] = None,
        weight: Optional[float] = None,
        delay: Optional[float] = None,
        amplitude: Optional[float] = None,
        amplitude_times: Optional[Sequence[float]] = None,
        amplitude_values: Optional[Sequence[float]] = None,
        neurons: Optional[Sequence[int]] = None,
        start: Optional[float] = None,
        stop: Optional[float] = None,
    ) -> None:
        """Adds a device onto a population: ``poisson_generator`` (``rate`` Hz, ``weight``,
        ``delay`` ms: an independent train into each neuron), ``dc_generator`` (``amplitude``
        pA) or ``step_current_generator`` (``amplitude_times`` ms, ``amplitude_values`` pA),
        active from ``start`` to ``stop`` (ms), onto ``neurons`` (indices; default all)."""
        call = f"add_input({type!r})"
        if not isinstance(type, str):
            raise TypeError(f"add_input(): type must be a str such as 'poisson_generator', got {type!r}")
        tgt = _name(target, "target", call)
        if stop is not None and math.isinf(stop):
            stop = None
        table = _table(type=type, target=tgt, rate=rate, weight=weight, delay=delay,
                       amplitude=amplitude, amplitude_times=amplitude_times,
                       amplitude_values=amplitude_values, neurons=neurons, start=start, stop=stop)
        self._native.add("input", table, call, self._check_each)

    def record(
        self,
        population: Union[str, Population],
        *,
        spikes: bool = True,
        neurons: Union[str, int, Sequence[int]] = "all",
        variables: Sequence[str] = (),
        interval: Optional[float] = None,
        state_neurons: Union[str, int, Sequence[int], None] = None,
    ) -> None:
        """Records a population's spikes (``neurons``: ``"all"``, the first n, or a list of
        indices) and/or samples state ``variables`` (e.g. ``["V_m"]``) every ``interval`` ms
        (default 1) of ``state_neurons`` (default: ``neurons``)."""
        call = "record()"
        pop = _name(population, "population", call)
        call = f"record({pop!r})"
        if variables is None:
            variables = ()
        if isinstance(variables, str):
            variables = [variables]
        table = _table(population=pop, spikes=bool(spikes), neurons=neurons,
                       variables=list(variables), interval=interval, state_neurons=state_neurons)
        self._native.add("record", table, call, self._check_each)

    def add_astrocyte(
        self,
        name: str,
        liquid: Sequence[Union[str, Population]],
        input: Sequence[Union[str, Population]] = (),
        *,
        w: float,
        bias: float,
        tau: float,
        initial: Optional[float] = None,
    ) -> None:
        """Adds a NALSM astrocyte, ``tau dA/dt = w (liquid spikes - input spikes) + bias - A``;
        pair-STDP projections refer to it with ``plasticity={"astrocyte": name, ...}``."""
        call = f"add_astrocyte({name!r})"
        if isinstance(liquid, (str, Population)):
            liquid = [liquid]
        if isinstance(input, (str, Population)):
            input = [input]
        table = _table(name=name, liquid=[_name(x, "liquid", call) for x in liquid],
                       input=[_name(x, "input", call) for x in input], w=w, bias=bias, tau=tau,
                       initial=initial)
        self._native.add("astrocyte", table, call, self._check_each)

    # ---- what it has -------------------------------------------------------------------------

    @property
    def populations(self) -> Dict[str, Population]:
        """The populations by name, in order."""
        return {n: Population(self, n, m, s) for n, m, s in self._native.populations()}

    @property
    def projections(self) -> Dict[str, Projection]:
        """The projections by name, in order."""
        return {n: Projection(self, n, s, t) for n, s, t, _ in self._native.projections()}

    def __getitem__(self, name: str) -> Population:
        pops = self.populations
        if name not in pops:
            raise KeyError(f"no population named {name!r}; the network has: {', '.join(pops) or 'none'}")
        return pops[name]

    @property
    def dt(self) -> float:
        """Time step (ms)."""
        return self._native.dt

    @property
    def seed(self) -> int:
        """Seed of every random stream."""
        return self._native.seed

    @property
    def threads(self) -> int:
        """Worker threads."""
        return self._native.threads

    @property
    def time(self) -> float:
        """Simulated time so far (ms)."""
        return self._native.time

    @property
    def duration(self) -> float:
        """The model file's duration (ms), what ``run()`` without an argument simulates."""
        return self._native.duration

    def __repr__(self) -> str:
        pops = ", ".join(f"{n}: {m} x {s}" for n, m, s in self._native.populations())
        return f"Network(dt={self.dt}, seed={self.seed}, t={self.time} ms; {pops})"

    # ---- running -----------------------------------------------------------------------------

    def build(self) -> None:
        """Draws the synapses now (``run`` does it at its first call)."""
        self._native.build()

    def run(self, ms: Optional[float] = None, *, progress: Optional[bool] = None) -> None:
        """Simulates ``ms`` more milliseconds (default: the model file's duration); callable
        again and again, a split run giving the spikes of an unsplit one. The GIL is released
        while the engine runs; Ctrl-C raises KeyboardInterrupt within about 100 ms of simulated
        time and leaves the network at a consistent time, runnable again. ``progress``: a bar
        (default: on in terminals and notebooks for runs longer than a second of wall time)."""
        if ms is None:
            ms = self.duration
        if progress is not None and not isinstance(progress, bool):
            raise TypeError(f"run(): progress must be True, False or None, got {progress!r}")
        ms = _number(ms, "ms", "run()")
        if not (math.isfinite(ms) and ms >= 0):
            raise ValueError(f"run(): ms must be a finite number of ms >= 0 (got {ms})")
        steps = round(ms / self.dt)
        if abs(steps * self.dt - ms) > 1e-9 * max(1.0, ms):
            lo = math.floor(ms / self.dt) * self.dt
            raise ValueError(
                f"run(): duration {ms} ms is not a multiple of dt = {self.dt} ms; use {lo:g} or {lo + self.dt:g} ms"
            )
        dt = self.dt
        self._native.build()  # (the GIL released while the synapses are drawn)
        interval_steps = max(1, round(self._native.interval / dt))
        # chunks end on multiples of the exchange interval, so the chunks give the bits of one run
        per = max(1, math.floor(CHUNK_MS / (interval_steps * dt))) * interval_steps
        now = round(self.time / dt)
        start, end = now, now + steps
        bar = Progress(ms, enabled=progress)
        try:
            while now < end:
                nxt = min((now // per + 1) * per, end)
                self._native.run_chunk((nxt - now) * dt)
                now = nxt
                bar.update((now - start) * dt)
        finally:
            bar.close()

    # ---- reading -----------------------------------------------------------------------------

    def spikes(self, population: Union[str, Population]) -> Tuple[np.ndarray, np.ndarray]:
        """Recorded spikes of a population since the start, ordered by time then sender: ``times``
        (float64, ms) and ``senders`` (uint32, index within the population), as NEST's
        ``events``. The arrays own the engine's buffers (handed over, not copied)."""
        return self._native.spikes(_name(population, "population", "spikes()"))

    def state(self, population: Union[str, Population]) -> Dict[str, np.ndarray]:
        """Sampled state of a population: ``times``, ``senders`` and one array per variable
        (NEST's multimeter events)."""
        return self._native.state(_name(population, "population", "state()"))

    def weights(self, projection: Union[str, Projection]) -> Dict[str, np.ndarray]:
        """A projection's synapses: ``sources`` and ``targets`` (indices within their
        populations), ``weights``, ``delays`` (ms); with recorded snapshots also ``times`` and
        ``history`` (one row per time). Plastic projections, or static ones recorded with
        ``record_weights``."""
        return self._native.weights(_name(projection, "projection", "weights()"))

    def connections(self) -> Dict[str, np.ndarray]:
        """Every synapse of the network: ``sources`` and ``targets`` as global ids (the
        populations' neurons counted in order from 0, see :attr:`populations`), ``weights``
        (plastic ones as they stand) and ``delays`` (ms), sorted by target then source (the
        ground truth for connectivity inference)."""
        return self._native.connections()

    def spike_counts(self, population: Union[str, Population]) -> np.ndarray:
        """Spikes of each neuron of a population since the start."""
        return self._native.spike_counts(_name(population, "population", "spike_counts()"))

    def rates(self, population: Union[str, Population]) -> Dict[str, float]:
        """``spikes``, mean ``rate_hz`` per neuron and mean ``cv_isi`` of a population so far."""
        s, r, cv = self._native.population_stats(_name(population, "population", "rates()"))
        return {"spikes": s, "rate_hz": r, "cv_isi": cv}

    def to_neo(self, populations: Optional[Sequence[str]] = None):
        """The recorded spikes as a ``neo.Block`` with one ``Segment`` holding a
        ``neo.SpikeTrain`` per recorded neuron (annotated with ``population`` and ``neuron``),
        for Elephant and other Neo tools. Needs ``pip install neo``."""
        try:
            import neo
            import quantities as pq
        except ImportError:
            raise ImportError("to_neo() needs Neo: pip install neo") from None
        names = list(self.populations) if populations is None else list(populations)
        block = neo.Block(name="cajal run")
        seg = neo.Segment(name=f"0 to {self.time} ms")
        block.segments.append(seg)
        for name in names:
            times, senders = self.spikes(name)
            for i in self._native.recorded_ids(name):
                t = times[senders == i]
                seg.spiketrains.append(neo.SpikeTrain(
                    t, units=pq.ms, t_start=0.0 * pq.ms, t_stop=self.time * pq.ms,
                    name=f"{name}[{i}]", population=name, neuron=int(i)))
        return block

    def write_nwb(self, path: Union[str, os.PathLike], **kwargs: Any) -> Path:
        """Writes the recorded spikes (the Units table) and sampled state to an NWB file; see
        :func:`cajal.nwb.write_nwb`. Needs ``pip install pynwb``."""
        from .nwb import write_nwb

        return write_nwb(self, path, **kwargs)

    # ---- steering ----------------------------------------------------------------------------

    def get_state(self, population: Union[str, Population], variable: str) -> np.ndarray:
        """The current value of a state variable (``V_m``, ``I_syn_ex``, ``g_ex``, ``theta``...)
        of every neuron."""
        return self._native.get_state(_name(population, "population", "get_state()"), variable)

    def set_state(self, population: Union[str, Population], variable: str,
                  values: Union[Number, Sequence[float], np.ndarray]) -> None:
        """Sets a state variable of every neuron: one value for all or one per neuron."""
        pop = _name(population, "population", "set_state()")
        arr = _float_array(values, "values", f"set_state({pop!r})")
        self._native.set_state(pop, variable, arr)

    def get_params(self, population: Union[str, Population]) -> Dict[str, float]:
        """A population's parameters (those given and the model's defaults)."""
        return self._native.get_params(_name(population, "population", "get_params()"))

    def set_params(self, population: Union[str, Population], **params: Number) -> None:
        """Sets parameters of a population (NEST's names), before or between runs; the state of
        every neuron is kept."""
        pop = _name(population, "population", "set_params()")
        for k, v in params.items():
            _number(v, k, f"set_params({pop!r})")
        self._native.set_params(pop, params)

    def set_weights(self, projection: Union[str, Projection], weights: Union[Sequence[float], np.ndarray]) -> None:
        """Sets every weight of a plastic projection, in the order :meth:`weights` lists them."""
        proj = _name(projection, "projection", "set_weights()")
        self._native.set_weights(proj, _float_array(weights, "weights", f"set_weights({proj!r})"))

    def set_current(self, input: int, times: Union[Sequence[float], np.ndarray],
                    amplitudes: Union[Sequence[float], np.ndarray], stop: Optional[float] = None) -> None:
        """Gives a ``dc_generator`` or ``step_current_generator`` input (``input``: its number
        among the network's ``add_input`` calls, from 0) a new schedule for the time not yet
        simulated: ``amplitudes[k]`` pA from ``times[k]`` ms until the next time, zero before the
        first time and from ``stop`` ms on (``None``: never). Times are rounded to the step as when
        the input was added. A checkpoint keeps the schedule as set."""
        call = f"set_current({input!r})"
        input = _number(input, "input", call, integer=True)
        if input < 0:
            raise ValueError(f"{call}: input must be the number of an add_input call, from 0")
        t = _float_array(times, "times", call)
        a = _float_array(amplitudes, "amplitudes", call)
        if stop is not None and math.isinf(stop):
            stop = None
        self._native.set_current(int(input), t.tolist(), a.tolist(), None if stop is None else float(stop))

    def add_spikes(self, population: Union[str, Population], neurons: Union[int, Sequence[int], np.ndarray],
                   times: Union[float, Sequence[float], np.ndarray]) -> None:
        """Adds spikes to a ``spike_generator`` population between runs (closed-loop
        experiments): ``neurons[k]`` fires at ``times[k]`` (ms, after the current time). One
        neuron with several times, or several neurons at one time, are broadcast."""
        pop = _name(population, "population", "add_spikes()")
        nn, t = _spikes(neurons, times, f"add_spikes({pop!r})")
        if nn.size:
            self._native.add_spikes(pop, nn, t)

    # ---- episodes (learning on data) ---------------------------------------------------------

    def reset_activity(self) -> None:
        """Starts an episode, as between two images of a dataset: every neuron back to its
        built state (adaptive thresholds kept), nothing in flight, the plastic projections'
        traces and spike histories forgotten; weights stay."""
        self._native.reset_activity()

    def set_learning(self, on: bool) -> None:
        """Turns learning off (``False``: weights, thresholds and Oja windows stay as they are,
        for labelling and testing) or on again."""
        self._native.set_learning(bool(on))

    def tempotron_teach(self, projection: Union[str, Projection], desired: Union[bool, Sequence[bool]]) -> int:
        """The Tempotron's correction after a presentation (a projection with ``plasticity =
        {model = "tempotron"}``): each target neuron that fired where ``desired`` says it
        should not, or stayed silent where it should have fired, has its weights moved along the
        gradient of its membrane potential at its peak. Returns how many were corrected. Call it
        after the presentation's run and before the next :meth:`reset_activity`."""
        proj = _name(projection, "projection", "tempotron_teach()")
        wanted = [desired] if isinstance(desired, (bool, np.bool_)) else list(desired)
        for k, x in enumerate(wanted):
            if not isinstance(x, (bool, np.bool_)):
                raise TypeError(f"tempotron_teach({proj!r}): desired[{k}] is {x!r}; give True or False per target neuron")
        return self._native.tempotron_teach(proj, [bool(x) for x in wanted])

    def tempotron_answer(self, projection: Union[str, Projection]) -> Dict[str, Any]:
        """What a Tempotron's targets did since the last :meth:`reset_activity`: ``fired``
        (one bool per target), ``peak_v`` (the highest membrane potential before the first
        spike, mV) and ``peak_ms`` (when, in simulation time; a target that fired: its first
        spike)."""
        proj = _name(projection, "projection", "tempotron_answer()")
        fired, peak_v, peak_ms = self._native.tempotron_answer(proj)
        return {"fired": np.array(fired, dtype=bool), "peak_v": peak_v, "peak_ms": peak_ms}

    def delta_teach(self, projection: Union[str, Projection],
                    desired: Sequence[Optional[float]]) -> int:
        """The delta rule's correction after a presentation (a projection with ``plasticity =
        {model = "delta"}``): each target neuron with a desired spike count (``None``: not
        taught) moves its weights by ``eta * (desired - count)`` times the presynaptic trace
        integrals, projected out of the protected subspace (:meth:`delta_protect`). Returns how
        many taught targets missed their count. Call it after the presentation's run and before
        the next :meth:`reset_activity`."""
        proj = _name(projection, "projection", "delta_teach()")
        if desired is None or isinstance(desired, (str, bytes)) or not hasattr(desired, "__iter__"):
            raise TypeError(f"delta_teach({proj!r}): desired is {desired!r}; give a sequence with a spike count or None per target neuron")
        wanted: List[Optional[float]] = []
        for k, x in enumerate(desired):
            if x is None:
                wanted.append(None)
            elif isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, float, np.integer, np.floating)):
                raise TypeError(f"delta_teach({proj!r}): desired[{k}] is {x!r}; give a spike count or None per target neuron")
            else:
                wanted.append(float(x))
        return self._native.delta_teach(proj, wanted)

    def delta_answer(self, projection: Union[str, Projection]) -> Dict[str, Any]:
        """What a delta rule's targets did since the last :meth:`reset_activity`: ``counts``
        (spikes per target) and ``drive`` (weights times the presynaptic trace integrals)."""
        proj = _name(projection, "projection", "delta_answer()")
        counts, drive = self._native.delta_answer(proj)
        return {"counts": counts, "drive": drive}

    def delta_set_eta(self, projection: Union[str, Projection], eta: float) -> None:
        """Sets a delta rule's learning rate (finite, > 0) for the teaching that follows: a
        schedule, such as the decaying rate of docs/continual.md."""
        proj = _name(projection, "projection", "delta_set_eta()")
        self._native.delta_set_eta(proj, float(eta))

    def oja_fix_rows(self, projection: Union[str, Projection], rows: int) -> None:
        """Stops the first ``rows`` rows of an ``oja_subspace`` projection from learning (they
        still take part in the rule, so the other rows learn orthogonally to them)."""
        proj = _name(projection, "projection", "oja_fix_rows()")
        if isinstance(rows, (bool, np.bool_)) or not isinstance(rows, (int, np.integer)) or rows < 0:
            raise ValueError(f"oja_fix_rows({proj!r}): rows is {rows!r}; give a whole number >= 0")
        self._native.oja_fix_rows(proj, int(rows))

    def delta_protect(self, delta: Union[str, Projection], oja: Union[str, Projection]) -> int:
        """HLOP: from now on the delta rule ``delta`` leaves alone the span of the fixed rows of
        the ``oja_subspace`` projection ``oja`` (same sources). Returns the rows protected."""
        d = _name(delta, "projection", "delta_protect()")
        o = _name(oja, "projection", "delta_protect()")
        return self._native.delta_protect(d, o)

    def delta_consolidate(self, projection: Union[str, Projection], strength: float) -> int:
        """Elastic weight consolidation of a delta rule: anchors its weights and pulls later
        updates back by ``min(1, eta * strength * importance)`` times their distance from the
        anchor, each input's importance being its mean squared trace. Returns the presentations
        the importance was taken from."""
        proj = _name(projection, "projection", "delta_consolidate()")
        return self._native.delta_consolidate(proj, float(strength))

    def clamp(self, population: Union[str, Population], neurons: Union[int, Sequence[int], np.ndarray],
              times: Union[float, Sequence[float], np.ndarray]) -> None:
        """Clamps a population to a teacher for the runs that follow (BindsNET's ``clamp``):
        ``neurons[k]`` spikes at ``times[k]`` (ms, after the current time, on the dt grid) and no
        neuron of it spikes otherwise; its targets and plastic synapses see those spikes. An
        empty schedule silences it. A new call replaces the schedule; :meth:`release_clamp`
        ends it."""
        pop = _name(population, "population", "clamp()")
        nn, t = _spikes(neurons, times, f"clamp({pop!r})")
        self._native.clamp(pop, nn, t)

    def release_clamp(self, population: Union[str, Population]) -> None:
        """Ends a population's clamp: its neurons spike on their own again."""
        self._native.release_clamp(_name(population, "population", "release_clamp()"))

    # ---- checkpoints -------------------------------------------------------------------------

    def save_checkpoint(self, path: Union[str, os.PathLike]) -> None:
        """Writes the whole state and the network's description to ``path``, atomically; the
        connection files of explicit projections are copied beside it (``STEM.NAME.npy``), so
        that :meth:`from_checkpoint` can rebuild the network later, in another process."""
        p = Path(path)
        text = _move_files(self._native.to_toml(), p.parent.resolve(), p.stem, relative=False)
        self._native.save_checkpoint(str(p), text)

    def restore(self, path: Union[str, os.PathLike]) -> None:
        """Puts this network in the state of a checkpoint written by a network described the
        same way (same tables, seed and threads)."""
        p = Path(path)
        if not p.is_file():
            raise FileNotFoundError(f"restore(): no checkpoint at {str(p)!r}")
        self._native.restore(str(p))

    @classmethod
    def from_checkpoint(cls, path: Union[str, os.PathLike], threads: Optional[int] = None) -> "Network":
        """The network a checkpoint was written from, in the checkpoint's state (on the thread
        count it was written with: a checkpoint holds the work as the threads shared it)."""
        p = Path(path)
        if not p.is_file():
            raise FileNotFoundError(f"Network.from_checkpoint(): no checkpoint at {str(p)!r}")
        text, written = _cajal.NativeNetwork.checkpoint_model(str(p))
        if threads is not None and threads != written:
            raise ValueError(
                f"Network.from_checkpoint(): threads: the checkpoint was written with {written} threads; "
                f"give threads={written} (or leave it out)"
            )
        net = cls.from_toml_string(text, threads=written)
        net.restore(p)
        return net


def _spikes(neurons: Any, times: Any, call: str) -> Tuple[np.ndarray, np.ndarray]:
    """Neuron indices (uint32) and spike times (ms) of equal length from what a caller gave:
    one neuron with several times, or several neurons at one time, are broadcast."""
    t = _float_array(times, "times", call)
    nn = np.asarray(neurons)
    if nn.size == 0 and t.size == 0:
        return np.zeros(0, dtype=np.uint32), np.zeros(0)
    if nn.dtype.kind not in "iu" or (nn.size and nn.min() < 0):
        raise TypeError(f"{call}: neurons must be non-negative integers, got {neurons!r}")
    if nn.ndim == 0:
        nn = np.full(t.shape, nn)
    if t.size == 1 and nn.size > 1:
        t = np.full(nn.shape, t[0])
    if nn.max(initial=0) >= 2**32:
        raise ValueError(f"{call}: neuron index {nn.max()} is out of range")
    return nn.astype(np.uint32).ravel(), t.ravel()


def _float_array(values: Any, what: str, call: str) -> np.ndarray:
    """A 1-D float64 array (a scalar becomes one value), or a TypeError naming the argument."""
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{call}: {what} must be a number or a sequence of numbers, got {values!r}") from None
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise ValueError(f"{call}: {what} must be 1-D (got shape {arr.shape})")
    return np.ascontiguousarray(arr)
