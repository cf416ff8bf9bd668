"""Command-line entry point of ``mantle-lint``.

Sub-commands are dispatched by their first word so that the common case stays ``mantle-lint PATH...``.
Imports of heavier modules happen inside the handlers: start-up must stay lean for pre-commit use.

Exit status: 0 no finding at or above ``--fail-on``; 1 findings; 2 usage, configuration or unreadable input
(2 wins over 1). Never a traceback: anything unexpected ends in one line on stderr and status 2.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import threading
from collections.abc import Sequence
from typing import Any, TextIO

from mantlekit import __version__
from mantlekit.lint.findings import EXIT_OK, EXIT_USAGE, FAIL_ON, FORMATS

EXIT_INTERRUPTED = 130
INTERNAL_ERROR = "mantle-lint: internal error"


def _lint_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="mantle-lint",
        description="Lint IAM policies for Amazon Bedrock Mantle. Sub-commands: access, catalog, diff.",
        epilog="Exit status: 0 clean, 1 findings at or above --fail-on, 2 usage or unreadable input. "
        "Configuration: [tool.mantle-lint] in pyproject.toml, or mantle-lint.toml / .mantle-lint.toml, "
        "the nearest one from the first path.",
    )
    p.add_argument("--version", action="version", version=f"mantle-lint {__version__}")
    p.add_argument("paths", nargs="*", help="files or directories to lint (recursively)")
    p.add_argument("-f", "--format", choices=FORMATS, default="text", help="output format (default: text)")
    p.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        default=None,
        help="lowest severity that makes the exit status 1 (default: the config's fail-on, else error)",
    )
    p.add_argument("--select", metavar="RULES", help="comma-separated rule ids or prefixes to run (replaces config)")
    p.add_argument("--ignore", metavar="RULES", help="comma-separated rule ids or prefixes to skip (adds to config)")
    p.add_argument("--config", metavar="FILE", help="configuration file (instead of searching for one)")
    p.add_argument("--no-config", action="store_true", help="ignore configuration files")
    p.add_argument(
        "--changed-only",
        action="store_true",
        help="the paths are the files that changed (the pre-commit hook passes them): evaluate a configured "
        "principal only when they include one of its policies, its configuration file or its template; "
        "configuration files (.toml) among them are not linted",
    )
    p.add_argument("--explain", metavar="RULE", help="print a rule's documentation ('all' lists every rule)")
    p.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE instead of stdout")
    p.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the text report (auto: when stdout is a terminal and NO_COLOR is unset)",
    )
    p.add_argument(
        "--max-file-size",
        type=_size,
        default=None,
        metavar="SIZE",
        help="largest file read, e.g. 200MiB or a number of bytes (default: the config's max-file-size, else "
        "64 MiB, which holds the authorization details of an account of 5,000 principals with margin)",
    )
    p.add_argument(
        "-j",
        "--jobs",
        type=_jobs,
        default=0,
        metavar="N",
        help="processes for linting many loose policy files (default 0: one per core; 1: none extra)",
    )
    _add_live_arguments(p)
    return p


def _add_live_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``--live`` options. Here rather than in the live reader: the parser is built on every run,
    ``--version`` too, and importing a reader means importing them all (about 20 ms)."""
    from mantlekit import facts

    g = parser.add_argument_group("live account (read-only AWS API calls)")
    g.add_argument(
        "--live",
        action="store_true",
        help="audit the IAM users and roles of the account of the current AWS credentials "
        "(calls: " + ", ".join(facts.LIVE_AUDIT_ACTIONS) + ")",
    )
    g.add_argument("--profile", metavar="NAME", help="AWS profile for --live (default: the usual credential chain)")
    g.add_argument("--region", metavar="REGION", help="AWS region for the STS call of --live")
    g.add_argument(
        "--save",
        metavar="FILE",
        help="with --live: write what was read as account authorization details JSON, to audit again offline",
    )
    g.add_argument(
        "--max-key-age-days",
        metavar="DAYS",
        type=int,
        default=None,  # None: not given (refused without --live); the audit then uses the default
        help=f"with --live: report Bedrock API keys older than this (default {facts.DEFAULT_MAX_KEY_AGE_DAYS})",
    )


