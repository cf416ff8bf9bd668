"""mantle-lint against parliament 1.6.4 on the AWS managed policy corpus, whole processes, same files.

    python benchmarks/lint_vs_parliament.py [CORPUS_DIR]

Each tool runs as its users install it: parliament from its own venv (benchmarks/.work/parliament-venv,
created on first use with pip), mantle-lint from a venv where this checkout is pip-installed as a wheel
(benchmarks/.work/mantlekit-venv, reinstalled on every run so it measures the code as it is). pip compiles
both to bytecode at install, so neither pays for compiling its sources. mantle-lint's own dependencies are
not imported when linting JSON policy files, so that venv holds only mantlekit and PyYAML.

Files that crash parliament are found once (in-process, per file) and left out for both tools, so both read
the same set. mantle-lint is timed with its default (one process per core) and with ``--jobs 1``. Also
times a one-file cold start of mantle-lint. Prints medians; not a test.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
WORK = os.path.join(HERE, ".work")
PVENV = os.path.join(WORK, "parliament-venv")
PBIN = os.path.join(PVENV, "bin")
MVENV = os.path.join(WORK, "mantlekit-venv")
MBIN = os.path.join(MVENV, "bin")

_FIND_CRASHERS = r"""
import json, os, sys
from parliament import analyze_policy_string
bad = []
for name in sorted(os.listdir(sys.argv[1])):
    try:
        analyze_policy_string(open(os.path.join(sys.argv[1], name)).read())
    except Exception as e:
        bad.append(name)
print(json.dumps(bad))
"""


def _time(cmd: list[str], runs: int) -> tuple[float, int]:
    times, code = [], 0
    for _ in range(runs):
        t = time.perf_counter()
        code = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
        times.append(time.perf_counter() - t)
    return statistics.median(times), code


def _install_mantlekit() -> None:
    if not os.path.exists(os.path.join(MBIN, "python")):
        subprocess.run([sys.executable, "-m", "venv", MVENV], check=True)
    pip = [os.path.join(MBIN, "pip"), "install", "-qq", "-c", os.path.join(ROOT, "constraints.txt")]
    subprocess.run([*pip, "PyYAML"], check=True)
    subprocess.run([*pip, "--no-deps", "--force-reinstall", ROOT], check=True)


def main() -> None:
    corpus = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared", "corpus", "aws-managed")
    if not os.path.exists(os.path.join(PBIN, "parliament")):
        subprocess.run([sys.executable, "-m", "venv", PVENV], check=True)
        subprocess.run([os.path.join(PBIN, "pip"), "install", "-qq", "parliament==1.6.4"], check=True)
    _install_mantlekit()
    out = subprocess.run([os.path.join(PBIN, "python"), "-c", _FIND_CRASHERS, corpus], capture_output=True, text=True)
    crashers = set(__import__("json").loads(out.stdout or "[]"))
    lint = [os.path.join(MBIN, "mantle-lint"), "--no-config", "--fail-on", "never"]
    with tempfile.TemporaryDirectory() as tmp:
        for name in os.listdir(corpus):
            if name.endswith(".json") and name not in crashers:
                shutil.copy(os.path.join(corpus, name), tmp)
        n = len(os.listdir(tmp))
        _time([*lint, tmp], 1)  # warm the page cache for both
        ours, code = _time([*lint, tmp], 7)
        serial, _ = _time([*lint, "--jobs", "1", tmp], 5)
        theirs, _ = _time([os.path.join(PBIN, "parliament"), "--directory", tmp], 3)
    one = os.path.join(ROOT, "policies", "mantle-long-term-key.json")
    cold, _ = _time([*lint, one], 10)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"files: {n} (left out, crash parliament: {', '.join(sorted(crashers)) or 'none'}); cores: {cores}")
    print(f"parliament 1.6.4: {theirs:.2f} s")
    print(f"mantle-lint:           {ours:.3f} s (exit {code})  ratio: {theirs / ours:.1f}x")
    print(f"mantle-lint --jobs 1:  {serial:.3f} s            ratio: {theirs / serial:.1f}x")
    print(f"mantle-lint one file, cold: {cold * 1000:.0f} ms")


if __name__ == "__main__":
    main()
