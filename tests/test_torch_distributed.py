"""micrograd_beans.torch.distributed: two DDP workers on 127.0.0.1 end where one process
with the same global batch ends (skipped without torch)."""

from __future__ import annotations

import dataclasses
import inspect
import socket

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from micrograd_beans.course.lessons import LESSONS  # noqa: E402
from micrograd_beans.nn import MLP  # noqa: E402
from micrograd_beans.torch import fit_torch, train_distributed  # noqa: E402
from micrograd_beans.torch.distributed import (  # noqa: E402
    _RunSettings,
    launched_by_torchrun,
    train_in_torchrun,
)
from micrograd_beans.train import TrainingDiverged  # noqa: E402

pytestmark = pytest.mark.skipif(
    not torch.distributed.is_available() or not torch.distributed.is_gloo_available(),
    reason="this torch has no gloo backend",
)


def test_two_workers_end_on_one_process_parameters():
    lesson = LESSONS["disc"]
    xs, ys = lesson.make_data(1, counts=203)  # the last batch is 3 beans: uneven shards
    settings = dict(epochs=3, batch_size=10, shuffle=True, lr=0.5, loss="bce")
    alone, together = lesson.make_model(1), lesson.make_model(1)
    # shuffled with no seed: one is drawn for the run and given to every worker (each
    # drawing its own would shuffle their shards apart: no one-process run matches that)
    two = train_distributed(together, xs, ys, workers=2, seed=None, **settings)
    assert isinstance(two.seed, int)
    one = fit_torch(alone, xs, ys, seed=two.seed, **settings)
    a, b = alone.state_dict(), together.state_dict()
    assert max(abs(a[k] - b[k]) for k in a) < 1e-9
    assert max(abs(a[k] - v) for k, v in lesson.make_model(1).state_dict().items()) > 1e-3
    assert two.workers == 2 and two.batch_size == 10 and two.beans == 3 * 203
    assert two.loss == pytest.approx(one.loss, rel=1e-9)  # the epoch losses of all shards
    assert two.accuracy == one.accuracy


