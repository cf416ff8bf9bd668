#!/usr/bin/env python3
"""Copy the AWS managed policy corpus into the package (``mantlekit/data/managed``), one file per policy.

Idempotent: files already identical are not rewritten, and policies no longer in the corpus are removed.
Usage::

    .venv/bin/python scripts/bundle_managed.py [--src /work/shared/corpus] [--out mantlekit/data/managed]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = "aws-managed-manifest.tsv"
PROVENANCE = """\
# AWS managed policies (bundled data)

One file per AWS managed IAM policy, `<PolicyName>.json`, holding the policy document of its default
version, and `aws-managed-manifest.tsv` (name, version, deprecated, update date, ARN, source of each).
Read by `mantlekit.iam.managed` to resolve `arn:aws:iam::aws:policy/...` without AWS access.

Snapshot of 2026-08-22, taken from the project's shared corpus, which draws on the public
iann0036/iam-dataset (MIT licence) and zoph-io/MAMIP; the manifest's `source` column gives the origin of
each file. Regenerate with `scripts/bundle_managed.py`.
"""


def sync(src: Path, out: Path) -> tuple[int, int, int]:
    """Mirror ``src/aws-managed/*.json`` and the manifest into ``out``: (written, unchanged, removed)."""
    policies = src / "aws-managed"
    wanted: dict[str, bytes] = {p.name: p.read_bytes() for p in sorted(policies.glob("*.json"))}
    if not wanted:
        raise SystemExit(f"{policies}: no policy files")
    wanted[MANIFEST] = (src / MANIFEST).read_bytes()
    wanted["PROVENANCE.md"] = PROVENANCE.encode()
    out.mkdir(parents=True, exist_ok=True)
    written = unchanged = removed = 0
    for name, data in wanted.items():
        dest = out / name
        if dest.is_file() and dest.read_bytes() == data:
            unchanged += 1
            continue
        dest.write_bytes(data)
        written += 1
    for stale in out.glob("*.json"):
        if stale.name not in wanted:
            stale.unlink()
            removed += 1
    return written, unchanged, removed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", type=Path, default=Path("/work/shared/corpus"))
    ap.add_argument("--out", type=Path, default=ROOT / "mantlekit" / "data" / "managed")
    ns = ap.parse_args(argv)
    written, unchanged, removed = sync(ns.src, ns.out)
    print(f"{ns.out}: {written} written, {unchanged} unchanged, {removed} removed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
