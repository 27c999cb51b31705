"""Tests for micrograd_beans/serialize.py: exact round trip, atomic writes, and one clear
error for every bad file, with the model left untouched."""

from __future__ import annotations

import json
import os

import pytest

from micrograd_beans import serialize
from micrograd_beans.nn import MLP


def trained_like(seed: int = 0) -> MLP:
    model = MLP(
        2, [3, 1], activation="tanh", output_activation="sigmoid", seed=seed, init="symmetric"
    )
    # awkward floats: many digits, subnormal, negative zero, large
    for p, v in zip(
        model.parameters(),
        [0.1 + 0.2, 1e-310, -0.0, 12345.678901234567, -2.2250738585072014e-308, 1 / 3],
        strict=False,
    ):
        p.data = v
    return model


def test_round_trip_is_bit_exact(tmp_path):
    model = trained_like()
    path = tmp_path / "model.json"
    serialize.save(model, path, metadata={"lesson": "disc", "seed": 3})
    loaded = serialize.load(path)
    assert loaded.config() == model.config()
    for (n1, a), (n2, b) in zip(model.named_parameters(), loaded.named_parameters(), strict=True):
        assert n1 == n2 and a.data.hex() == b.data.hex()
    assert serialize.load_metadata(path) == {"lesson": "disc", "seed": 3}
    x = [0.3, 1.7]
    assert loaded(x).data == model(x).data
    doc = json.loads(path.read_text())
    assert doc["format"] == "micrograd_beans.mlp" and list(doc["parameters"])[0] == "w11_1"


def test_load_into_an_existing_model(tmp_path):
    source = trained_like()
    path = tmp_path / "m.json"
    serialize.save(source, path)
    target = trained_like(seed=9)
    for p in target.parameters():
        p.data = 5.0
    serialize.load_into(target, path)
    assert target.state_dict() == source.state_dict()


def test_no_bias_model_round_trips(tmp_path):
    model = MLP(1, [1], activation="linear", bias=False, seed=1)
    serialize.save(model, tmp_path / "line.json")
    loaded = serialize.load(tmp_path / "line.json")
    assert loaded.config()["bias"] is False and loaded.state_dict() == model.state_dict()


def test_write_is_atomic_and_leaves_no_temporary_files(tmp_path, monkeypatch):
    path = tmp_path / "m.json"
    serialize.save(trained_like(), path)
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    changed = trained_like()
    changed.parameters()[0].data = 99.0
    with pytest.raises(OSError, match="disk full"):
        serialize.save(changed, path)
    assert path.read_bytes() == before  # the old file is intact
    assert os.listdir(tmp_path) == ["m.json"]  # the temporary file is gone


def test_saving_nan_is_refused(tmp_path):
    model = trained_like()
    model.parameters()[2].data = float("nan")
    with pytest.raises(ValueError, match=r"m\.json.*b1_1.*NaN"):
        serialize.save(model, tmp_path / "m.json")
    assert not (tmp_path / "m.json").exists()


def write(tmp_path, text: str | bytes):
    path = tmp_path / "bad.json"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def good_doc() -> dict:
    model = MLP(1, [2, 1], seed=0)
    return {
        "format": "micrograd_beans.mlp",
        "version": 1,
        "architecture": model.config(),
        "parameters": model.state_dict(),
        "metadata": {},
    }


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ('{"format": "micrograd_beans.mlp", "vers', "bad JSON"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        ("[1, 2, 3]", "not a micrograd_beans model file"),
        ('{"format": "keras"}', "not a micrograd_beans model file"),
        (lambda d: {**d, "version": 7}, "version 7"),
        (lambda d: {k: v for k, v in d.items() if k != "parameters"}, "damaged"),
        (lambda d: {**d, "parameters": {**d["parameters"], "b1_2": "x"}}, "b1_2"),
        (
            lambda d: {
                **d,
                "parameters": {k: v for k, v in d["parameters"].items() if k != "w21_2"},
            },
            "missing w21_2",
        ),
        (
            lambda d: {**d, "architecture": {**d["architecture"], "activation": "swish"}},
            "damaged.*swish",
        ),
        (lambda d: {**d, "architecture": {"nin": 1}}, "damaged"),
    ],
)
def test_bad_files_name_the_file_and_the_problem(tmp_path, content, match):
    if callable(content):
        content = json.dumps(content(good_doc()))
    path = write(tmp_path, content)
    model = MLP(1, [2, 1], seed=1)
    before = model.state_dict()
    with pytest.raises(ValueError, match=match) as info:
        serialize.load_into(model, path)
    assert str(path) in str(info.value)
    with pytest.raises(ValueError, match=match):
        serialize.load(path)
    assert model.state_dict() == before


