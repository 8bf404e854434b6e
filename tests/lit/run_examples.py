#!/usr/bin/env python3
"""Runs ida-opt on every .mlir file under examples/: parse + verify, round
trip through the printer and --canonicalize; every file outside
examples/showcase/ (dialect showcases that are not meant to compile) must
also go through --ida-pipeline, whose kernel-level output must re-parse.
Prints one line per example and exits non-zero if any fails (used by
examples.test)."""

import pathlib
import subprocess
import sys


def run(cmd, stdin=None):
    return subprocess.run(cmd, input=stdin, capture_output=True, text=True)


def main():
    ida_opt, examples = sys.argv[1], pathlib.Path(sys.argv[2])
    files = sorted(examples.rglob("*.mlir"))
    if not files:
        print(f"no examples found in {examples}")
        return 1
    failed = 0
    for path in files:
        name = path.relative_to(examples).as_posix()
        steps = [("parse", run([ida_opt, str(path)]))]
        if steps[-1][1].returncode == 0:
            steps.append(("roundtrip", run([ida_opt], steps[0][1].stdout)))
            steps.append(("canonicalize", run([ida_opt, "--canonicalize", str(path)])))
            if not name.startswith("showcase/"):
                pipeline = run([ida_opt, "--ida-pipeline", str(path)])
                steps.append(("pipeline", pipeline))
                if pipeline.returncode == 0:
                    steps.append(("pipeline-reparse", run([ida_opt], pipeline.stdout)))
        bad = [(step, r) for step, r in steps if r.returncode != 0]
        if bad:
            failed += 1
            step, r = bad[0]
            print(f"FAIL {name} ({step})\n{r.stderr}")
        else:
            print(f"PASS {name}")
    print(f"{len(files) - failed} of {len(files)} examples passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
