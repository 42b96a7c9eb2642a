"""benchmarks/bench.py's summary line: the short runs' medians under the first bench's keys, their ranges, and the
median of each round's check/no-op ratio."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _bench():
    spec = importlib.util.spec_from_file_location("bench_under_test", ROOT / "benchmarks" / "bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(wall, api=0, modules=0):
    return {"wall": wall, "api": api, "modules": modules}


def test_medians_ranges_and_the_paired_ratio():
    rounds = [
        {"noop": _run(40.0, 246, 24), "check": _run(38.0), "rollout": _run(9.0)},
        {"noop": _run(30.0, 250, 25), "check": _run(33.0), "rollout": _run(12.0)},
        {"noop": _run(36.0, 246, 24), "check": _run(34.0), "rollout": _run(8.5)},
    ]
    line = _bench().bench_line(_run(180.0), _run(50.0), rounds, 0.05)
    fields = dict(item.split("=", 1) for item in line.removeprefix("bench: ").split())
    assert list(fields)[:9] == [
        "cold_s", "noop_s", "noop_over_cold", "noop_api_calls", "noop_modules",
        "noop_latency_s", "rollout_noop_s", "check_s", "api_latency_ms",
    ]  # fmt: skip
    assert fields["noop_s"] == "36.00" and fields["check_s"] == "34.00" and fields["rollout_noop_s"] == "9.00"
    assert fields["noop_over_cold"] == "0.20"
    # the counts are the first round's (they do not vary with the machine)
    assert fields["noop_api_calls"] == "246" and fields["noop_modules"] == "24"
    assert fields["noop_range_s"] == "30.00-40.00" and fields["rollout_noop_range_s"] == "8.50-12.00"
    assert fields["check_range_s"] == "33.00-38.00" and fields["repeat"] == "3"
    # per round 0.95, 1.10, 0.944: the median of the ratios, not the ratio of the medians (0.944)
    assert fields["check_over_noop"] == "0.95"
