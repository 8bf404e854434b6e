#!/usr/bin/env python3
"""MQAR accuracy against state size, one line per mixer (docs/recall.md).

    python3 benchmarks/plot_recall.py [RESULTS_DIR] [--png docs/recall.png]

Reads the ``--json`` files of ``ida-train`` runs (benchmarks/recall_sweep.sh
writes them), prints a markdown table (one row per run) and draws one panel
per sequence length: final held-out accuracy against the mixer's state size
per head, one line per mixer. Softmax attention keeps a KV cache that grows
with T instead of a fixed state; it is drawn as a horizontal reference line.
matplotlib is needed only for the PNG (``--no-png`` prints the table alone).
"""
import argparse
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
MIXERS = ["ida", "ssm", "mamba2"]  # fixed-state mixers, in legend order


def load_runs(folder):
    runs = []
    for path in sorted(pathlib.Path(folder).glob("*.json")):
        with open(path) as f:
            j = json.load(f)
        cfg = j["config"]
        runs.append({
            "name": path.stem,
            "mixer": cfg["mixer"],
            "seq_len": cfg["seq_len"],
            "pairs": cfg["pairs"],
            "state": j["state_size_per_head"],
            "accuracy": j["final_accuracy"],
            "loss": j["final_loss"],
            "tokens_per_s": j["tokens_per_s"],
            "steps": j["end_step"],
            "core": j.get("mixer_core", ""),
            "target": j.get("target", ""),
            "seed": cfg.get("seed", 0),
        })
    if not runs:
        sys.exit(f"plot_recall.py: no *.json in {folder}")
    return runs


def table(runs):
    lines = ["| T | K | mixer | state / head | seed | accuracy | loss | tokens/s | steps |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|"]
    order = {m: i for i, m in enumerate(MIXERS + ["softmax"])}
    for r in sorted(runs, key=lambda r: (r["seq_len"], order.get(r["mixer"], 9), r["state"],
                                         r["seed"])):
        lines.append(f"| {r['seq_len']} | {r['pairs']} | {r['mixer']} | {r['state']:,} | "
                     f"{r['seed']} | {r['accuracy']:.3f} | {r['loss']:.3f} | "
                     f"{r['tokens_per_s']:,.0f} | {r['steps']} |")
    return "\n".join(lines)


def seed_means(runs):
    """(mixer, T, state) -> (mean, min, max) accuracy over the seeds run."""
    groups = {}
    for r in runs:
        groups.setdefault((r["mixer"], r["seq_len"], r["state"]), []).append(r["accuracy"])
    return {k: (sum(v) / len(v), min(v), max(v), len(v)) for k, v in groups.items()}


def plot(runs, png):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    seqs = sorted({r["seq_len"] for r in runs})
    means = seed_means(runs)
    fig, axes = plt.subplots(1, len(seqs), figsize=(5 * len(seqs), 4), squeeze=False)
    for ax, T in zip(axes[0], seqs):
        here = [r for r in runs if r["seq_len"] == T]
        for mixer in MIXERS:
            # The mean over seeds, the bar from the worst to the best seed.
            pts = sorted((st, *means[(m, t, st)]) for (m, t, st) in means
                         if m == mixer and t == T)
            if pts:
                ax.errorbar([p[0] for p in pts], [p[1] for p in pts],
                            yerr=[[p[1] - p[2] for p in pts], [p[3] - p[1] for p in pts]],
                            marker="o", capsize=3, label=mixer)
        for (m, t, st), (mean, lo, hi, n) in means.items():
            if m == "softmax" and t == T:
                ax.axhline(mean, color="gray", linestyle="--",
                           label=f"softmax (KV cache {st:,})")
        ax.set_xscale("log", base=2)
        ax.set_xlabel("state size per head (floats)")
        ax.set_ylabel("MQAR accuracy (held out)")
        ax.set_ylim(0, 1.02)
        ax.set_title(f"T = {T}, {here[0]['pairs']} pairs")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(png, dpi=120)
    print(f"wrote {png}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results", nargs="?", default=ROOT / "benchmarks/results/recall")
    ap.add_argument("--png", default=ROOT / "docs/recall.png")
    ap.add_argument("--no-png", action="store_true")
    a = ap.parse_args()
    runs = load_runs(a.results)
    print(table(runs))
    if not a.no_png:
        plot(runs, a.png)


if __name__ == "__main__":
    main()
