#!/usr/bin/env python3
"""What installing mantlekit costs, per job: the linter alone, with the CDK extra, with the live extra.

    .venv/bin/python benchmarks/install_size.py [--runs 3] [--variants linter,cdk,live]

Builds this checkout's wheel once (``pip wheel --no-deps``), then for each variant installs it into fresh
venvs under ``benchmarks/.work/install-size/`` with ``pip install -c constraints.txt`` (the versions we
test with). A first, untimed install warms pip's cache, so the timed runs measure installing, not
downloading. Prints, per variant, the median install time of ``--runs`` fresh venvs, the size of
site-packages that the install added (pip itself and what ``python -m venv`` put there are subtracted)
and how many distributions it added. Goal for the linter alone: under 10 s and under 40 MB.
Not a test; nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / ".work" / "install-size"
EXTRAS = {"linter": "", "cdk": "[cdk]", "live": "[live]"}
ENV = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def build_wheel() -> Path:
    dist = WORK / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-qq", "--no-deps", "-w", str(dist), str(ROOT)], check=True, env=ENV
    )
    return next(dist.glob("mantlekit-*.whl"))


def site_packages(venv: Path) -> Path:
    return next((venv / "lib").glob("python3*/site-packages"))


def tree_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def distributions(venv: Path) -> set[str]:
    return {p.name.split("-")[0].lower() for p in site_packages(venv).glob("*.dist-info")}


def install(wheel: Path, extra: str, venv: Path) -> tuple[float, int, int]:
    """(seconds, bytes added to site-packages, distributions added) for one install into a fresh venv."""
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    before_size, before = tree_size(site_packages(venv)), distributions(venv)
    cmd = [str(venv / "bin" / "pip"), "install", "-qq", "-c", str(ROOT / "constraints.txt"), f"{wheel}{extra}"]
    t = time.perf_counter()
    subprocess.run(cmd, check=True, env=ENV)
    seconds = time.perf_counter() - t
    return seconds, tree_size(site_packages(venv)) - before_size, len(distributions(venv) - before)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--variants", default="linter,cdk,live")
    ns = ap.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    wheel = build_wheel()
    print(f"{wheel.name}, pip install -c constraints.txt, warm cache, median of {ns.runs} fresh venvs:")
    for variant in ns.variants.split(","):
        extra = EXTRAS[variant]
        venv = WORK / f"venv-{variant}"
        install(wheel, extra, venv)  # warms the cache (downloads, builds of sdists)
        runs = [install(wheel, extra, venv) for _ in range(ns.runs)]
        seconds = statistics.median(r[0] for r in runs)
        size, count = runs[-1][1], runs[-1][2]
        label = f"mantlekit{extra}"
        print(f"  {label:<18} {seconds:6.1f} s  {size / 1e6:7.1f} MB  {count:3d} distributions")
        shutil.rmtree(venv, ignore_errors=True)


if __name__ == "__main__":
    main()
