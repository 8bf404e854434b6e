"""ida-tune and the autotuner behind ida-run, on the hand-written tunable bundle
(tests/unit/autotune/fixtures/tunable: a chunked scan y = cumsum_t(2 x) whose
tuning space has a configuration that does not compile and one that computes a
wrong answer). Every test uses its own IDA_CACHE_DIR, so records never leak
between tests.
"""
import json
import os
import shutil
import subprocess

import numpy as np
import pytest

from conftest import SOURCE_DIR, tool

FIXTURE = SOURCE_DIR / "tests" / "unit" / "autotune" / "fixtures" / "tunable"
ABI_HEADER = SOURCE_DIR / "templates" / "common" / "ida_abi.h"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    dest = tmp_path_factory.mktemp("bundle") / "tunable"
    (dest / "kernels").mkdir(parents=True)
    shutil.copy(FIXTURE / "manifest.json", dest / "manifest.json")
    text = (FIXTURE / "kernels" / "scan.cpp.in").read_text()
    (dest / "kernels" / "scan.cpp").write_text(
        text.replace("// @IDA_ABI@", ABI_HEADER.read_text()))
    return dest


def env_for(cache, **extra):
    env = dict(os.environ, IDA_CACHE_DIR=str(cache), IDA_AUTOTUNE_REPEATS="3",
               IDA_AUTOTUNE_WARMUP="1")
    for key in ("IDA_TUNING_FILE", "IDA_AUTOTUNE", "IDA_PRINT_AUTOTUNING", "IDA_CONFIG"):
        env.pop(key, None)
    env.update(extra)
    return env


def run(name, *args, env):
    return subprocess.run([str(tool(name)), *map(str, args)], capture_output=True,
                          text=True, env=env, timeout=300)


def records_file(cache):
    files = sorted((cache / "tuning").glob("*.json"))
    assert len(files) == 1, files
    return files[0]


def test_table_export_and_import(bundle, tmp_path):
    env = env_for(tmp_path / "a")
    r = run("ida-tune", bundle, "--shape", "2,100,3", "--target", "cpu",
            "--export", tmp_path / "export.json", env=env)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "kernel scan  B=2 T=100 H=3  bucket [T<=128, B*H<=8]" in out
    assert "median ms" in out and "ratio" in out
    assert "C=5,BV=1,NUM_WARPS=4,BAD=0" in out and "pruned: compile failed" in out
    assert "rejected: output 'y' differs from the baseline" in out
    assert " best" in out and "1.00x" in out
    assert "exported 1 records" in out
    exported = json.loads((tmp_path / "export.json").read_text())
    assert exported["format"] == "ida-tuning/1"
    assert exported["_metadata"]["target"] == "cpu"
    (key, record), = exported["records"].items()
    assert key.startswith("scan@") and key.endswith("/T128.BH8")
    assert record["config"]["BAD"] == 0

    # Another cache (another machine with the same CPU and compiler): import,
    # then ida-tune answers from the records without measuring.
    env_b = env_for(tmp_path / "b")
    r = run("ida-tune", bundle, "--import", tmp_path / "export.json",
            "--shape", "2,120,3", "--target", "cpu", env=env_b)
    assert r.returncode == 0, r.stderr
    assert "imported 1 records" in r.stdout
    assert "from records:" in r.stdout
    imported = json.loads(records_file(tmp_path / "b").read_text())
    assert imported["records"][key]["config"] == record["config"]
    assert imported["records"][key]["source"] == "imported"


def test_foreign_import_is_refused(bundle, tmp_path):
    env = env_for(tmp_path / "a")
    assert run("ida-tune", bundle, "--shape", "1,16,2", "--target", "cpu",
               "--export", tmp_path / "e.json", env=env).returncode == 0
    data = json.loads((tmp_path / "e.json").read_text())
    data["_metadata"]["device"] = "cuda: Imaginary GPU (sm_99)"
    (tmp_path / "bad.json").write_text(json.dumps(data))
    r = run("ida-tune", bundle, "--import", tmp_path / "bad.json", "--target", "cpu",
            env=env)
    assert r.returncode == 1
    assert "ida-tune: error: --import:" in r.stderr


def test_ida_run_tunes_once_then_reuses(bundle, tmp_path):
    env = env_for(tmp_path / "cache", IDA_PRINT_AUTOTUNING="1")
    x = np.random.default_rng(0).standard_normal((2, 50, 3)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    args = [bundle, "--in", f"x={tmp_path / 'x.npy'}", "--out", f"y={tmp_path / 'y.npy'}",
            "--target", "cpu"]
    first = run("ida-run", *args, env=env)
    assert first.returncode == 0, first.stderr
    assert "ida: autotuned kernel 'scan' [T<=64, B*H<=8]" in first.stderr
    assert np.allclose(np.load(tmp_path / "y.npy"), np.cumsum(2.0 * x, axis=1), atol=1e-4)
    second = run("ida-run", *args, env=env)
    assert second.returncode == 0, second.stderr
    assert "autotuned" not in second.stderr
    assert np.allclose(np.load(tmp_path / "y.npy"), np.cumsum(2.0 * x, axis=1), atol=1e-4)

    # IDA_AUTOTUNE=0: the manifest default, nothing timed or written.
    off = env_for(tmp_path / "off", IDA_AUTOTUNE="0", IDA_PRINT_AUTOTUNING="1",
                  IDA_VERBOSE="1")
    r = run("ida-run", *args, env=off)
    assert r.returncode == 0, r.stderr
    assert "autotuned" not in r.stderr
    assert "runs [C=16,BV=1,NUM_WARPS=4,BAD=0] (default)" in r.stderr
    assert not (tmp_path / "off" / "tuning").exists()


def test_ida_run_honours_the_tuning_file(bundle, tmp_path):
    env = env_for(tmp_path / "a")
    assert run("ida-tune", bundle, "--shape", "1,40,2", "--target", "cpu",
               "--export", tmp_path / "shared.json", env=env).returncode == 0
    data = json.loads((tmp_path / "shared.json").read_text())
    (key, record), = data["records"].items()
    record["config"] = {"C": 32, "BV": 1, "NUM_WARPS": 4, "BAD": 0}
    (tmp_path / "shared.json").write_text(json.dumps(data))

    x = np.ones((1, 40, 2), np.float32)
    np.save(tmp_path / "x.npy", x)
    ro = env_for(tmp_path / "b", IDA_TUNING_FILE=str(tmp_path / "shared.json"),
                 IDA_VERBOSE="1", IDA_PRINT_AUTOTUNING="1")
    r = run("ida-run", bundle, "--in", f"x={tmp_path / 'x.npy'}", "--target", "cpu",
            env=ro)
    assert r.returncode == 0, r.stderr
    assert "runs [C=32,BV=1,NUM_WARPS=4,BAD=0] (selector)" in r.stderr
    assert "autotuned" not in r.stderr
    assert not (tmp_path / "b" / "tuning").exists()


def test_usage_errors(bundle, tmp_path):
    env = env_for(tmp_path / "a")
    r = run("ida-tune", bundle, env=env)
    assert r.returncode == 1 and "nothing to do" in r.stderr
    r = run("ida-tune", bundle, "--shape", "1,x,2", env=env)
    assert r.returncode == 1 and "--shape '1,x,2'" in r.stderr
    r = run("ida-tune", bundle, "--shape", "1,8,2", "--target", "tpu", env=env)
    assert r.returncode == 2
