"""The one-screen summary that opens BENCHMARKS.md and the README's "In short" paragraph, built from result files.

    python benchmarks/summary.py            # write benchmarks/results/summary.md and readme_summary.md
    python benchmarks/summary.py --check    # exit 1 when either differs from what the result files say now

Every figure here is read from a committed result file (named beside it); nothing is typed in by hand, so the
summary cannot drift from the files. tools/build_benchmarks.py then copies both into BENCHMARKS.md and README.md,
and tests/test_benchmark_summary.py fails when a figure in them differs from its file.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
OURS = ("med2dsegnet", "mininet")
NAMES = {"med2dsegnet": "Med-2D SegNet", "mininet": "Mini-Net"}
# the equal-time grids, newest budget last; a grid that has not run yet is left out
GRIDS = ("cpu_240s", "cpu_900s")
# SPEC.md section 6: shipped weights and their target on their test split
SHIPPED_TARGETS = {"med2dsegnet:kvasir": 0.80, "mininet:drive": 0.80}


def _budget(grid_name: str) -> str:
    return grid_name.split("_")[1].removesuffix("s") + " s"


def _rel(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def grid_facts(grid: Path) -> dict[str, Any] | None:
    """Per dataset: every model's test mean and seed count, from seeds.csv; the verdict counts of targets.md."""
    seeds = grid / "seeds.csv"
    if not seeds.is_file():
        return None
    with open(seeds, newline="") as handle:
        rows = list(csv.DictReader(handle))
    datasets: dict[str, list[tuple[float, str, int]]] = {}
    for row in rows:
        datasets.setdefault(row["dataset"], []).append((float(row["mean"]), row["model"], int(row["seeds"])))
    verdicts: dict[str, int] = {}
    targets = grid / "targets.md"
    if targets.is_file():
        for line in targets.read_text().splitlines():
            cells = [c.strip() for c in line.strip("|").split("|")]
            if line.startswith("| ") and ">=" in cells[0]:
                verdicts[cells[-1]] = verdicts.get(cells[-1], 0) + 1
    commits = sorted({c.strip() for row in rows for c in row["commit"].split(",")})
    return {"datasets": {d: sorted(v, reverse=True) for d, v in sorted(datasets.items())}, "verdicts": verdicts,
            "hardware": sorted({row["hardware"] for row in rows}), "commits": commits,
            "runs": sum(int(row["seeds"]) for row in rows), "max_seeds": max(int(row["seeds"]) for row in rows)}


def shipped_facts(root: Path) -> list[dict[str, Any]]:
    facts = []
    for path in sorted((root / "src" / "litemedseg" / "weights").glob("*/scores.json")):
        scores = json.loads(path.read_text())
        facts.append({"name": scores["weights"], "metric": scores["test"]["metric"], "value": scores["test"]["value"],
                      "images": scores["test"]["num_images"], "source": _rel(path, root),
                      "commit": scores.get("trained_commit", "?")})
    return facts


def efficiency_facts(root: Path) -> dict[str, Any] | None:
    path = root / "benchmarks" / "results" / "efficiency_cpu" / "efficiency.json"
    if not path.is_file():
        return None
    data = json.loads(path.read_text())
    rows = data["rows"]
    unet = rows["unet"]

    def ratio(model: str, key: str, inner: str | None = None) -> float:
        mine, base = rows[model][key], unet[key]
        return (mine[inner] / base[inner]) if inner else (mine / base)

    return {"source": _rel(path, root), "commit": data["info"]["commit"], "hardware": data["info"]["hardware"]["cpu"],
            "params": {m: rows[m]["params"] for m in OURS},
            "latency": {m: ratio(m, "cpu_onnxruntime", "median_ms") for m in OURS},
            "train": {m: ratio(m, "train128_auto_img_per_s") for m in OURS}}


def _leaders(facts: dict[str, Any]) -> str:
    parts = []
    for dataset, ranked in facts["datasets"].items():
        value, model, _ = ranked[0]
        ours = [f"{NAMES[m]} {v:.3f} ({rank} of {len(ranked)})" for rank, (v, m, _) in enumerate(ranked, 1)
                if m in OURS]
        parts.append(f"{dataset}: {model} {value:.3f}; " + ", ".join(ours))
    return " · ".join(parts)


def _runs(facts: dict[str, Any]) -> str:
    seeds = "seed" if facts["max_seeds"] == 1 else "seeds"
    return f"{facts['runs']} runs, up to {facts['max_seeds']} {seeds} a cell"


def _verdicts(facts: dict[str, Any]) -> str:
    order = ("met", "tie", "missed", "not run")
    counts = facts["verdicts"]
    return ", ".join(f"{counts.get(k, 0)} {k}" for k in order if counts.get(k))


