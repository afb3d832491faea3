"""Hints benchmark: hints for every line of the 2,000-line benchmark problem (bench/optimizer.py).

    python bench/hints.py                     # every line of the 2,000-line problem
    python bench/hints.py --lines 100         # the first 100 lines only (time extrapolated)
    python bench/hints.py --size 200 --workers 2

Prints wall and CPU time, the changes solved, the subproblem solves (cache misses: the rest of
each changed plan is the base plan's), the whole-problem solves (when the no-member-worse-off
guarantee binds) and the hints kept. Timings on a shared machine vary with its load: quote them
with the load average printed beside them.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.optimizer import generate
from consortium.optimizer import optimize, parse_problem
from consortium.optimizer.hints import DEFAULT_THRESHOLD, compute_hints
from consortium.optimizer.plan import plan_from_dict


def _slice(args) -> dict:
    size, ids, fairness, threshold, plan = args
    start = time.process_time()
    report = compute_hints(parse_problem(generate(size)), fairness=fairness, threshold=threshold,
                           lines=ids, base_plan=plan_from_dict(plan))
    return {"solves": report.solves, "subs": report.subproblem_solves,
            "full": report.full_solves, "hints": len(report.hints),
            "lines_with": sum(1 for e in report.lines if e.hints),
            "cpu": time.process_time() - start}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=2000, help="lines of the generated problem")
    parser.add_argument("--lines", type=int, default=None,
                        help="hints for the first N lines only (default: every line)")
    parser.add_argument("--workers", type=int, default=1, help="processes sharing the lines")
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    parser.add_argument("--no-fairness", action="store_true")
    args = parser.parse_args(argv)
    data = generate(args.size)
    ids = [d["id"] for d in data["demand"]][:args.lines]
    fairness = not args.no_fairness
    print(f"problem: {args.size} lines; hints for {len(ids)} lines, {args.workers} worker(s), "
          f"load average {os.getloadavg()[0]:.1f} at start", flush=True)
    started, cpu0 = time.perf_counter(), time.process_time()
    plan = optimize(parse_problem(data), fairness=fairness).to_dict()
    base_seconds = time.perf_counter() - started
    chunks = [ids[k::args.workers] for k in range(args.workers)]
    jobs = [(args.size, chunk, fairness, args.threshold, plan) for chunk in chunks if chunk]
    if args.workers == 1:
        results = [_slice(job) for job in jobs]
    else:
        with ProcessPoolExecutor(args.workers) as pool:
            results = list(pool.map(_slice, jobs))
    total = time.perf_counter() - started
    solves = sum(r["solves"] for r in results)
    cpu = time.process_time() - cpu0 + (sum(r["cpu"] for r in results) if args.workers > 1 else 0)
    print(f"base solve {base_seconds:.1f} s; total {total:.1f} s wall, {cpu:.1f} s CPU; "
          f"load average {os.getloadavg()[0]:.1f} at end")
    print(f"changes solved {solves}, subproblem solves {sum(r['subs'] for r in results)}, "
          f"whole-problem solves {sum(r['full'] for r in results)}, hints "
          f"{sum(r['hints'] for r in results)} for {sum(r['lines_with'] for r in results)} "
          f"of {len(ids)} lines")
    if len(ids) < args.size:
        per_line = (total - base_seconds) / max(1, len(ids))
        print(f"extrapolated to all {args.size} lines: {base_seconds + per_line * args.size:.0f} s "
              f"wall at this load")


if __name__ == "__main__":
    main()
