"""Optimizers: plain SGD (the note's update), SGD with momentum, and Adam.

Each holds a list of parameter Values; `step()` moves every parameter using its `.grad`,
`zero_grad()` resets the grads (leaf grads accumulate across `backward()` calls).
The formulas are PyTorch's (torch.optim.SGD and torch.optim.Adam, defaults off).
`state_dict()` / `load_state_dict()` save and restore an optimizer's settings and running
state (momentum velocities, Adam's moments and step count) as plain numbers and lists.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping
from typing import Any

from micrograd_beans.engine import Value


def _check_positive(value: object, name: str, allow_zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}: {value!r:.40}")
    v = float(value)
    if not math.isfinite(v) or v < 0.0 or (v == 0.0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be a finite number {bound}, got {value!r}")
    return v


class Optimizer:
    """What every optimizer shares: the parameter list and `zero_grad()`."""

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        self.params = list(params)
        if not all(isinstance(p, Value) for p in self.params):
            raise TypeError("optimizer params must be Values (e.g. model.parameters())")
        if not self.params:
            raise ValueError("optimizer got an empty parameter list")
        seen: dict[int, int] = {}
        for k, p in enumerate(self.params):
            if id(p) in seen:  # it would move twice per step (torch warns; it will refuse)
                raise ValueError(
                    f"optimizer params list one Value twice ({p.label or p!r} at positions "
                    f"{seen[id(p)]} and {k}); give each parameter once"
                )
            seen[id(p)] = k
        self.lr = _check_positive(lr, "lr")

    def zero_grad(self) -> None:
        """Set every parameter's grad to 0."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:  # pragma: no cover - every optimizer overrides it
        """Move every parameter once, from its current grad."""
        raise NotImplementedError

    def state_dict(self) -> dict[str, Any]:
        """The settings and running state as plain numbers and lists (copies: safe to keep,
        JSON-ready), to resume training later with `load_state_dict`."""
        return {"optimizer": type(self).__name__, **self._settings(), **self._state()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore what `state_dict()` returned, from this kind of optimizer over the same
        number of parameters. Everything is checked before anything changes."""
        if not isinstance(state, Mapping):
            raise TypeError(f"load_state_dict needs a mapping, got {type(state).__name__}")
        kind = type(self).__name__
        if state.get("optimizer") != kind:
            raise ValueError(f"state is from optimizer {state.get('optimizer')!r}, not {kind!r}")
        expected = {"optimizer", *self._settings(), *self._state()}
        if set(state) != expected:
            missing, extra = sorted(expected - set(state)), sorted(set(state) - expected)
            raise ValueError(f"state does not fit {kind}: missing {missing}, unexpected {extra}")
        settings = type(self)(self.params, **{k: state[k] for k in self._settings()})
        self._load_state(state, len(self.params))
        self.__dict__.update({k: getattr(settings, k) for k in self._settings()})

    def _settings(self) -> dict[str, Any]:
        return {"lr": self.lr}

    def _state(self) -> dict[str, Any]:
        return {}

    def _load_state(self, state: Mapping[str, Any], n: int) -> None:
        pass


def _floats(value: object, name: str, n: int) -> list[float]:
    """A list of n finite numbers (a state's per-parameter list), checked."""
    if not isinstance(value, (list, tuple)) or len(value) != n:
        raise ValueError(f"{name} must be a list of one number per parameter ({n})")
    for v in value:
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
            raise ValueError(f"{name} must hold finite numbers, got {v!r:.40}")
    return [float(v) for v in value]


class SGD(Optimizer):
    """θ ← θ − lr·g, the note's update; with momentum (PyTorch's form):
    v ← momentum·v + g (v = g on the first step), θ ← θ − lr·v."""

    def __init__(self, params: Iterable[Value], lr: float = 0.03, momentum: float = 0.0) -> None:
        super().__init__(params, lr)
        self.momentum = _check_positive(momentum, "momentum", allow_zero=True)
        if self.momentum >= 1.0:
            raise ValueError(f"momentum must be below 1, got {momentum!r}")
        self.velocity: list[float] | None = None

    def step(self) -> None:
        lr = self.lr
        if not self.momentum:
            for p in self.params:
                p.data -= lr * p.grad
            return
        mu = self.momentum
        if self.velocity is None:
            self.velocity = [p.grad for p in self.params]
        else:
            pairs = zip(self.velocity, self.params, strict=True)
            self.velocity = [mu * v + p.grad for v, p in pairs]
        for p, v in zip(self.params, self.velocity, strict=False):
            p.data -= lr * v

    def _settings(self) -> dict[str, Any]:
        return {"lr": self.lr, "momentum": self.momentum}

    def _state(self) -> dict[str, Any]:
        # None until the first momentum step (PyTorch's "no momentum_buffer yet").
        return {"velocity": None if self.velocity is None else list(self.velocity)}

    def _load_state(self, state: Mapping[str, Any], n: int) -> None:
        velocity = state["velocity"]
        self.velocity = None if velocity is None else _floats(velocity, "velocity", n)


class Adam(Optimizer):
    """Adam as in PyTorch: m ← β1 m + (1 − β1) g, v ← β2 v + (1 − β2) g²,
    θ ← θ − lr · (m / (1 − β1^t)) / (√(v / (1 − β2^t)) + eps)."""

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"betas must be a pair of numbers, got {betas!r:.40}")
        b1 = _check_positive(betas[0], "betas[0]", allow_zero=True)
        b2 = _check_positive(betas[1], "betas[1]", allow_zero=True)
        if b1 >= 1.0 or b2 >= 1.0:
            raise ValueError(f"betas must be in [0, 1), got {tuple(betas)!r}")
        self.betas = (b1, b2)
        self.eps = _check_positive(eps, "eps", allow_zero=True)
        self.t = 0
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)

    def step(self) -> None:
        b1, b2 = self.betas
        self.t += 1
        c1 = 1.0 - b1**self.t
        c2 = math.sqrt(1.0 - b2**self.t)
        step_size = self.lr / c1
        m, v, eps = self.m, self.v, self.eps
        for k, p in enumerate(self.params):
            g = p.grad
            m[k] = b1 * m[k] + (1.0 - b1) * g
            v[k] = b2 * v[k] + (1.0 - b2) * g * g
            p.data -= step_size * m[k] / (math.sqrt(v[k]) / c2 + eps)

    def _settings(self) -> dict[str, Any]:
        return {"lr": self.lr, "betas": list(self.betas), "eps": self.eps}

    def _state(self) -> dict[str, Any]:
        return {"t": self.t, "m": list(self.m), "v": list(self.v)}

    def _load_state(self, state: Mapping[str, Any], n: int) -> None:
        t = state["t"]
        if isinstance(t, bool) or not isinstance(t, int) or t < 0:
            raise ValueError(f"t (Adam's step count) must be a whole number >= 0, got {t!r:.40}")
        m, v = _floats(state["m"], "m", n), _floats(state["v"], "v", n)
        if any(x < 0.0 for x in v):
            raise ValueError("v (Adam's second moments) must not be negative")
        self.t, self.m, self.v = t, m, v


#: Optimizers by name, as `fit` and the lessons accept them.
OPTIMIZERS = {"sgd": SGD, "adam": Adam}
