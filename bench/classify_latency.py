"""Classification latency: keyword rules alone (baseline) vs rules + learned model, same run.

    .venv/bin/python bench/classify_latency.py [-n 20000]

Each iteration classifies one description of the corpus (server/routing/corpus, 2,530 texts, in a
shuffled order, both classifiers on the same sequence), timed with ``perf_counter_ns``; the first
2,000 iterations are warm-up.  Also: the time to build the model from its JSON (what a process
pays when an admin publishes a model).  Writes bench/results/classify_latency.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.routing import load_rules  # noqa: E402
from server.routing.categorizer import Categorizer  # noqa: E402
from server.routing.classify import Classifier  # noqa: E402
from server.routing.learning import shipped_model_data  # noqa: E402
from server.routing.training import load_corpus, load_model_json  # noqa: E402

OUT = ROOT / "bench" / "results" / "classify_latency.md"


def pct(ns: list[int]) -> dict[str, float]:
    q = statistics.quantiles(ns, n=100)
    return {"p50": q[49] / 1e3, "p90": q[89] / 1e3, "p99": q[98] / 1e3, "max": max(ns) / 1e3}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=20000)
    ap.add_argument("--warmup", type=int, default=2000)
    args = ap.parse_args()
    rules = Classifier.from_rules(load_rules())
    t = time.perf_counter()
    model = load_model_json(shipped_model_data())
    build_ms = (time.perf_counter() - t) * 1e3
    both = Categorizer(rules, model)
    texts = [e.text for e in load_corpus()]
    rng = random.Random(13)
    seq = [rng.choice(texts) for _ in range(args.n + args.warmup)]
    times: dict[str, list[int]] = {
        k: [] for k in ("rules only", "rules + model", "rules only, CPU", "rules + model, CPU")
    }
    wall, cpu = time.perf_counter_ns, time.thread_time_ns  # CPU: this thread only (no waiting for a core)
    for i, text in enumerate(seq):
        t0, c0 = wall(), cpu()
        rules.classify(text)
        t1, c1 = wall(), cpu()
        both.classify(text)
        t2, c2 = wall(), cpu()
        if i >= args.warmup:
            times["rules only"].append(t1 - t0)
            times["rules + model"].append(t2 - t1)
            times["rules only, CPU"].append(c1 - c0)
            times["rules + model, CPU"].append(c2 - c1)
    stats = {k: pct(v) for k, v in times.items()}
    ratio = stats["rules + model"]["p50"] / stats["rules only"]["p50"]
    load = os.getloadavg()[0]
    lines = [
        "# Classification latency (rules only vs rules + model)",
        "",
        f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average {load:.1f}; {args.n} iterations after {args.warmup} warm-up over the corpus "
        f"({len(texts)} texts, median {statistics.median(len(x) for x in texts):.0f} characters).",
        "",
        "| classifier | p50 µs | p90 µs | p99 µs | max µs |",
        "|---|---:|---:|---:|---:|",
        *(
            f"| {k} | {s['p50']:.0f} | {s['p90']:.0f} | {s['p99']:.0f} | {s['max']:.0f} |"
            for k, s in stats.items()
        ),
        "",
        f"Rules + model costs {ratio:.1f}× the rules alone at p50.  Building the model from JSON "
        f"({len(model.classes)} classes, {len(shipped_model_data()['weights'])} n-grams): {build_ms:.0f} ms.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    OUT.write_text(text, "utf-8")


if __name__ == "__main__":
    main()
