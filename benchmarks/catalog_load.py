#!/usr/bin/env python3
"""How long loading the bundled action catalog takes (cold, each run in a fresh interpreter).

    .venv/bin/python benchmarks/catalog_load.py [--runs 7]

Prints the median of: importing mantlekit.catalog, get_catalog() (reads index.json), the first lookup in
bedrock-mantle and in ec2 (the largest service file), a wildcard expansion, and reading every service file.
The user catalog is ignored (MANTLEKIT_CATALOG_DIR points at an empty directory).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = r"""
import json, time
t = time.perf_counter
t0 = t(); import mantlekit.catalog as c; t1 = t()
cat = c.get_catalog(); t2 = t()
cat.action("bedrock-mantle:CreateInference"); t3 = t()
cat.action("ec2:RunInstances"); t4 = t()
cat.expand("s3:Get*"); t5 = t()
n = sum(len(s.actions) for s in cat.services()); t6 = t()
print(json.dumps({
    "import mantlekit.catalog": t1 - t0,
    "get_catalog() (index)": t2 - t1,
    "first bedrock-mantle lookup": t3 - t2,
    "first ec2 lookup (largest file)": t4 - t3,
    "expand s3:Get* (loads s3)": t5 - t4,
    f"all {len(cat.prefixes())} services ({n} actions)": t6 - t5,
}))
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ns = ap.parse_args()
    samples: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as empty:
        env = {**os.environ, "MANTLEKIT_CATALOG_DIR": empty, "PYTHONPATH": str(ROOT)}
        for _ in range(ns.runs):
            out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True)
            for k, v in json.loads(out.stdout).items():
                samples.setdefault(k, []).append(v)
    width = max(map(len, samples))
    print(f"catalog load, median of {ns.runs} cold runs:")
    for k, v in samples.items():
        print(f"  {k:<{width}}  {statistics.median(v) * 1000:8.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