def test_missing_file(tmp_path):
    model = MLP(1, [2, 1], seed=1)
    before = model.state_dict()
    with pytest.raises(FileNotFoundError, match=r"nothere\.json: no such model file"):
        serialize.load_into(model, tmp_path / "nothere.json")
    with pytest.raises(FileNotFoundError):
        serialize.load(tmp_path / "nothere.json")
    assert model.state_dict() == before


def test_other_architecture_is_refused_and_the_model_untouched(tmp_path):
    path = tmp_path / "wide.json"
    serialize.save(MLP(1, [3, 1], seed=0), path)
    model = MLP(1, [2, 1], seed=1)
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"wide\.json: holds MLP\(1, \[3, 1\].*does not fit"):
        serialize.load_into(model, path)
    assert model.state_dict() == before
    serialize.save(MLP(1, [2, 1], activation="tanh"), path)
    with pytest.raises(ValueError, match="does not fit"):
        serialize.load_into(model, path)


def test_saving_into_a_missing_directory_names_the_target(tmp_path):
    target = tmp_path / "no" / "such" / "m.json"
    with pytest.raises(FileNotFoundError, match=r"cannot save .*no/such/m\.json"):
        serialize.save(MLP(1, [1]), target)


def test_relative_path_in_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    serialize.save(MLP(1, [2, 1], seed=0), "here.json")
    assert serialize.load("here.json").state_dict() == MLP(1, [2, 1], seed=0).state_dict()


# --- bounded, checked loading; errors name the user's file -----------------------------------


def test_loading_an_endless_file_is_bounded(monkeypatch):
    monkeypatch.setattr(serialize, "MAX_FILE_BYTES", 1 << 20)
    with pytest.raises(ValueError, match="/dev/zero: too large for a model file"):
        serialize.load("/dev/zero")


def test_a_huge_claimed_architecture_is_refused_before_building(tmp_path, monkeypatch):
    doc = good_doc()
    doc["architecture"]["nouts"] = [100000, 1]
    path = write(tmp_path, json.dumps(doc))

    def no_building(*args, **kwargs):
        raise AssertionError("the model was built")

    monkeypatch.setattr(serialize, "MLP", no_building)
    with pytest.raises(ValueError) as info:
        serialize.load(path)
    message = str(info.value)
    assert message.startswith(f"{path}: damaged model file") and "300001 parameters" in message
    assert len(message) < 400


@pytest.mark.parametrize(
    ("nouts", "match"),
    [([2, 0], "whole numbers >= 1"), ([], "non-empty list"), ("2,1", "non-empty list")],
)
def test_bad_layer_sizes_are_named(tmp_path, nouts, match):
    doc = good_doc()
    doc["architecture"]["nouts"] = nouts
    with pytest.raises(ValueError, match=match):
        serialize.load(write(tmp_path, json.dumps(doc)))


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"format": ' + "7" * 5000 + "}", "thousands of digits"),
        (
            json.dumps(good_doc()).replace('"w11_1": ', '"w11_1": 1' + "0" * 400 + ', "x": '),
            "parameter w11_1",
        ),
    ],
)
def test_hostile_json_is_one_error_naming_the_file(tmp_path, text, match):
    path = write(tmp_path, text)
    with pytest.raises(ValueError, match=match) as info:
        serialize.load(path)
    assert str(info.value).startswith(f"{path}: ")


def test_saving_to_an_empty_path_or_a_directory_is_an_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    model = MLP(1, [2, 1], seed=0)
    with pytest.raises(ValueError, match="empty path"):
        serialize.save(model, "")
    with pytest.raises(IsADirectoryError, match=f"cannot save {tmp_path}: it is a directory"):
        serialize.save(model, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_metadata_json_cannot_hold_is_an_error_naming_the_file(tmp_path):
    with pytest.raises(ValueError, match=r"cannot save .*m\.json: metadata"):
        serialize.save(MLP(1, [2, 1], seed=0), tmp_path / "m.json", {"loss": float("nan")})
    assert list(tmp_path.iterdir()) == []
