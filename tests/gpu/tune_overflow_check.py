#!/usr/bin/env python3
"""The autotuner on CUDA with a configuration whose tiles do not fit a block
(tests/gpu/run.sh, bundle stage; docs/autotuning.md).

Copies one bundle of gpu-bundles/ (the flagship elu1, N=4, D=P=64, fp32),
narrows its forward kernel's tuning space to three rows -- the default
(C=32, BV=64: ~197 KB of tile arena), C=64 (~341 KB: more than any GPU block
has) and C=16 -- and runs `ida-tune --target cuda` on it. Expected: the C=64
candidate is pruned with "shared-memory arena: needs >= N bytes, block has
M", and the candidate searched after it still runs (a lost CUDA context
would fail every later launch). Then `ida-run --config C=64` must fail with
the launcher's ArenaOverflowError message (one line, exit 1), not a CUDA
launch failure.

Writes the ida-tune table, the ida-run message and one summary line
(candidates, ok, pruned, arena overflows, rejected, failed) to
OUT/tune_overflow.out. Exit 0 when everything above holds, 1 otherwise.
With --target cpu (a dry run without a GPU) nothing overflows, so only the
flow is checked.

usage: tune_overflow_check.py --ida-tune PATH --ida-run PATH --out DIR
                              [--bundles gpu-bundles] [--target cuda]
"""
import argparse
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time

BUNDLE = "elu1-n4-d64-f32"
ARENA = re.compile(r"pruned: shared-memory arena: needs >= (\d+) bytes, block has (\d+)")


def narrow_space(manifest):
    """The forward kernel's space becomes [default, C=64, C=16]; returns the
    kernel's name and the three configurations as dicts."""
    kernel = manifest["entries"]["forward"]["steps"][0]["kernel"]
    k = manifest["kernels"][kernel]
    keys = k["space"]["keys"]
    default = dict(k["default"])
    rows = []
    for c in (None, 64, 16):
        row = dict(default)
        if c is not None:
            row["C"] = c
        rows.append(row)
    k["space"]["configs"] = [[r[key] for key in keys] for r in rows]
    return kernel, rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ida-tune", required=True)
    ap.add_argument("--ida-run", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--bundles", default=str(pathlib.Path(__file__).resolve().parents[2] / "gpu-bundles"))
    ap.add_argument("--target", default="cuda")
    a = ap.parse_args()
    out_dir = pathlib.Path(a.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    log = open(out_dir / "tune_overflow.out", "w")

    def say(text):
        print(text)
        log.write(text + "\n")
        log.flush()

    src = pathlib.Path(a.bundles) / BUNDLE
    if not (src / "manifest.json").exists():
        say(f"FAIL tune-overflow: no bundle {src} (run scripts/make-gpu-bundles.sh)")
        return 1
    cu = [p for p in (src / "kernels").glob("*.cu")]
    if a.target == "cuda" and not any("ida_arena_status" in p.read_text() for p in cu):
        say(f"FAIL tune-overflow: {src} predates the arena status (its kernels would trap "
            "and lose the context); regenerate gpu-bundles with scripts/make-gpu-bundles.sh")
        return 1

    ok = True
    with tempfile.TemporaryDirectory(prefix="ida-tune-overflow-") as tmp:
        bundle = pathlib.Path(tmp) / BUNDLE
        shutil.copytree(src, bundle, ignore=shutil.ignore_patterns("check"))
        manifest = json.loads((bundle / "manifest.json").read_text())
        kernel, rows = narrow_space(manifest)
        (bundle / "manifest.json").write_text(json.dumps(manifest, indent=1))
        say(f"== ida-tune {BUNDLE} --target {a.target}, kernel {kernel}, space "
            + " | ".join(",".join(f"{k}={v}" for k, v in r.items()) for r in rows))
        env = dict(os.environ, IDA_PRINT_AUTOTUNING="1")
        t0 = time.time()
        r = subprocess.run([a.ida_tune, str(bundle), "--shape", "2,200,2", "--target", a.target,
                            "--entry", "forward", "--retune"],
                           capture_output=True, text=True, env=env)
        say(r.stdout.rstrip())
        if r.stderr.strip():
            say(r.stderr.rstrip())
        say(f"   ida-tune exit {r.returncode} in {time.time() - t0:.1f} s")
        lines = [l for l in r.stdout.splitlines() if re.match(r"^\s+\S+=\S+", l)]
        status = []
        for l in lines:
            m = re.search(r"\s(best|ok|pruned|rejected|failed)\b", l)
            status.append(m.group(1) if m else "?")
        arena = [ARENA.search(l) for l in lines]
        overflows = sum(1 for m in arena if m)
        counts = {s: status.count(s) for s in ("best", "ok", "pruned", "rejected", "failed")}
        say(f"tune-overflow: {len(lines)} candidates, {counts['best'] + counts['ok']} ok, "
            f"{counts['pruned']} pruned ({overflows} arena overflow), {counts['rejected']} "
            f"rejected, {counts['failed']} failed")
        if r.returncode != 0:
            say("FAIL tune-overflow: ida-tune failed")
            ok = False
        if counts["failed"]:
            say("FAIL tune-overflow: a candidate failed to launch (a lost CUDA context fails "
                "every launch after it)")
            ok = False
        if a.target == "cuda":
            over = [i for i, m in enumerate(arena) if m]
            if not over:
                say("FAIL tune-overflow: the C=64 candidate was not pruned for its arena")
                ok = False
            else:
                need, have = int(arena[over[0]].group(1)), int(arena[over[0]].group(2))
                if need <= have:
                    say(f"FAIL tune-overflow: needs {need} <= has {have}")
                    ok = False
                after = status[over[0] + 1:]
                if not after or after[0] not in ("ok", "best"):
                    say("FAIL tune-overflow: the candidate after the overflow did not run "
                        f"({after[:1]})")
                    ok = False

            # The launcher's path: a forced configuration that does not fit.
            case = src / "check" / "forward-T200"
            with tempfile.TemporaryDirectory() as o:
                args = [a.ida_run, str(bundle), "--entry", "forward", "--target", a.target,
                        "--out-dir", o, "--config", "C=64"]
                for f in sorted((case / "in").iterdir()):
                    args += ["--in", f"{f.stem}={f}"]
                r = subprocess.run(args, capture_output=True, text=True,
                                   env=dict(os.environ, IDA_AUTOTUNE="0"))
            msg = r.stderr.strip()
            say(f"== ida-run --config C=64: exit {r.returncode}: {msg[-800:]}")
            if r.returncode == 0 or "ran out of shared memory for its tiles" not in msg:
                say("FAIL tune-overflow: ida-run with C=64 did not report the arena overflow")
                ok = False
    say("tune-overflow: " + ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