def render(root: Path = ROOT) -> tuple[str, str]:
    """(summary.md for BENCHMARKS.md, readme_summary.md for the README), from the files under `root`."""
    results = root / "benchmarks" / "results"
    grids = {name: facts for name in GRIDS if (facts := grid_facts(results / name)) is not None}
    shipped = shipped_facts(root)
    efficiency = efficiency_facts(root)
    lines = ["| question | answer (source) |", "|---|---|"]
    if efficiency:
        params = efficiency["params"]
        lines.append(f"| parameters, 3 in / 1 out | Med-2D SegNet {params['med2dsegnet']:,}, Mini-Net "
                     f"{params['mininet']:,} (`{efficiency['source']}`) |")
    for name, facts in grids.items():
        seconds = _budget(name)
        lines.append(f"| test headline at {seconds} CPU per run, one thread: the leader of each dataset, and ours "
                     f"(rank of the models run) | {_leaders(facts)} ({_runs(facts)}; "
                     f"`benchmarks/results/{name}/seeds.csv`; {', '.join(facts['hardware'])}) |")
        if facts["verdicts"]:
            lines.append(f"| peer targets at {seconds} (SPEC.md section 6) | {_verdicts(facts)} "
                         f"(`benchmarks/results/{name}/targets.md`) |")
    for item in shipped:
        target = SHIPPED_TARGETS.get(item["name"])
        judged = "" if target is None else f"; target {target:.2f} {'met' if item['value'] >= target else 'missed'}"
        lines.append(f"| shipped `{item['name']}` on its test split | {item['metric']} {item['value']:.4f} "
                     f"({item['images']} images{judged}; `{item['source']}`) |")
    if efficiency:
        latency, train = efficiency["latency"], efficiency["train"]
        lines.append(f"| ONNX Runtime CPU latency, batch 1, 256 px, against the U-Net of the same run | Med-2D SegNet "
                     f"{latency['med2dsegnet']:.2f}x (target 0.74x), Mini-Net {latency['mininet']:.2f}x (target "
                     f"0.10x) (`{efficiency['source']}`, commit {efficiency['commit']}, {efficiency['hardware']}) |")
        lines.append(f"| training images/s at 128 px, batch 8, against the U-Net | Med-2D SegNet "
                     f"{train['med2dsegnet']:.2f}x, Mini-Net {train['mininet']:.2f}x (same file) |")
    summary = "\n".join(lines) + "\n\nBuilt by `python benchmarks/summary.py` from the files named in each row.\n"
    return summary, _readme_paragraph(grids, shipped, efficiency)


def _readme_paragraph(grids: dict[str, Any], shipped: list[dict[str, Any]], efficiency: dict[str, Any] | None) -> str:
    sentences = []
    if grids:
        name = list(grids)[-1]
        facts = grids[name]
        seconds = _budget(name)
        leading = [d for d, ranked in facts["datasets"].items() if ranked[0][1] in OURS]
        lead = (f"ours lead {', '.join(leading)}" if leading else "neither of our networks leads any dataset")
        sentences.append(f"At equal CPU time ({seconds} per run, one thread, {_runs(facts)}; the grid in "
                         f"BENCHMARKS.md) {lead}; the peer targets stand at {_verdicts(facts)}.")
        kvasir = facts["datasets"].get("Kvasir-SEG")
        drive = facts["datasets"].get("DRIVE")
        for dataset, ranked, ours in (("Kvasir-SEG", kvasir, "med2dsegnet"), ("DRIVE", drive, "mininet")):
            if not ranked:
                continue
            mine = next((v for v, m, _ in ranked if m == ours), None)
            if mine is not None:
                sentences.append(f"{dataset}: {NAMES[ours]} {mine:.3f}, the leader ({ranked[0][1]}) "
                                 f"{ranked[0][0]:.3f}.")
    if shipped:
        shown = "; ".join(f"`{s['name']}` {s['metric']} {s['value']:.4f}" for s in shipped)
        sentences.append(f"The shipped weights, trained for about an hour of CPU, score on their test splits: {shown}.")
    if efficiency:
        sentences.append(f"ONNX Runtime CPU latency against the U-Net: Med-2D SegNet "
                         f"{efficiency['latency']['med2dsegnet']:.2f}x, Mini-Net {efficiency['latency']['mininet']:.2f}x "
                         "(targets 0.74x and 0.10x).")
    return "In short (built by `python benchmarks/summary.py` from the result files): " + " ".join(sentences) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    outputs = dict(zip(("summary.md", "readme_summary.md"), render()))
    stale = [name for name, text in outputs.items()
             if not (RESULTS / name).is_file() or (RESULTS / name).read_text() != text]
    if args.check:
        for name in stale:
            print(f"benchmarks/results/{name}: differs from the result files; run python benchmarks/summary.py")
        return 1 if stale else 0
    for name, text in outputs.items():
        (RESULTS / name).write_text(text)
    print(f"wrote {', '.join(f'benchmarks/results/{n}' for n in outputs)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
