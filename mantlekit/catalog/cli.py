"""``mantle-lint catalog update`` and ``mantle-lint catalog show SERVICE``.

``mantlekit.lint.cli`` hands every argv that starts with ``catalog`` to :func:`main`; a parser of its own can
instead call :func:`add_subparser` and :func:`run`. Exit status: 0 done, 2 error (message on stderr).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mantlekit.catalog import Catalog

EXIT_OK, EXIT_ERROR = 0, 2


def add_subparser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``catalog`` command (with ``update`` and ``show``) to an argparse sub-parser set."""
    p = subparsers.add_parser(
        "catalog",
        help="show or refresh the IAM action catalog",
        description="The IAM action catalog of every AWS service that mantle-lint checks actions against.",
    )
    p.set_defaults(_catalog_parser=p)
    sub = p.add_subparsers(dest="catalog_command", metavar="{update,show}")

    u = sub.add_parser(
        "update",
        help="refresh the catalog from AWS's Service Authorization Reference",
        description="Fetch every service from AWS's programmatic Service Authorization Reference and replace "
        "the user catalog (never the bundled one). On any failure the installed catalog is left untouched.",
    )
    u.add_argument(
        "--url", help="URL of the reference index (default: https://servicereference.us-east-1.amazonaws.com/)"
    )
    u.add_argument("--timeout", type=float, default=None, help="seconds per request (default: 30)")
    u.add_argument("--workers", type=int, default=None, help="parallel downloads (default: 16)")
    u.add_argument("--catalog-dir", help="where to write (default: $MANTLEKIT_CATALOG_DIR, else XDG data dir)")

    s = sub.add_parser(
        "show",
        help="list a service's actions, resource types and condition keys",
        description="Print one service of the catalog in use.",
    )
    s.add_argument("service", metavar="SERVICE", help="service prefix, e.g. bedrock-mantle")
    s.add_argument("--format", choices=("text", "json"), default="text")
    s.add_argument("--catalog-dir", help="read this user catalog (if not older than the bundled one)")


def run(ns: argparse.Namespace) -> int:
    command = getattr(ns, "catalog_command", None)
    if command == "update":
        return _update(ns)
    if command == "show":
        return _show(ns)
    parser = getattr(ns, "_catalog_parser", None)
    if parser is not None:
        parser.print_help(sys.stderr)
    else:
        print("mantle-lint catalog: expected 'update' or 'show'", file=sys.stderr)
    return EXIT_ERROR


def main(argv: Sequence[str] | None = None) -> int:
    """``mantle-lint catalog ARGS...`` (``argv`` without the word ``catalog``)."""
    parser = argparse.ArgumentParser(prog="mantle-lint")
    add_subparser(parser.add_subparsers(dest="command"))
    try:
        ns = parser.parse_args(["catalog", *(sys.argv[1:] if argv is None else argv)])
    except SystemExit as e:  # --help, usage errors
        return e.code if isinstance(e.code, int) else EXIT_ERROR
    return run(ns)


def _update(ns: argparse.Namespace) -> int:
    from mantlekit.catalog.update import DEFAULT_TIMEOUT, DEFAULT_URL, DEFAULT_WORKERS, UpdateError, update_catalog

    try:
        result = update_catalog(
            ns.catalog_dir,
            url=ns.url or DEFAULT_URL,
            timeout=ns.timeout if ns.timeout is not None else DEFAULT_TIMEOUT,
            workers=ns.workers if ns.workers is not None else DEFAULT_WORKERS,
        )
    except UpdateError as e:
        print(f"mantle-lint catalog update: failed, catalog unchanged: {e}", file=sys.stderr)
        return EXIT_ERROR
    print(result.summary())
    return EXIT_OK


