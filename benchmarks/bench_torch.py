"""The spiral network on 100,000 beans: beans per second for one epoch, engine against torch.

The lesson's 2-8-8-8-1 network (relu hidden, sigmoid out), shuffled per-sample SGD as the
lesson trains it, on beans from its own generator. Measured in one run, as beans per second
of training (process start-up not counted, reported apart):

- the engine's graph path (`fit(compiled=False)`) and its generated code (`compiled=True`);
- torch in float64, one bean per update, then batches of 1024;
- torch with batches of 1024 in 2 worker processes (DistributedDataParallel on gloo).

Per-bean runs are slow, so the graph path and torch's batch of 1 are timed on the first
beans of the epoch (`--slice`); the others run whole epochs. The single-process runs
alternate, round after round, and each reports its median; the 2-worker run is one launch
of `--rounds` epochs, reporting the median epoch. Ratios are against the engine's
generated code, measured in the same run.

    python benchmarks/bench_torch.py            # 100,000 beans (a few minutes on 2 cores)
    python benchmarks/bench_torch.py --tiny     # one quick pass, for the test suite
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time

from _common import header, line

from micrograd_beans.course.lessons import get_lesson
from micrograd_beans.train import fit


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--beans", type=int, default=100_000, help="beans in the epoch")
    parser.add_argument("--slice", type=int, default=3_000, help="beans timed per bean")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds")
    parser.add_argument("--workers", type=int, default=2, help="DDP workers (0: skip)")
    parser.add_argument("--tiny", action="store_true", help="tiny sizes, no workers (tests)")
    args = parser.parse_args(argv)
    if args.tiny:
        args.beans, args.slice, args.rounds, args.workers = 400, 100, 1, 0
    try:
        from micrograd_beans.torch import fit_torch, train_distributed
    except ImportError as err:
        raise SystemExit(str(err)) from None

    header("the spiral network, one epoch: engine against torch (beans per second)")
    lesson = get_lesson("spiral")
    xs, ys = lesson.make_data(0, counts=args.beans)
    settings = lesson.fit_kwargs() | {"epochs": 1}
    line("model", repr(lesson.make_model(0)))
    line("beans", f"{args.beans:,} (per-bean runs timed on the first {args.slice:,})")

    def engine(compiled: bool, n: int) -> float:
        model = lesson.make_model(0)
        h = fit(model, xs[:n], ys[:n], **settings, seed=0, compiled=compiled, progress=False)
        return n / h.seconds

    def in_torch(batch_size: int, n: int) -> float:
        batched = settings | {"batch_size": batch_size}
        h = fit_torch(lesson.make_model(0), xs[:n], ys[:n], **batched, seed=0)
        return n / h.seconds

    runs = {
        "engine, graph path": lambda: engine(False, args.slice),
        "engine, generated code": lambda: engine(True, args.beans),
        "torch, batch 1": lambda: in_torch(1, args.slice),
        "torch, batch 1024": lambda: in_torch(1024, args.beans),
    }
    rates: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(args.rounds):  # alternate: a busy machine slows every method alike
        for name, run in runs.items():
            gc.collect()
            rates[name].append(run())
    result = {name: statistics.median(r) for name, r in rates.items()}

    if args.workers:
        began = time.perf_counter()
        h = train_distributed(
            lesson.make_model(0),
            xs,
            ys,
            workers=args.workers,
            **settings | {"batch_size": 1024, "epochs": args.rounds},
            seed=0,
        )
        start_up = time.perf_counter() - began - h.seconds
        name = f"torch, batch 1024, {args.workers} workers"
        result[name] = args.beans / statistics.median(h.epoch_seconds)
        line("worker start-up (not counted)", f"{start_up:.1f} s")

    reference = result["engine, generated code"]
    for name, rate in result.items():
        line(f"{name}, beans/s", f"{rate:,.0f}")
    for name, rate in result.items():
        line(f"ratio {name} / engine generated code", f"{rate / reference:.3g}")
    return result


if __name__ == "__main__":
    main()
