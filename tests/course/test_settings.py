"""course/settings.py: a lesson's settings as fit's keyword arguments, and in a few words."""

from __future__ import annotations

from micrograd_beans.course.lessons import get_lesson
from micrograd_beans.course.settings import describe, fit_arguments
from micrograd_beans.optim import SGD


def test_settings_without_momentum_pass_through_unchanged():
    lesson = get_lesson("hidden-layer")
    settings = lesson.fit_kwargs()
    assert fit_arguments(lesson.make_model(0), settings) == settings
    assert describe(settings) == "per-sample sgd, lr 0.03, loss squared_error"


def test_momentum_becomes_an_sgd_optimizer_over_the_models_parameters():
    lesson = get_lesson("hidden-layer")
    model = lesson.make_model(0)
    settings = {**lesson.fit_kwargs(), "optimizer": "momentum", "momentum": 0.5, "lr": 0.1}
    kwargs = fit_arguments(model, settings)
    opt = kwargs["optimizer"]
    assert isinstance(opt, SGD) and (opt.momentum, opt.lr) == (0.5, 0.1)
    assert opt.params == model.parameters()
    assert "momentum" not in kwargs and "lr" not in kwargs
    assert "momentum" in settings  # the caller's dict is left as it was
    assert describe(settings) == "per-sample momentum 0.5, lr 0.1, loss squared_error"


def test_momentum_without_lr_takes_fits_default_and_batches_are_described():
    model = get_lesson("disc").make_model(0)
    kwargs = fit_arguments(model, {"optimizer": "momentum", "momentum": 0.9, "loss": "bce"})
    assert kwargs["optimizer"].lr == 0.03  # train.DEFAULT_LR["momentum"]
    base = {"optimizer": "adam", "lr": 0.01, "loss": "bce"}
    assert describe({**base, "batch_size": None}) == "full-batch adam, lr 0.01, loss bce"
    assert describe({**base, "batch_size": 8}) == "batch 8 adam, lr 0.01, loss bce"
