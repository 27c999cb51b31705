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

from micrograd_beans.files import read_limited, write_atomically
from micrograd_beans.nn import MLP

FORMAT = "micrograd_beans.mlp"
VERSION = 1

#: A model file larger than this is refused unread (about two million parameters).
MAX_FILE_BYTES = 64 * 2**20


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
    try:
        text = json.dumps(doc, indent=2, allow_nan=False) + "\n"
    except (TypeError, ValueError) as err:  # metadata that JSON cannot hold exactly
        raise ValueError(f"cannot save {os.fspath(path)}: metadata: {err}") from None
    write_atomically(path, text.encode("utf-8"))


def _read(path: str | os.PathLike) -> dict:
    """The checked contents of a model file; ValueError/OSError naming the file otherwise."""
    name = os.fspath(path)
    data = read_limited(path, MAX_FILE_BYTES, "model file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{name}: not a micrograd_beans model file (not UTF-8 text)") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"{name}: not a micrograd_beans model file (bad JSON: {err})") from None
    except RecursionError:
        raise ValueError(f"{name}: not a micrograd_beans model file (nested too deeply)") from None
    except ValueError:  # an integer of more digits than Python converts (CVE-2020-10735 limit)
        raise ValueError(
            f"{name}: not a micrograd_beans model file (a number with thousands of digits)"
        ) from None
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
        if not _finite_number(v):
            raise ValueError(f"{name}: damaged model file (parameter {key:.40} is {v!r:.40})")
        params[key] = float(v)
    return doc


def _finite_number(v: object) -> bool:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return False
    try:
        return math.isfinite(float(v))
    except OverflowError:  # an int beyond float's range
        return False


def _count_parameters(arch: dict) -> int:
    """How many parameters the architecture has, from plain checked ints (nothing built)."""
    nin, nouts, bias = arch.get("nin"), arch.get("nouts"), arch.get("bias", True)
    if isinstance(nin, bool) or not isinstance(nin, int) or nin < 1:
        raise ValueError(f"nin must be a whole number >= 1, got {nin!r:.40}")
    if not isinstance(nouts, list) or not nouts:
        raise ValueError(f"nouts must be a non-empty list of layer sizes, got {nouts!r:.40}")
    total, fan_in = 0, nin
    for n in nouts:
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"nouts must hold whole numbers >= 1, got {n!r:.40}")
        total += (fan_in + (1 if bias else 0)) * n
        fan_in = n
    return total


def _build(doc: dict, name: str) -> MLP:
    arch = doc["architecture"]
    try:
        expected = _count_parameters(arch)
    except ValueError as err:
        raise ValueError(f"{name}: damaged model file (architecture: {err})") from None
    stored = len(doc["parameters"])
    # Build only about what the file could fill: a file claiming a huge model costs nothing,
    # and building is bounded by the file's size (itself bounded by MAX_FILE_BYTES). Small
    # differences are left to load_state_dict, whose message names the missing parameters.
    if expected > 2 * stored + 100:
        raise ValueError(
            f"{name}: damaged model file (its architecture has {expected} parameters, "
            f"the file holds {stored})"
        )
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
        raise ValueError(f"{name}: damaged model file ({_shorten(str(err))})") from None
    return model


def _shorten(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


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
