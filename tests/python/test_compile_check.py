"""`idac --compile-check` and `ida-cuda-check BUNDLE/`: every CUDA kernel of
every preset compiles with NVRTC at its default configuration without a GPU,
ptxas reports registers for each program, and nothing spills; a broken
source fails with NVRTC's log and the path of the saved source.

Each case runs NVRTC on a whole bundle (~20 s on 2 cores), so the matrix is
the presets with distinct kernels (ida, ssm with prf weights, mamba2,
softmax; linear and retnet instantiate the same templates as mamba2) for
sm_90 at fp32, ida and softmax for sm_80 at bf16, and the flagship size for
sm_90 at bf16 (tests/unit/cuda_templates covers the kernel programs at more
shapes). bf16 kernels default to the split-bf16 tensor-core matmuls
(MMA=2), so the bf16 cases check that path.
"""
import json
import re
import subprocess

import pytest

from conftest import tool

SMALL = ["--heads", "2", "--head-dim", "32", "--value-dim", "32"]
# The flagship size (N = 4, D = P = 64): its backward's default holds value
# tiles of 32 columns (ida-plan) to fit a block's shared memory.
FLAGSHIP = ["--heads", "2", "--head-dim", "64", "--value-dim", "64"]
PRESETS = {
    "ida": ["--mixer", "ida", "--feature", "elu1", "--basis", "4"],
    "ida-d64": ["--mixer", "ida", "--feature", "elu1", "--basis", "4"],
    "ssm": ["--mixer", "ssm", "--feature", "prf", "--feature-dim", "32", "--basis", "2"],
    "mamba2": ["--mixer", "mamba2"],
    "softmax": ["--mixer", "softmax"],
}
CASES = [(name, "sm_90", "f32") for name in PRESETS] + [
    ("ida", "sm_80", "bf16"), ("softmax", "sm_80", "bf16"), ("ida-d64", "sm_90", "bf16")]


def idac_check(tmp_path, name, arch, dtype):
    out = tmp_path / f"{name}-{arch}-{dtype}"
    dims = FLAGSHIP if name.endswith("-d64") else SMALL
    args = [tool("idac"), "--preset", *PRESETS[name], *dims, "--dtype", dtype,
            "--target", "cuda", "--compile-check", "--arch", arch, "-o", out]
    r = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=600)
    if "built without the CUDA toolkit" in r.stderr:
        pytest.skip("idac was built without the CUDA backend")
    return out, r


@pytest.mark.parametrize("name,arch,dtype", CASES)
def test_every_kernel_compiles_without_spills(tmp_path, name, arch, dtype):
    out, r = idac_check(tmp_path, name, arch, dtype)
    assert r.returncode == 0, f"exit {r.returncode}\n{r.stdout}\n{r.stderr}"
    manifest = json.loads((out / "manifest.json").read_text())
    symbols = [p["symbol"] for k in manifest["kernels"].values() for p in k["programs"]]
    assert symbols, "the bundle has no kernels"
    # Tensor cores: bf16 kernels with matmuls of the mma shape default to
    # MMA=2 (split bf16), {0, 2} in their space; fp32 kernels have no MMA key.
    mma = [k for k in manifest["kernels"].values() if "MMA" in k.get("space", {}).get("keys", [])]
    if dtype == "bf16":
        assert mma, "no bf16 kernel has the MMA key"
        for k in mma:
            assert k["default"]["MMA"] == 2, k["default"]
            col = k["space"]["keys"].index("MMA")
            assert {row[col] for row in k["space"]["configs"]} == {0, 2}
    else:
        assert not mma, "an fp32 kernel has the MMA key"
    for symbol in symbols:
        # symbol, registers, spill stores, spill loads, stack frame, static smem
        row = re.search(rf"^{re.escape(symbol)}\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$",
                        r.stdout, re.M)
        assert row, f"no ptxas row for {symbol}:\n{r.stdout}"
        regs, stores, loads = (int(row.group(i)) for i in (1, 2, 3))
        assert 0 < regs <= 255, f"{symbol}: {regs} registers"
        assert stores == 0 and loads == 0, f"{symbol} spills:\n{r.stdout}"
    assert f"compile check: {len(manifest['kernels'])} kernels, ok" in r.stdout


def test_cpu_only_bundle_is_a_usage_error(tmp_path):
    r = subprocess.run([str(tool("idac")), "--preset", "--mixer", "mamba2", *SMALL,
                        "--target", "cpu", "--compile-check", "-o", str(tmp_path / "b")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    assert "--compile-check checks CUDA kernels" in r.stderr


def test_broken_source_shows_the_log(tmp_path):
    out, r = idac_check(tmp_path, "mamba2", "sm_90", "f32")
    assert r.returncode == 0, r.stderr
    broken = sorted((out / "kernels").glob("*.cu"))[0]
    broken.write_text(broken.read_text().replace("return", "retrun", 1) + "\nint oops = ;\n")
    r = subprocess.run([str(tool("ida-cuda-check")), str(out), "--arch", "sm_90"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 1, r.stdout + r.stderr
    assert f"compile check of kernel {broken.stem}" in r.stderr
    assert "error" in r.stderr and "saved source:" in r.stderr, r.stderr
    # The other kernels are still checked and reported.
    assert "kernels, FAILED" in r.stdout
