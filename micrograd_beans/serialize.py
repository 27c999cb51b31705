"""Saving and loading a model's parameters as JSON, safely and exactly.

The file holds the architecture (`MLP.config()`) and the parameters by the note's names.
Floats are written with Python's shortest round-tripping repr, so a loaded model is bit
for bit the saved one. Writes go to a temporary file in the same directory, then
`os.replace` puts it in place: a crash leaves the old file or the new one, never half of
one. Every loading problem is one error naming the file, and leaves models untouched.
"""

from __future__ import annotations

import json
import math
import os

from micrograd_beans.files import write_atomically
from micrograd_beans.nn import MLP

FORMAT = "micrograd_beans.mlp"
VERSION = 1


def save(model: MLP, path: str | os.PathLike, metadata: dict | None = None) -> None:
    """Write the model's architecture and parameters (and optional JSON-able metadata)."""
    params = model.state_dict()
    bad = [name for name, v in params.items() if not math.isfinite(v)]
    if bad:
        raise ValueError(
            f"cannot save {os.fspath(path)}: parameter(s) {', '.join(bad)} are NaN or infinite"
        )
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "architecture": model.config(),
        "parameters": params,
        "metadata": metadata or {},
    }
    text = json.dumps(doc, indent=2, allow_nan=False) + "\n"
    write_atomically(path, text.encode("utf-8"))


def _read(path: str | os.PathLike) -> dict:
    """The checked contents of a model file; ValueError/OSError naming the file otherwise."""
    name = os.fspath(path)
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        raise FileNotFoundError(f"{name}: no such model file") from None
    except UnicodeDecodeError:
        raise ValueError(f"{name}: not a micrograd_beans model file (not UTF-8 text)") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"{name}: not a micrograd_beans model file (bad JSON: {err})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError(f"{name}: not a micrograd_beans model file (no format {FORMAT!r})")
    if doc.get("version") != VERSION:
        raise ValueError(
            f"{name}: unsupported model file version {doc.get('version')!r} "
            f"(this micrograd_beans reads version {VERSION})"
        )
    arch, params = doc.get("architecture"), doc.get("parameters")
    if not isinstance(arch, dict) or not isinstance(params, dict):
        raise ValueError(f"{name}: damaged model file (architecture or parameters missing)")
    for key, v in params.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ValueError(f"{name}: damaged model file (parameter {key} is {v!r:.40})")
    return doc


def _build(doc: dict, name: str) -> MLP:
    arch = doc["architecture"]
    try:
        model = MLP(
            arch["nin"],
            arch["nouts"],
            activation=arch["activation"],
            output_activation=arch["output_activation"],
            bias=arch.get("bias", True),
        )
        model.load_state_dict(doc["parameters"])
    except (KeyError, TypeError, ValueError) as err:
        raise ValueError(f"{name}: damaged model file ({err})") from None
    return model


def load(path: str | os.PathLike) -> MLP:
    """A new model with the architecture and parameters stored in the file."""
    return _build(_read(path), os.fspath(path))


def load_metadata(path: str | os.PathLike) -> dict:
    """The metadata saved with a model (lesson, seed, epochs, ... as the saver chose)."""
    meta = _read(path).get("metadata", {})
    return meta if isinstance(meta, dict) else {}


def load_into(model: MLP, path: str | os.PathLike) -> None:
    """Set an existing model's parameters from a file of the same architecture.

    A file of another architecture is a ValueError naming both; the model is left as it was.
    """
    name = os.fspath(path)
    stored = _build(_read(path), name)
    if stored.config() != model.config():
        raise ValueError(f"{name}: holds {stored!r}, which does not fit this model {model!r}")
    model.load_state_dict(stored.state_dict())
