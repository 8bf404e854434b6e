"""ida-bench end to end on a tiny shape: the JSON record is complete and every
implementation (generated kernels, unfused fp32 baseline) agrees with the
float64 reference on the benchmarked inputs.

Kept small (one repetition, T=40, D=P=8) so it runs in seconds on two cores;
the kernels are compiled once into IDA_CACHE_DIR (ctest: build/test-cache).
"""
import json
import os
import subprocess

import pytest

from conftest import BIN_DIR, tool

TINY_PRESET = "--mixer ida --feature elu1 --basis 2 --heads 2 --head-dim 8 --value-dim 8"
RECORD_FIELDS = ("preset", "bundle", "shape", "entry", "implementation", "device",
                 "status", "ms", "gflops", "percent_of_peak", "speedup_vs_naive",
                 "rel_err", "rel_err_by_output", "agrees", "useful_flops", "min_bytes")


def idac_path():
    beside = BIN_DIR / "idac"
    if beside.exists():
        return str(beside)
    env = os.environ.get("IDA_IDAC")
    if env and os.path.exists(env):
        return env
    pytest.skip("idac is not built (ida-bench needs it to write the preset bundle)")


def bench_env(tmp_path):
    env = dict(os.environ)
    env["IDA_IDAC"] = idac_path()
    env.setdefault("IDA_CACHE_DIR", str(tmp_path / "cache"))
    env.setdefault("IDA_AUTOTUNE", "0")  # the manifest defaults: no search
    env.setdefault("IDA_NUM_THREADS", "2")
    env.setdefault("OMP_STACKSIZE", "64M")
    return env


def run_bench(tmp_path, *args):
    return subprocess.run([str(tool("ida-bench")), *map(str, args)], capture_output=True,
                          text=True, env=bench_env(tmp_path), timeout=600)


def test_tiny_run_records_every_implementation(tmp_path):
    out = tmp_path / "bench.json"
    r = run_bench(tmp_path, "--preset", TINY_PRESET, "--shape", "1,40,2", "--reps", "1",
                  "--warmup", "0", "--json", out)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "ceilings: fp32 FMA" in r.stdout
    assert "GPU ceiling not measured" in r.stdout or "SGEMM" in r.stdout
    d = json.loads(out.read_text())
    assert d["format"] == "ida-bench/1"
    for key in ("cpu_model", "logical_cpus", "date", "load_average_start"):
        assert key in d["machine"]
    cpu = d["ceilings"]["cpu"]
    assert cpu["fma_gflops"] > 0 and cpu["copy_gbs"] > 0
    gpu = d["ceilings"]["gpu"]
    assert gpu["measured"] or gpu["note"].startswith("GPU ceiling not measured")

    # The preset bundle was written into the cache by idac.
    cache = bench_env(tmp_path)["IDA_CACHE_DIR"]
    bundles = d["settings"]["bundles"]
    assert len(bundles) == 1 and bundles[0].startswith(os.path.join(cache, "bundles"))

    seen = set()
    for rec in d["records"]:
        for field in RECORD_FIELDS:
            assert field in rec, f"record lacks {field}: {rec}"
        assert rec["shape"] == {"B": 1, "T": 40, "H": 2}
        assert rec["status"] == "ok", rec["note"]
        assert rec["ms"] > 0 and rec["gflops"] > 0 and rec["useful_flops"] > 0
        assert rec["rel_err"] is not None and rec["rel_err"] <= 1e-5, rec
        assert rec["agrees"], rec
        assert not rec["unchecked_outputs"], rec
        seen.add((rec["entry"], rec["implementation"]))
    assert seen == {("forward", "naive"), ("forward", "generated"), ("forward", "unfused"),
                    ("forward_vjp", "naive"), ("forward_vjp", "generated"),
                    ("forward_vjp", "unfused"), ("decode", "naive"), ("decode", "generated")}
    bwd = next(r for r in d["records"]
               if r["entry"] == "forward_vjp" and r["implementation"] == "generated")
    assert {"dq", "dk", "dv", "ddt", "dg", "dA_log", "ddt_bias", "dS0"} <= set(
        bwd["rel_err_by_output"])
    assert bwd["config"], "the generated record names its configurations"


def test_static_heads_mismatch_is_one_line_error(tmp_path):
    r = run_bench(tmp_path, "--preset", TINY_PRESET, "--shape", "1,40,3", "--reps", "1")
    assert r.returncode == 1
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("ida-bench: error:") and "the bundle's H is static (2)" in last


def test_cuda_target_without_gpu_fails_cleanly(tmp_path):
    r = run_bench(tmp_path, "--preset", TINY_PRESET, "--shape", "1,40,2", "--reps", "1",
                  "--target", "cuda", "--entry", "decode", "--impl", "naive")
    if r.returncode == 0:
        pytest.skip("a CUDA device is present")
    assert r.returncode == 1
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("ida-bench: error:"), r.stderr