def _show(ns: argparse.Namespace) -> int:
    from mantlekit.catalog import CatalogFormatError, get_catalog

    try:
        cat = get_catalog(ns.catalog_dir) if ns.catalog_dir else get_catalog()
        svc = cat.service(ns.service)
    except (OSError, CatalogFormatError) as e:
        print(f"mantle-lint catalog show: cannot read the catalog: {e}", file=sys.stderr)
        return EXIT_ERROR
    about: dict[str, str | dict[str, str]] = {
        "date": cat.date,
        "source": cat.source,
        "origin": cat.origin,
        "directory": str(cat.directory),
    }
    if svc is None and cat.retired_service(ns.service) is not None:
        return _show_retired(ns, cat, about)
    if svc is None:
        import difflib

        close = difflib.get_close_matches(ns.service.lower(), sorted(cat.prefixes()), n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        print(f"mantle-lint catalog show: unknown service prefix {ns.service!r}{hint}", file=sys.stderr)
        return EXIT_ERROR
    actions = sorted(svc.actions.values(), key=lambda a: a.name.lower())
    rts = sorted(svc.resource_types.values(), key=lambda r: r.name)
    keys = sorted(svc.condition_keys.items(), key=lambda kv: kv[0].lower())
    if ns.format == "json":
        doc = {
            "prefix": svc.prefix,
            "name": svc.name,
            "catalog": about,
            "actions": [
                {
                    "name": a.name,
                    "access_level": a.access_level,
                    "resource_types": [{"name": n, "required": r} for n, r in a.resource_types],
                    "condition_keys": list(a.condition_keys),
                }
                for a in actions
            ],
            "resource_types": [
                {"name": r.name, "arn_formats": list(r.arn_formats), "condition_keys": list(r.condition_keys)}
                for r in rts
            ],
            "condition_keys": dict(keys),
            "retired_actions": sorted(cat.retired_names(svc.prefix).values(), key=str.lower),
        }
        print(json.dumps(doc, indent=2))
        return EXIT_OK

    out = [
        f"{svc.name} (prefix {svc.prefix})",
        f"catalog {cat.date}: {cat.source}",
        "",
        f"Actions ({len(actions)}; * = required resource type):",
    ]
    w_name = max((len(a.name) for a in actions), default=0)
    w_access = max((len(a.access_level) for a in actions), default=0)
    for a in actions:
        res = ", ".join(n + ("*" if r else "") for n, r in a.resource_types) or "-"
        line = f"  {a.name:<{w_name}}  {a.access_level:<{w_access}}  {res}"
        if a.condition_keys:
            line += f"  [{', '.join(a.condition_keys)}]"
        out.append(line)
    out += ["", f"Resource types ({len(rts)}):"]
    w_rt = max((len(r.name) for r in rts), default=0)
    for r in rts:
        out.append(f"  {r.name:<{w_rt}}  {' | '.join(r.arn_formats)}")
        if r.condition_keys:
            out.append(f"  {'':<{w_rt}}  [{', '.join(r.condition_keys)}]")
    out += ["", f"Condition keys ({len(keys)}):"]
    w_key = max((len(k) for k, _ in keys), default=0)
    out += [f"  {k:<{w_key}}  {t}" for k, t in keys]
    retired = sorted(cat.retired_names(svc.prefix).values(), key=str.lower)
    if retired:
        out += ["", f"Retired actions ({len(retired)}; no longer in AWS's reference):", f"  {', '.join(retired)}"]
    print("\n".join(out))
    return EXIT_OK


def _show_retired(ns: argparse.Namespace, cat: Catalog, about: dict[str, str | dict[str, str]]) -> int:
    """A service AWS no longer lists: what the catalog still knows of it (its name and action names)."""
    prefix = ns.service.lower()
    name = cat.retired_service(prefix) or prefix
    retired = sorted(cat.retired_names(prefix).values(), key=str.lower)
    if ns.format == "json":
        doc = {"prefix": prefix, "name": name, "retired": True, "catalog": about, "retired_actions": retired}
        print(json.dumps(doc, indent=2))
        return EXIT_OK
    out = [
        f"{name} (prefix {prefix}): retired, no longer in AWS's Service Authorization Reference",
        f"catalog {cat.date}: {cat.source}",
        "",
        f"Retired actions ({len(retired)}):",
        *(f"  {a}" for a in retired),
    ]
    print("\n".join(out))
    return EXIT_OK