def _jobs(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = -1
    if n < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number of processes, 0 for one per core: {value!r}")
    return n


def _size(value: str) -> int:
    from mantlekit.lint.readers import parse_size

    n = parse_size(value)
    if n is None:
        raise argparse.ArgumentTypeError(f"expected a size such as 64MiB, 500KiB or a number of bytes: {value!r}")
    return n


#: Options that mean something only with --live: (dest, flag), each a usage error without it.
_LIVE_ONLY = (
    ("profile", "--profile"),
    ("region", "--region"),
    ("save", "--save"),
    ("max_key_age_days", "--max-key-age-days"),
)


def _err(message: str) -> None:
    print(message, file=sys.stderr)


def _explain(which: str, out: TextIO) -> int:
    from mantlekit.lint.rules import all_rules, rule_by_id

    if which.strip().lower() == "all":
        rules = all_rules()
        width = max((len(r.id) for r in rules), default=6)
        for r in rules:
            out.write(f"{r.id:<{width}}  {r.severity:<7}  {r.summary}\n")
        return EXIT_OK
    rule = rule_by_id(which.strip())
    if rule is None:
        _err(f"mantle-lint: error: unknown rule {which!r} (mantle-lint --explain all lists them)")
        return EXIT_USAGE
    out.write(rule.explain())
    return EXIT_OK


def _split(value: str | None) -> list[str]:
    return [s.strip().upper() for s in (value or "").split(",") if s.strip()]


def use_color(choice: str, stream: TextIO, environ: dict[str, str] | os._Environ[str] = os.environ) -> bool:
    if choice != "auto":
        return choice == "always"
    if environ.get("NO_COLOR") or environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Progress:
    """A spinner on stderr, shown only when stderr is a terminal, not in CI, and the run takes longer than
    ``delay`` seconds. The line is cleared when the run ends."""

    FRAMES = "|/-\\"

    def __init__(self, stream: TextIO | None = None, delay: float = 2.0, interval: float = 0.2) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.delay, self.interval = delay, interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.shown = False

    def enabled(self) -> bool:
        if os.environ.get("CI"):
            return False
        try:
            return self.stream.isatty()
        except (AttributeError, ValueError):
            return False

    def _run(self) -> None:
        if self._stop.wait(self.delay):
            return
        i = 0
        while not self._stop.is_set():
            self.shown = True
            try:
                self.stream.write(f"\rmantle-lint: linting {self.FRAMES[i % len(self.FRAMES)]}")
                self.stream.flush()
            except (OSError, ValueError):
                return
            i += 1
            self._stop.wait(self.interval)

    def __enter__(self) -> Progress:
        if self.enabled():
            self._thread = threading.Thread(target=self._run, name="mantle-lint-progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            if self.shown:
                try:
                    self.stream.write("\r\033[K")
                    self.stream.flush()
                except (OSError, ValueError):
                    pass


def _printable(s: str, stream: TextIO) -> str:
    """Text the stream can encode (file names may hold undecodable bytes as surrogates)."""
    enc = getattr(stream, "encoding", None) or "utf-8"
    try:
        s.encode(enc)
        return s
    except (UnicodeEncodeError, LookupError):
        return s.encode(enc, "backslashreplace").decode(enc, "replace")


def _lint(ns: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from mantlekit.lint.api import exit_code
    from mantlekit.lint.config import Config, discover_config, load_config, valid_selector
    from mantlekit.lint.report import Run, render
    from mantlekit.lint.runner import lint_paths

    select, ignore = _split(ns.select), _split(ns.ignore)
    bad = [s for s in (*select, *ignore) if not valid_selector(s)]
    if bad:
        parser.print_usage(sys.stderr)
        _err(f"mantle-lint: error: unknown rule id or prefix: {', '.join(bad)} (see --explain all)")
        return EXIT_USAGE
    if ns.no_config:
        config = Config()
    elif ns.config:
        config = load_config(ns.config)
    else:
        config = discover_config(ns.paths)
    if ns.select is not None:
        config.select = tuple(select)
    if ignore:
        config.ignore = (*config.ignore, *ignore)
    fail_on = ns.fail_on or config.fail_on
    if ns.changed_only:
        from mantlekit.lint.scope import lint_paths_of, scope_to_changed

        config = scope_to_changed(config, ns.paths)
        ns.paths = lint_paths_of(ns.paths)

    from mantlekit.lint.readers import max_file_size

    with Progress(), max_file_size(ns.max_file_size or config.max_file_size):
        result = lint_paths(ns.paths, config, jobs=ns.jobs) if not ns.live else _lint_live(ns, config)
    code = exit_code(result, fail_on)
    for e in result.errors:
        _err(_printable(error_line(e), sys.stderr))
    if not result.inventory.files and not ns.live and not ns.changed_only:
        # Under --changed-only (the pre-commit hook) the paths are whatever a commit changed: that none of
        # them is an input is the ordinary case, not a mistake worth a line.
        _err(_printable(_nothing_linted(ns.paths, result), sys.stderr))

    stream: TextIO = sys.stdout
    color = ns.format == "text" and not ns.output and use_color(ns.color, stream)
    report = render(ns.format, Run(result, config, code, fail_on), color=color)
    if ns.output:
        try:
            with open(ns.output, "w", encoding="utf-8", errors="backslashreplace") as fh:
                fh.write(report)
        except OSError as e:
            _err(f"mantle-lint: error: cannot write {ns.output}: {e.strerror}")
            return EXIT_USAGE
    else:
        stream.write(_printable(report, stream))
        stream.flush()
    return code


def error_line(e: Any) -> str:
    """``file:line:column: error: message``; an option or a URL (``--profile``, ``aws://123456789012``) has
    no lines, so it is named alone."""
    if e.file.startswith("--") or "://" in e.file:
        return f"{e.file}: error: {e.message}"
    return f"{e.file}:{e.line}:{e.column}: error: {e.message}"


def _nothing_linted(paths: Sequence[str], result: Any) -> str:
    """The stderr line of a run that linted no file: a wrong directory or a file of another kind must not
    pass as "0 findings". Files named on the command line that were read but not recognised are listed."""
    from mantlekit.lint.config import file_identity

    failed = {file_identity(e.file) for e in result.errors}
    named = [p for p in paths if os.path.isfile(p) and file_identity(p) not in failed]
    line = "mantle-lint: linted 0 files"
    if named:
        shown = ", ".join(named[:10]) + (f" and {len(named) - 10} more" if len(named) > 10 else "")
        hint = " (a configuration file is given with --config)" if any(p.endswith(".toml") for p in named) else ""
        return f"{line}: not a policy, template, cloud assembly or account details: {shown}{hint}"
    if result.errors:
        return f"{line} (see the errors above)"
    return f"{line}: no policy, template, cloud assembly or account details under {', '.join(paths)}"


def _lint_live(ns: argparse.Namespace, config: Any) -> Any:
    """The linted paths (if any) plus the live account, linted together."""
    from mantlekit.lint.inventory import MAX_KEY_AGE_DAYS, Inventory
    from mantlekit.lint.readers import live, read_paths
    from mantlekit.lint.runner import lint_inventory

    inv = read_paths(ns.paths) if ns.paths else Inventory()
    if ns.max_key_age_days is not None:  # MNT010's option, for every key of the run
        config.options[MAX_KEY_AGE_DAYS] = ns.max_key_age_days
    inv.extend(live.audit(profile=ns.profile, region=ns.region, save=ns.save, max_key_age_days=ns.max_key_age_days))
    return lint_inventory(inv, config)


def _main(args: list[str]) -> int:
    if args and args[0] == "catalog":
        from mantlekit.catalog.cli import main as catalog_main

        return catalog_main(args[1:])
    if args and args[0] == "diff":
        from mantlekit.lint.diff_cli import main as diff_main

        return diff_main(args[1:])
    if args and args[0] == "access":
        from mantlekit.lint.access_cli import main as access_main

        return access_main(args[1:])
    parser = _lint_parser()
    try:
        ns = parser.parse_args(args)
    except SystemExit as e:  # --help, --version, or a usage error argparse already printed
        return e.code if isinstance(e.code, int) else EXIT_USAGE
    if ns.explain is not None:
        return _explain(ns.explain, sys.stdout)
    if not ns.paths and not ns.live:
        parser.print_usage(sys.stderr)
        _err("mantle-lint: error: give one or more files or directories to lint (or --live)")
        return EXIT_USAGE
    alone = [flag for dest, flag in _LIVE_ONLY if getattr(ns, dest, None) is not None] if not ns.live else []
    if alone:
        parser.print_usage(sys.stderr)
        _err(f"mantle-lint: error: {', '.join(alone)} only mean{'s' if len(alone) == 1 else ''} something with --live")
        return EXIT_USAGE
    return _lint(ns, parser)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        return _main(args)
    except KeyboardInterrupt:
        _err("mantle-lint: interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (``mantle-lint ... | head``): stop quietly, without a second error at exit.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):
            pass
        return EXIT_USAGE
    except Exception as e:  # the last resort: one line, never a traceback
        detail = " ".join(f"{type(e).__name__}: {e}".split())[:300]
        _err(f"{INTERNAL_ERROR}: {detail} (please report this)")
        return EXIT_USAGE


def run() -> None:
    """The ``mantle-lint`` command: :func:`main`, then exit at once.

    Everything a run reads lives until its report is written, so the cyclic garbage collector would only
    scan the same objects again and again, and tearing them down one by one at exit costs as much as
    linting a thousand files. The command therefore runs with the collector off and leaves with
    ``os._exit`` after flushing its output (as mypy does). Callers of :func:`main` in-process keep the
    usual behaviour.
    """
    gc.disable()
    code = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            code = code or EXIT_USAGE
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