def test_workers_meet_through_a_file_without_picking_a_port(tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the run's files go
    picked = []
    real_bind = socket.socket.bind

    def bind(sock, address):  # a port picked in advance could be taken by another process
        picked.append(address)
        return real_bind(sock, address)

    monkeypatch.setattr(socket.socket, "bind", bind)
    lesson = LESSONS["disc"]
    xs, ys = lesson.make_data(2, counts=40)
    model = lesson.make_model(2)
    history = train_distributed(model, xs, ys, workers=2, epochs=1, batch_size=8, lr=0.5)
    assert history.workers == 2 and history.beans == 40
    assert picked == []  # in this process; the workers' gloo sockets are their own
    assert list(tmp_path.glob("micrograd_beans-*")) == []  # rendezvous and result removed


def test_workers_need_a_batch_to_share():
    model, xs, ys = LESSONS["hidden-layer"].setup(0)
    with pytest.raises(ValueError, match="2 workers need a batch of at least 2 beans"):
        train_distributed(model, xs, ys, workers=2, batch_size=1)
    with pytest.raises(ValueError, match="workers must be a whole number"):
        train_distributed(model, xs, ys, workers=0)


@pytest.mark.parametrize("way_in", ["train_distributed", "train_in_torchrun"])
@pytest.mark.parametrize(
    "bad, error, message",
    [
        ({"epochs": 2.5}, TypeError, "epochs must be an integer, got float: 2.5"),
        ({"epochs": -1}, ValueError, "epochs must be at least 0, got -1"),
        ({"batch_size": "64"}, TypeError, "batch_size must be an integer, got str: '64'"),
        ({"batch_size": 0}, ValueError, "batch_size must be at least 1, got 0"),
        ({"optimizer": "rmsprop"}, ValueError, "unknown optimizer 'rmsprop'"),
        ({"lr": -0.1}, ValueError, "lr must be a finite number > 0, got -0.1"),
        ({"momentum": 1.5}, ValueError, "momentum must be below 1, got 1.5"),
        (
            {"optimizer": "adam", "momentum": 0.5},
            ValueError,
            r"SGD \('sgd' or 'momentum'\), not Adam",
        ),
        ({"loss": "hinge"}, ValueError, "computes the losses squared_error, bce; got 'hinge'"),
        (
            {"shuffle": True, "seed": np.random.default_rng(0)},
            TypeError,
            "needs an int seed or None",
        ),
    ],
)
def test_bad_settings_fail_before_any_process_starts(way_in, bad, error, message, monkeypatch):
    from micrograd_beans.torch import distributed

    def no_processes(*args, **kwargs):
        raise AssertionError("a process group was started for settings that cannot train")

    monkeypatch.setattr(distributed.torch.multiprocessing, "spawn", no_processes)
    monkeypatch.setattr(distributed.dist, "init_process_group", no_processes)
    model, xs, ys = LESSONS["hidden-layer"].setup(0)
    start = model.state_dict()
    with pytest.raises(error, match=message):
        getattr(distributed, way_in)(model, xs, ys, **{"batch_size": 10, **bad})
    assert model.state_dict() == start


def test_torchrun_is_recognised_by_its_environment(monkeypatch):
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(name, raising=False)
    assert not launched_by_torchrun()
    env = {"RANK": "0", "WORLD_SIZE": "2", "LOCAL_RANK": "0"}
    env |= {"MASTER_ADDR": "127.0.0.1", "MASTER_PORT": "29500"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert launched_by_torchrun()


@pytest.fixture
def one_torchrun_process(monkeypatch):
    """What torchrun --nproc-per-node 1 sets: this process is the whole group."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {"RANK": "0", "WORLD_SIZE": "1", "LOCAL_RANK": "0", "MASTER_ADDR": "127.0.0.1"}
    for name, value in (env | {"MASTER_PORT": str(port)}).items():
        monkeypatch.setenv(name, value)


def test_one_torchrun_process_ends_where_fit_torch_ends(one_torchrun_process):
    lesson = LESSONS["disc"]
    xs, ys = lesson.make_data(2, counts=50)
    settings = dict(epochs=2, batch_size=None, shuffle=True, seed=4, optimizer="momentum")
    settings |= dict(lr=0.2, momentum=0.5, loss="bce")
    alone, in_torchrun = lesson.make_model(2), lesson.make_model(2)
    one = fit_torch(alone, xs, ys, **settings)
    history, rank = train_in_torchrun(in_torchrun, xs, ys, **settings)
    assert rank == 0 and history.workers == 1 and history.batch_size == 50
    assert in_torchrun.state_dict() == pytest.approx(alone.state_dict(), abs=1e-12)
    assert history.loss == pytest.approx(one.loss, rel=1e-12)
    start = lesson.make_model(2).state_dict()
    assert max(abs(start[k] - v) for k, v in in_torchrun.state_dict().items()) > 1e-3
    assert not torch.distributed.is_initialized()  # the group is left behind for no one


def test_under_torchrun_a_shuffle_without_seed_is_drawn_once(one_torchrun_process):
    lesson = LESSONS["disc"]
    xs, ys = lesson.make_data(2, counts=30)
    settings = dict(epochs=2, batch_size=8, shuffle=True, lr=0.5)
    in_torchrun, alone = lesson.make_model(2), lesson.make_model(2)
    history, _ = train_in_torchrun(in_torchrun, xs, ys, seed=None, **settings)
    assert isinstance(history.seed, int)
    fit_torch(alone, xs, ys, seed=history.seed, **settings)
    assert in_torchrun.state_dict() == pytest.approx(alone.state_dict(), abs=1e-12)


def test_under_torchrun_divergence_is_fits_error(one_torchrun_process):
    lesson = LESSONS["line"]
    model, xs, ys = lesson.setup(0)
    alone = lesson.make_model(0)
    settings = dict(epochs=50, batch_size=4, lr=100.0)
    with pytest.raises(TrainingDiverged) as one:
        fit_torch(alone, xs, ys, **settings)
    with pytest.raises(TrainingDiverged) as info:
        train_in_torchrun(model, xs, ys, **settings)
    assert str(info.value) == str(one.value)
    assert model.state_dict() == pytest.approx(alone.state_dict(), rel=1e-12)
    assert not torch.distributed.is_initialized()


# --- the spawned workers' errors, raised in the caller (each test starts 2 processes) ------


def test_a_diverging_run_raises_the_one_process_error_in_the_caller():
    lesson = LESSONS["line"]
    model, xs, ys = lesson.setup(0)
    alone = lesson.make_model(0)
    settings = dict(epochs=50, batch_size=4, lr=100.0)
    with pytest.raises(TrainingDiverged) as one:
        fit_torch(alone, xs, ys, **settings)
    with pytest.raises(TrainingDiverged) as two:
        train_distributed(model, xs, ys, workers=2, **settings)
    assert str(two.value) == str(one.value)  # one line, no worker traceback
    assert two.value.__cause__ is None and two.value.__context__ is None
    assert model.state_dict() == pytest.approx(alone.state_dict(), rel=1e-9)


def test_an_error_on_one_workers_shard_is_raised_in_the_caller():
    # bean 2 (worker 1's) puts the linear output at 2.0, outside bce's [0, 1]; worker 0,
    # waiting for worker 1's gradients, is stopped, and the caller gets worker 1's error
    model = MLP(1, [1], "linear", bias=False, seed=0)
    model.load_state_dict({"w11_1": 1.0})
    xs, ys = [[0.5], [2.0]], [[0.0], [1.0]]
    with pytest.raises(ValueError) as one:
        fit_torch(MLP(**model.config(), seed=0), xs, ys, batch_size=2, loss="bce")
    with pytest.raises(ValueError) as two:
        train_distributed(model, xs, ys, workers=2, batch_size=2, loss="bce")
    assert str(two.value) == str(one.value)
    assert "binary cross-entropy needs outputs in [0, 1]" in str(two.value)
    assert model.state_dict() == {"w11_1": 1.0}


def test_both_ways_in_take_the_run_settings_in_their_order():
    fields = [f.name for f in dataclasses.fields(_RunSettings)]
    assert fields == [
        "epochs",
        "lr",
        "optimizer",
        "loss",
        "batch_size",
        "shuffle",
        "seed",
        "momentum",
    ]
    for way_in in (train_distributed, train_in_torchrun):
        params = [name for name in inspect.signature(way_in).parameters if name in fields]
        assert params == fields, way_in.__name__  # each builds _RunSettings positionally
