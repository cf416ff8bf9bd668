"""Command-line entry point of ``mantle-lint``.

Sub-commands are dispatched by their first word so that the common case stays ``mantle-lint PATH...``.
Imports of heavier modules happen inside the handlers: start-up must stay lean for pre-commit use.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from mantlekit import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def _lint_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="mantle-lint",
        description="Lint IAM policies for Amazon Bedrock Mantle. Sub-commands: access, catalog.",
        epilog="Exit status: 0 clean, 1 findings at or above --fail-on, 2 usage or unreadable input.",
    )
    p.add_argument("--version", action="version", version=f"mantle-lint {__version__}")
    p.add_argument("paths", nargs="*", help="files or directories to lint (recursively)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "catalog":
        from mantlekit.catalog.cli import main as catalog_main

        return catalog_main(args[1:])
    ns = _lint_parser().parse_args(args)
    if not ns.paths:
        return EXIT_OK
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
