"""ida-run end to end on the hand-written cumsum bundle (tests/unit/runtime/fixtures).

The bundle's kernel computes y = y0 + cumsum_t(scale[h] * x) with a chunked
two-program scheme; cfg records the compiled configuration. Kernels compile
once into IDA_CACHE_DIR (shared with the C++ tests) except where a test needs
a cold cache.
"""
import os
import shutil
import subprocess

import numpy as np
import pytest

from conftest import SOURCE_DIR, tool

FIXTURE = SOURCE_DIR / "tests" / "unit" / "runtime" / "fixtures" / "cumsum"
ABI_HEADER = SOURCE_DIR / "templates" / "common" / "ida_abi.h"
H = 4


def write_bundle(dest, source_edit=None):
    """Materialises the fixture: the manifest, and the source with the ABI pasted in."""
    (dest / "kernels").mkdir(parents=True)
    shutil.copy(FIXTURE / "manifest.json", dest / "manifest.json")
    text = (FIXTURE / "kernels" / "cumsum.cpp.in").read_text()
    text = text.replace("// @IDA_ABI@", ABI_HEADER.read_text())
    if source_edit:
        text = source_edit(text)
    (dest / "kernels" / "cumsum.cpp").write_text(text)
    return dest


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    return write_bundle(tmp_path_factory.mktemp("bundle") / "cumsum")


def run_tool(*args, env=None):
    return subprocess.run([str(tool("ida-run")), *map(str, args)], capture_output=True,
                          text=True, env=env, timeout=120)


def expected(x, scale, y0=None):
    y = np.cumsum(x.astype(np.float64) * scale.astype(np.float64), axis=1)
    if y0 is not None:
        y += y0.astype(np.float64)[:, None, :]
    return y


def save(path, array):
    np.save(path, array)
    return path


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("T", [1, 17, 100])
def test_matches_numpy(bundle, tmp_path, rng, dtype, T):
    B = 2
    x = rng.standard_normal((B, T, H)).astype(dtype)
    scale = rng.standard_normal(H).astype(dtype)
    y0 = rng.standard_normal((B, H)).astype(dtype)
    r = run_tool(bundle, "--entry", "forward",
                 "--in", f"x={save(tmp_path / 'x.npy', x)}",
                 "--in", f"scale={save(tmp_path / 'scale.npy', scale)}",
                 "--in", f"y0={save(tmp_path / 'y0.npy', y0)}",
                 "--out", f"y={tmp_path / 'y.npy'}", "--out", f"cfg={tmp_path / 'cfg.npy'}")
    assert r.returncode == 0, r.stderr
    y = np.load(tmp_path / "y.npy")
    assert y.dtype == np.float32 and y.shape == (B, T, H)
    np.testing.assert_allclose(y, expected(x, scale, y0), atol=1e-4)
    assert np.load(tmp_path / "cfg.npy").tolist() == [16, 1]


def test_optional_input_absent_and_out_dir(bundle, tmp_path, rng):
    x = rng.standard_normal((3, 20, H)).astype(np.float32)
    scale = rng.standard_normal(H).astype(np.float32)
    out = tmp_path / "out"
    out.mkdir()
    r = run_tool(bundle, "--in", f"x={save(tmp_path / 'x.npy', x)}",
                 "--in", f"scale={save(tmp_path / 'scale.npy', scale)}", "--out-dir", out)
    assert r.returncode == 0, r.stderr
    np.testing.assert_allclose(np.load(out / "y.npy"), expected(x, scale), atol=1e-4)
    assert np.load(out / "cfg.npy").dtype == np.int64


def test_forced_config(bundle, tmp_path, rng):
    x = rng.standard_normal((1, 30, H)).astype(np.float32)
    scale = np.ones(H, np.float32)
    r = run_tool(bundle, "--in", f"x={save(tmp_path / 'x.npy', x)}",
                 "--in", f"scale={save(tmp_path / 'scale.npy', scale)}",
                 "--config", "C=7", "--config", "cumsum.BV=2",
                 "--out", f"y={tmp_path / 'y.npy'}", "--out", f"cfg={tmp_path / 'cfg.npy'}")
    assert r.returncode == 0, r.stderr
    assert np.load(tmp_path / "cfg.npy").tolist() == [7, 2]
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), expected(x, scale), atol=1e-4)


def test_list(bundle):
    r = run_tool(bundle, "--list")
    assert r.returncode == 0, r.stderr
    assert "entry forward" in r.stdout
    assert "in   x: f32 [B, T, H]" in r.stdout
    assert "in   y0: f32 [B, H] (optional)" in r.stdout
    assert "out  cfg: i64 [2]" in r.stdout
    assert "default [C=16,BV=1], 2 configs" in r.stdout


