"""Shared pytest fixtures: where the build tree and its tools are."""
import os
import pathlib
import zlib

import numpy as np
import pytest

SOURCE_DIR = pathlib.Path(os.environ.get("IDA_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
BUILD_DIR = pathlib.Path(os.environ.get("IDA_BUILD_DIR", SOURCE_DIR / "build"))
BIN_DIR = BUILD_DIR / "bin"


@pytest.fixture
def rng(request):
    """A fresh generator per test, seeded from the test's name so failures reproduce."""
    # The test's name, not its node id: the id depends on pytest's rootdir.
    seed = zlib.crc32(request.node.name.encode())
    return np.random.default_rng(seed)


def tool(name: str) -> pathlib.Path:
    """Path of a built tool; skips the test when it was not built."""
    path = BIN_DIR / name
    if not path.exists():
        pytest.skip(f"{name} not built in {BIN_DIR}")
    return path


# --- the ida Python package (python/, built with -DIDA_ENABLE_PYTHON=ON) -----
# The build tree holds it in BUILD_DIR/python/ida (the .py files next to the
# extension); that copy wins over an installed one.
PYTHON_PKG_DIR = BUILD_DIR / "python"


def import_ida():
    """The ida package of the build tree; skips the test when it was not built."""
    import sys
    if (PYTHON_PKG_DIR / "ida").is_dir() and str(PYTHON_PKG_DIR) not in sys.path:
        sys.path.insert(0, str(PYTHON_PKG_DIR))
    try:
        import ida
    except ImportError as e:
        pytest.skip(f"the ida Python package is not built in {PYTHON_PKG_DIR} "
                    f"(configure with -DIDA_ENABLE_PYTHON=ON): {e}")
    return ida
