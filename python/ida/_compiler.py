"""Finding and running idac, and the on-disk cache of compiled bundles.

ida.layer() and ida.compile() call the idac executable, found in this order:

1. ``$IDA_IDAC`` (a path to the program);
2. ``ida/bin/idac`` inside the installed package (wheels built with the compiler);
3. the build tree's ``bin/idac`` recorded in ``ida/_build_info.py`` at build time;
4. ``idac`` on ``PATH``.

Bundles are written to ``<cache_dir>/bundles/<key>/``, where key is a SHA-256
over the idac identity (resolved path, size and modification time), the
command-line flags and, for ida.compile(), the graph text. A bundle is written
to a temporary directory first and renamed into place, so concurrent processes
never see a partial bundle.
"""
import hashlib
import os
import pathlib
import shutil
import subprocess
import tempfile

from . import _ida

try:
    from . import _build_info
except ImportError:  # pragma: no cover - a bare source checkout
    _build_info = None


def find_idac():
    """Path of the idac executable, or None when there is none."""
    env = os.environ.get("IDA_IDAC")
    if env:
        return env if os.path.isfile(env) else None
    here = pathlib.Path(__file__).resolve().parent
    candidates = [here / "bin" / "idac"]
    if _build_info is not None and _build_info.IDAC:
        candidates.append(pathlib.Path(_build_info.IDAC))
    for c in candidates:
        if c.is_file() and os.access(c, os.X_OK):
            return str(c)
    return shutil.which("idac")


def require_idac():
    path = find_idac()
    if path is None:
        raise _ida.UnavailableError(
            "the IDA compiler (idac) was not found: build it "
            "(-DIDA_ENABLE_COMPILER=ON, needs MLIR 19), put it on PATH or set "
            "IDA_IDAC; without it, load ahead-of-time bundles with "
            "ida.load(bundle_dir)")
    return path


def _idac_identity(path):
    real = os.path.realpath(path)
    st = os.stat(real)
    return f"{real}:{st.st_size}:{st.st_mtime_ns}"


def cache_dir():
    """Root of IDA's on-disk caches (bundles, kernel binaries, tuning records)."""
    return _ida.cache_dir()


def run_idac(args, key_material, graph_text=None):
    """Runs ``idac ARGS -o DIR`` into the bundle cache unless it is there.

    Returns the bundle directory. ``key_material`` (a string) together with
    the idac identity and ``args`` keys the cache entry.
    """
    idac = require_idac()
    h = hashlib.sha256()
    for part in ("ida-python-bundle/1", _idac_identity(idac), "\0".join(args),
                 key_material):
        h.update(len(part).to_bytes(8, "little"))
        h.update(part.encode())
    key = h.hexdigest()[:32]
    root = pathlib.Path(cache_dir()) / "bundles"
    final = root / key
    if (final / "manifest.json").is_file():
        return final
    root.mkdir(parents=True, exist_ok=True)
    tmp = pathlib.Path(tempfile.mkdtemp(prefix=f".{key}.", dir=root))
    try:
        cmd = [idac, *args]
        if graph_text is not None:
            graph = tmp / "input.mlir"
            graph.write_text(graph_text)
            cmd.insert(1, str(graph))
        out = tmp / "bundle"
        cmd += ["-q", "-o", str(out)]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            raise _ida.CompileError(
                "idac failed (exit {}): {}\n{}".format(
                    r.returncode, " ".join(cmd), (r.stderr or r.stdout).strip()))
        try:
            os.rename(out, final)
        except OSError:
            # Another process got there first; its bundle is as good.
            if not (final / "manifest.json").is_file():
                raise
        return final
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