def test_second_run_hits_the_disk_cache(bundle, tmp_path, rng):
    # Tuning off: this test counts binaries of the default config only.
    env = dict(os.environ, IDA_CACHE_DIR=str(tmp_path / "cache"), IDA_VERBOSE="1",
               IDA_AUTOTUNE="0")
    x = save(tmp_path / "x.npy", rng.standard_normal((1, 5, H)).astype(np.float32))
    s = save(tmp_path / "s.npy", np.ones(H, np.float32))
    args = [bundle, "--in", f"x={x}", "--in", f"scale={s}"]
    first = run_tool(*args, env=env)
    assert first.returncode == 0, first.stderr
    assert "compiling kernel 'cumsum'" in first.stderr
    second = run_tool(*args, env=env)
    assert second.returncode == 0, second.stderr
    assert "cache hit for kernel 'cumsum'" in second.stderr
    assert "compiling" not in second.stderr
    assert len(list((tmp_path / "cache" / "cpu").glob("*.so"))) == 1


def one_line_error(result):
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_argument_errors_are_one_line(bundle, tmp_path):
    x = save(tmp_path / "x.npy", np.zeros((2, 100, 5), np.float32))
    s = save(tmp_path / "s.npy", np.zeros(H, np.float32))
    msg = one_line_error(run_tool(bundle, "--in", f"x={x}", "--in", f"scale={s}"))
    assert msg == ("ida-run: error: input 'x': expected shape [B, T, H] "
                   "(B=2, T=100 from 'x', H=4 static), got [2, 100, 5]")
    msg = one_line_error(run_tool(bundle, "--in", f"scale={s}"))
    assert "missing input 'x'" in msg
    msg = one_line_error(run_tool(bundle, "--in", f"x={x}", "--in", f"scale={s}",
                                  "--out", f"z={tmp_path / 'z.npy'}"))
    assert "entry 'forward' has no output 'z' (outputs: y, cfg)" in msg
    msg = one_line_error(run_tool(bundle, "--in", f"x={tmp_path / 'none.npy'}"))
    assert "input 'x'" in msg and "none.npy" in msg
    good = save(tmp_path / "good.npy", np.zeros((2, 100, H), np.float32))
    msg = one_line_error(run_tool(bundle, "--in", f"x={good}", "--in", f"scale={s}",
                                  "--config", "NUM_WARPS=4"))
    assert "'NUM_WARPS' is not a tuning key" in msg
    msg = one_line_error(run_tool(tmp_path / "nowhere", "--list"))
    assert "does not exist" in msg


def test_cuda_target_is_a_clear_error(bundle, tmp_path):
    # Without a GPU (or CUDA backend) the device is unavailable; with one, the
    # CPU-only fixture has no CUDA source. Either way: one clear line, before
    # any argument is looked at.
    x = save(tmp_path / "x.npy", np.zeros((1, 3, H), np.float32))
    msg = one_line_error(run_tool(bundle, "--target", "cuda", "--in", f"x={x}"))
    assert "cuda" in msg.lower() and "missing input" not in msg, msg


def test_compile_error_names_the_saved_source(tmp_path):
    broken = write_bundle(tmp_path / "broken",
                          lambda t: t.replace("cfg[0] = IDA_CFG_C;", "cfg[0] = IDA_CFG_C +;"))
    env = dict(os.environ, IDA_CACHE_DIR=str(tmp_path / "cache"))
    x = save(tmp_path / "x.npy", np.zeros((1, 3, H), np.float32))
    s = save(tmp_path / "s.npy", np.zeros(H, np.float32))
    msg = one_line_error(run_tool(broken, "--in", f"x={x}", "--in", f"scale={s}", env=env))
    assert "compiling kernel 'cumsum' [BV=1,C=16] for cpu failed" in msg
    saved = msg.split("(source: ")[1].split(";")[0]
    assert saved.startswith(str(tmp_path / "cache" / "cpu")) and os.path.exists(saved)
    verbose = run_tool(broken, "--in", f"x={x}", "--in", f"scale={s}",
                       env=dict(env, IDA_VERBOSE="1"))
    assert verbose.returncode != 0
    assert "compiler log:" in verbose.stderr and "error" in verbose.stderr


def test_usage_errors_exit_2(bundle):
    r = run_tool(bundle, "--target", "tpu")
    assert r.returncode == 2
    r = run_tool()
    assert r.returncode == 2
    assert run_tool("--help").returncode == 0
