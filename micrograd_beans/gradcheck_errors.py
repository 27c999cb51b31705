"""What a gradient check raises or warns, shared by `gradcheck` (a function's derivatives)
and `model_gradcheck` (a model's parameters), so neither imports the other for them."""

from __future__ import annotations

__all__ = ["EMPTY_ADVICE", "GradcheckError", "GradcheckWarning"]


class GradcheckError(RuntimeError):
    """Raised by gradcheck(..., raise_on_failure=True); the message is the result table."""


class GradcheckWarning(UserWarning):
    """A gradient check that passed without telling anything: every derivative was 0."""


EMPTY_ADVICE = (
    "the check compares zeros and shows nothing; pick another point (e.g. away from a "
    "relu's flat side or a saturated sigmoid), or make sure the function uses its inputs"
)
