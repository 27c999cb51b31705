"""A lesson's training settings as `fit` takes them, and in a few words.

The settings are a lesson's `fit_kwargs()` (optimizer, lr, loss, batch size, ...), maybe
with a "momentum" key, as the command line's options (`cli/training_options.py`) or a
caller of `run_demo` give them.
"""

from __future__ import annotations

from typing import Any


def fit_arguments(model: Any, settings: dict[str, Any]) -> dict[str, Any]:
    """`settings` as keyword arguments of `train.fit`: a "momentum" key becomes an SGD
    optimizer with that momentum (and the settings' lr) over the model's parameters."""
    from micrograd_beans.train import DEFAULT_LR, make_optimizer

    kwargs = dict(settings)
    if "momentum" in kwargs:
        momentum = kwargs.pop("momentum")
        lr = kwargs.pop("lr", None)
        lr = DEFAULT_LR["momentum"] if lr is None else lr
        kwargs["optimizer"] = make_optimizer(model, "sgd", lr, momentum=momentum)
    return kwargs


def describe(settings: dict[str, Any]) -> str:
    """How the settings train, in a few words: "per-sample momentum 0.9, lr 0.03, loss bce"."""
    size = settings.get("batch_size", 1)
    batch = "per-sample" if size == 1 else ("full-batch" if size is None else f"batch {size}")
    optimizer = settings["optimizer"]
    if settings.get("momentum") is not None and optimizer == "momentum":
        optimizer = f"momentum {settings['momentum']:g}"
    return f"{batch} {optimizer}, lr {settings['lr']:g}, loss {settings['loss']}"
