"""Systems from the literature, each built on the engine by ``cajal-learn`` (docs/ca3.md,
docs/motion.md, docs/spatial.md, docs/dendrites.md, docs/continual.md):

- :class:`CA3Memory`: the hippocampal CA3 content-addressable memory of Casanueva-Morato et al.
  (2024), sPyMem's SpiNNaker model, with SpiNNaker's STDP convention at zero lag;
- :func:`motion_detection`: a layer of spiking neurons with heterogeneous synaptic delays that
  learns motion directions from event-camera streams (Grimaldi & Perrinet 2023);
- :func:`spatial_detection`: spatial-pattern detection with STDP and homeostasis (Davies et
  al. 2025);
- :func:`dendrite_matches`: active dendritic segments against Ahmad & Hawkins's (2016) closed
  forms;
- :func:`continual_learning`: a sequence of permuted or split Fashion-MNIST tasks learned by a
  delta-rule output layer, with Hebbian-learning-based orthogonal projection (Xiao et al.
  2024), elastic weight consolidation or nothing (docs/continual.md).

>>> from cajal import systems
>>> m = systems.CA3Memory(cues=5, contents=10)
>>> m.learn(cue=0, content=[0, 1, 2, 9], at=0); m.recall_by_cue(0, at=10); m.run(25.0)
>>> m.recalled(at=10)
{'cues': [0], 'content': [0, 1, 2, 9]}
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

from . import _cajal


class CA3Memory:
    """sPyMem's CA3 memory: ``cues`` one-hot cue neurons address memories of ``contents`` bits.
    Operations are scheduled at steps (ms) and take effect when :meth:`run` reaches them:

    - :meth:`learn`: cue and content fire together for 3 ms; the memory shows at the output 5
      and 7 ms later, and overwrites what the cue held;
    - :meth:`recall_by_cue`: 5 ms later the cue and, one step later, its content show;
    - :meth:`recall_by_content`: 5 ms later the bits given, one step later the cues of every
      memory holding one of them.

    ``zero_lag``: ``"depress"`` (SpiNNaker's STDP convention, on which forgetting relies) or
    ``"unpaired"`` (NEST's: an overwritten memory survives beside the new one).

    Operations must be at least 7 ms apart (sPyMem's highest rate: a learn every 7 ms, recalls
    6 ms apart), or their outputs overlap and :meth:`recalled` mixes them."""

    def __init__(self, cues: int, contents: int, zero_lag: str = "depress") -> None:
        self._native = _cajal.NativeCa3(cues, contents, zero_lag)
        self.cues, self.contents = cues, contents

    def learn(self, cue: int, content: Sequence[int], at: int) -> None:
        """Stores ``content`` (bit indices) under ``cue``, from step ``at``."""
        self._native.learn(cue, list(content), at)

    def recall_by_cue(self, cue: int, at: int) -> None:
        """Recalls the content stored under ``cue`` at step ``at``."""
        self._native.recall_by_cue(cue, at)

    def recall_by_content(self, bits: Sequence[int], at: int) -> None:
        """Recalls the cues whose content holds any of ``bits`` at step ``at``."""
        self._native.recall_by_content(list(bits), at)

    def run(self, ms: float) -> None:
        """Simulates ``ms`` more milliseconds."""
        self._native.run(ms)

    def output(self) -> List[Tuple[int, int]]:
        """Every output spike so far as ``(step, neuron)``: neurons ``0..cues`` are the cues,
        then the content bits."""
        return self._native.output()

    def at_step(self, step: int) -> Dict[str, List[int]]:
        """The output at one step: ``{"cues": [...], "content": [...]}`` (bit indices)."""
        out = sorted(n for s, n in self.output() if s == step)
        return {"cues": [n for n in out if n < self.cues],
                "content": [n - self.cues for n in out if n >= self.cues]}

    def recalled(self, at: int) -> Dict[str, List[int]]:
        """What a recall scheduled at step ``at`` returned: the cues shown 5 ms later (a recall
        by cue) or 6 ms later (by content), and the content shown 6 ms later (by cue) or 5 ms
        later (the bits given, by content), merged."""
        a, b = self.at_step(at + 5), self.at_step(at + 6)
        return {"cues": sorted(set(a["cues"]) | set(b["cues"])),
                "content": sorted(set(a["content"]) | set(b["content"]))}


def motion_detection(*, size: int = 32, steps: int = 200, directions: int = 12,
                     speeds: Sequence[float] = (0.25, 0.5, 1.0), train_movies: int = 256,
                     test_movies: int = 40, epochs: int = 3, delays: int = 12, radius: int = 5,
                     stride: int = 1, learning_rate: float = 0.003,
                     keep: Sequence[float] = (1.0,), seed: int = 1,
                     score_from: int = 12) -> Dict[str, Any]:
    """Grimaldi & Perrinet's heterogeneous-delay layer: event streams of ``train_movies`` and
    ``test_movies`` moving textures (``size`` pixels, ``steps`` ms, ``directions`` x ``speeds``
    motions in px/ms), a layer of ``delays`` delays over a disc of ``radius`` pixels trained for
    ``epochs`` passes, then for each fraction in ``keep`` the layer pruned to that fraction of
    its weights, built on the engine with a neuron per motion every ``stride`` pixels and shown
    the test movies. Returns ``motions``, ``density`` (events per pixel and ms), ``losses`` (per
    pass), per ``keep``: ``motion_accuracy``, ``direction_accuracy``, ``synapses``; and the
    trained ``kernel`` (inputs x motions, inputs ordered by delay, polarity, offset), ``bias``
    and the disc's ``offsets``. Steps are scored from ``max(score_from, delays)`` on, so that
    layers of different delays are scored on the same steps. The defaults are docs/motion.md's
    full run (about a minute); ``delays=1`` is its single-delay control."""
    return _cajal.motion_detection(size, steps, directions, [float(v) for v in speeds],
                                   train_movies, test_movies, epochs, delays, radius, stride,
                                   learning_rate, [float(k) for k in keep], seed, score_from)


def spatial_detection(words: Sequence[int], bits: int = 10) -> Dict[str, Any]:
    """Davies et al.'s detector trained on ``words`` (integers of ``bits`` bits) with STDP and
    homeostasis, then shown every word of ``bits`` bits: the counts (``positives``,
    ``true_positives``...), ``accuracy``, ``precision``, ``sensitivity``, ``specificity`` and
    the homeostatic ``factor``."""
    return _cajal.spatial_detection([int(w) for w in words], bits)


def dendrite_matches(*, n: int, a: int, s: int, theta: int, stored: int = 1,
                     segments: int = 200, presentations: int = 500, seed: int = 1,
                     noise: Optional[int] = None) -> Dict[str, Any]:
    """Ahmad & Hawkins's active dendrites on the engine: ``segments`` segments, each with ``s``
    synapses on each of ``stored`` random patterns of ``a`` active cells out of ``n``, firing
    when ``theta`` are active together, are shown ``presentations`` random patterns (or, with
    ``noise=k``, their stored pattern with ``k`` cells replaced). Returns ``trials``,
    ``matches``, the measured ``rate``, the closed form's ``theory`` rate, ``expected``,
    ``sd`` and whether the count is ``within_99`` % of the closed form."""
    return _cajal.dendrite_matches(n, a, s, theta, stored, segments, presentations, seed, noise)


def continual_learning(*, protocol: str = "permuted", tasks: int = 10, method: str = "hlop",
                       ewc_lambda: float = 0.05, train_per_task: int = 5000,
                       test_per_task: int = 1000, lateral_per_task: Optional[int] = None,
                       poisson: bool = False, seed: int = 1, dataset: str = "fashion-mnist",
                       folder: Optional[str] = None) -> Dict[str, Any]:
    """Continual learning on the engine (docs/continual.md): ``tasks`` permuted versions of the
    dataset (``protocol="permuted"``, one shared output layer) or its five two-class tasks
    (``"split"``, each answered among its own classes), learned in sequence by ten spiking
    output neurons with the delta rule on presynaptic traces. ``method``: ``"hlop"`` (a lateral
    Oja circuit learns each task's input subspace, ``lateral_per_task`` neurons, which later
    tasks' updates avoid), ``"ewc"`` (elastic weight consolidation of strength ``ewc_lambda``)
    or ``"plain"``. ``poisson``: Poisson spike trains instead of regular ones. The dataset is
    found as ``cajal learn`` finds it (``folder``, ``$CAJAL_DATASETS``, the Debian package).
    Returns ``accuracy`` (``accuracy[t][k]``: task ``k`` after learning task ``t``), ``acc``,
    ``bwt`` (backward transfer; negative is forgetting), ``protected_rows`` and
    ``presentations``. With ``protocol="split"`` there are always five tasks (``tasks`` is not
    used)."""
    for name, value, least in [("tasks", tasks, 1), ("train_per_task", train_per_task, 1),
                               ("test_per_task", test_per_task, 1), ("seed", seed, 0),
                               ("lateral_per_task", 1 if lateral_per_task is None else lateral_per_task, 1)]:
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise ValueError(f"continual_learning(): {name} is {value!r}; give a whole number >= {least}")
    return _cajal.continual_learning(protocol, tasks, method, float(ewc_lambda), train_per_task,
                                     test_per_task, lateral_per_task, bool(poisson), seed,
                                     dataset, folder)
