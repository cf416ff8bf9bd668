"""Configuration: rule selection, severities, ignores and declared principals.

Read from ``[tool.mantle-lint]`` in the nearest pyproject.toml, or from ``mantle-lint.toml`` /
``.mantle-lint.toml`` (same keys at top level) in the linted directory or a parent; ``--config`` overrides.

Loading never raises: every problem becomes an :class:`InputError` with the config file and the line of the
offending key in :attr:`Config.errors` (the CLI exits 2), and everything else in the file still applies.
A principal with any problem of its own is left out rather than evaluated with half its policies.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from typing import Any

from mantlekit import facts
from mantlekit._record import ValueRecord
from mantlekit.iam.model import Policy
from mantlekit.lint.config_principals import Declaration, PrincipalEntries
from mantlekit.lint.findings import FAIL_ON, SEVERITIES, InputError
from mantlekit.lint.inventory import Principal
from mantlekit.lint.toml_text import KeyLines, a_type, type_name

#: File names looked for in each directory, nearest directory first; in one directory, in this order.
CONFIG_FILES = ("mantle-lint.toml", ".mantle-lint.toml", "pyproject.toml")
PYPROJECT_TABLE = ("tool", "mantle-lint")
TOP_KEYS = (
    "select",
    "ignore",
    "fail-on",
    "severity",
    "per-path-ignores",
    "max-file-size",
    "principal",
    "fail-on-gain",
    "accept",
)
#: Values of ``fail-on-gain`` (``mantle-lint diff``).
FAIL_ON_GAIN = ("never", "any", "admin")
ACCEPT_KEYS = ("principal", "capability", "project", "reason")
_MAX_CONFIG_BYTES = 1024 * 1024


class PathIgnore(ValueRecord):
    pattern: str  # glob relative to the config file's directory
    rules: tuple[str, ...]
    reason: str

    __slots__ = _fields = ("pattern", "rules", "reason")

    def __init__(self, pattern: str, rules: tuple[str, ...], reason: str) -> None:
        self.pattern = pattern
        self.rules = rules
        self.reason = reason


class Accept(ValueRecord):
    """An ``[[accept]]`` entry: a change of access (``mantle-lint diff``) that was reviewed and is intended,
    like an ignore with a reason. Fields left out match anything; at least a principal or a capability."""

    principal: str | None
    capability: str | None
    project: str | None  # a project id (proj_...) or ARN
    reason: str

    __slots__ = _fields = ("principal", "capability", "project", "reason")

    def __init__(self, principal: str | None, capability: str | None, project: str | None, reason: str) -> None:
        self.principal = principal
        self.capability = capability
        self.project = project
        self.reason = reason

    def covers(self, principal: str, capability: str, project: str) -> bool:
        if self.principal is not None and self.principal != principal:
            return False
        if self.capability is not None and self.capability != capability:
            return False
        return self.project is None or self.project in (project, project.rsplit("/", 1)[-1])


class Config(ValueRecord):
    file: str | None
    select: tuple[str, ...]  # rule ids or prefixes; empty = all
    ignore: tuple[str, ...]  # rule ids or prefixes (each with a reason in the file)
    fail_on: str
    severity: dict[str, str]
    per_path_ignores: list[PathIgnore]
    principals: list[Principal]
    errors: list[InputError]
    #: The reason given for each entry of ``ignore`` (rule id or prefix -> reason).
    ignore_reasons: dict[str, str]
    #: Policy documents read for the configured principals (not AWS managed ones): document rules run on
    #: them too, so a policy outside the linted paths is still checked.
    documents: list[Policy]
    #: Principals declared on template resources (``template`` + ``resource``).
    declared: list[Declaration]
    #: ``max-file-size``: the largest file read, in bytes (None: the readers' default, 64 MiB).
    max_file_size: int | None
    #: ``fail-on-gain`` for ``mantle-lint diff`` (None: not set).
    fail_on_gain: str | None
    #: Reviewed changes of access (``[[accept]]``) for ``mantle-lint diff``.
    accepts: list[Accept]
    #: Rule options set for this run (option name -> value, see ``Rule.options``): ``max_key_age_days``
    #: from ``--max-key-age-days``.
    options: dict[str, Any]

    __slots__ = _fields = (
        "file",
        "select",
        "ignore",
        "fail_on",
        "severity",
        "per_path_ignores",
        "principals",
        "errors",
        "ignore_reasons",
        "documents",
        "declared",
        "max_file_size",
        "fail_on_gain",
        "accepts",
        "options",
    )

    def __init__(
        self,
        file: str | None = None,
        select: tuple[str, ...] = (),
        ignore: tuple[str, ...] = (),
        fail_on: str = "error",
        severity: dict[str, str] | None = None,
        per_path_ignores: list[PathIgnore] | None = None,
        principals: list[Principal] | None = None,
        errors: list[InputError] | None = None,
        ignore_reasons: dict[str, str] | None = None,
        documents: list[Policy] | None = None,
        declared: list[Declaration] | None = None,
        max_file_size: int | None = None,
        fail_on_gain: str | None = None,
        accepts: list[Accept] | None = None,
        options: dict[str, Any] | None = None,
    ) -> None:
        self.file = file
        self.select = select
        self.ignore = ignore
        self.fail_on = fail_on
        self.severity = {} if severity is None else severity
        self.per_path_ignores = [] if per_path_ignores is None else per_path_ignores
        self.principals = [] if principals is None else principals
        self.errors = [] if errors is None else errors
        self.ignore_reasons = {} if ignore_reasons is None else ignore_reasons
        self.documents = [] if documents is None else documents
        self.declared = [] if declared is None else declared
        self.max_file_size = max_file_size
        self.fail_on_gain = fail_on_gain
        self.accepts = [] if accepts is None else accepts
        self.options = {} if options is None else options

    def documents_not_in(self, files: Iterable[str]) -> list[Policy]:
        """The configured documents whose file is not among ``files`` (the same file, by any path, is the
        same document). Costs nothing without configured documents: a large run asks with every file."""
        if not self.documents:
            return []
        seen = {_identity(f) for f in files}
        return [p for p in self.documents if _identity(p.source.file) not in seen]


def _toml() -> Any:
    """tomllib, imported when a configuration file is read (not for ``--no-config`` runs)."""
    import tomllib

    return tomllib


def file_identity(path: str) -> object:
    """What makes two paths the same file (see :func:`_identity`), for callers outside this module."""
    return _identity(path)


def _identity(path: str) -> object:
    """What makes two paths the same file: device and inode (one stat, where realpath needs one per
    directory level); the path itself for display names such as ``<config>`` or a file that is gone."""
    if path.startswith("<"):
        return path
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return os.path.abspath(path)
    return (st.st_dev, st.st_ino)


# --- Finding the file ----------------------------------------------------------------------------------


def _has_table(pyproject: str) -> bool:
    """True when a pyproject.toml has a ``[tool.mantle-lint]`` table (a broken one counts: say so)."""
    try:
        with open(pyproject, "rb") as fh:
            data = _toml().loads(fh.read(_MAX_CONFIG_BYTES).decode("utf-8", "replace"))
    except (OSError, _toml().TOMLDecodeError):
        try:
            with open(pyproject, encoding="utf-8", errors="replace") as fh:
                return "mantle-lint" in fh.read(_MAX_CONFIG_BYTES)
        except OSError:
            return False
    tool = data.get("tool")
    return isinstance(tool, dict) and "mantle-lint" in tool


def find_config(start: str | None = None) -> str | None:
    """The nearest configuration file from ``start`` (a file or directory; default: the current directory)
    upwards, or None."""
    here = os.path.abspath(start or os.getcwd())
    if not os.path.isdir(here):
        here = os.path.dirname(here)
    while True:
        for name in CONFIG_FILES:
            candidate = os.path.join(here, name)
            if os.path.isfile(candidate) and (name != "pyproject.toml" or _has_table(candidate)):
                return candidate
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def discover_config(paths: Sequence[str] = ()) -> Config:
    """The configuration that applies to a run over ``paths``: searched from the first path (or the current
    directory); the defaults when there is none."""
    start = None
    if paths:
        first = os.path.abspath(paths[0])
        start = first if os.path.exists(first) else os.path.dirname(first)
        if not os.path.exists(start):
            start = None
    found = find_config(start)
    return load_config(found) if found else Config()


def display_path(path: str) -> str:
    """How a file is named in reports: relative to the current directory when below it."""
    absolute = os.path.abspath(path)
    try:
        rel = os.path.relpath(absolute)
    except ValueError:  # another drive (Windows)
        return absolute
    return absolute if rel.startswith("..") else rel


def within(path: str, top: str) -> bool:
    """``path`` is ``top`` or lies in the directory ``top`` (both already real paths)."""
    return path == top or path.startswith(top.rstrip(os.sep) + os.sep)


# --- Loading ------------------------------------------------------------------------------------------


class _Loader(PrincipalEntries):
    def __init__(self, path: str, text: str, data: dict[str, Any], pyproject: bool) -> None:
        self.path = path
        self.display = display_path(path)
        self.base = os.path.dirname(os.path.abspath(path))
        self.data = data
        self.lines = KeyLines(text, PYPROJECT_TABLE if pyproject else ())
        self.config = Config(file=self.display)
        self._policies: dict[tuple[str, str], Policy | None] = {}
        self._docs: dict[str, Policy] = {}

    # errors
    def error(self, message: str, *path: str | int, value: str | None = None) -> None:
        line = self.lines.line(*path, value=value)
        self.config.errors.append(InputError(self.display, message, line, 1))

    def _type(self, v: Any, typ: type | tuple[type, ...], what: str, *path: str | int) -> bool:
        if isinstance(v, typ) and not isinstance(v, bool):
            return True
        self.error(f"{what} must be {a_type(typ)}, not {type_name(v)}", *path)
        return False

    def _strings(self, v: Any, what: str, *path: str | int) -> list[str] | None:
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            self.error(f"{what} must be a list of strings", *path)
            return None
        return list(v)

    def _table_list(self, v: Any, what: str, *path: str | int) -> list[Any] | None:
        if isinstance(v, dict):
            v = [v]
        if not isinstance(v, list):
            self.error(f"{what} must be a list of tables", *path)
            return None
        return v

    # top level
    def load(self) -> Config:
        c = self.config
        for key in self.data:
            if key not in TOP_KEYS:
                self.error(f"unknown key {key!r} (known: {', '.join(TOP_KEYS)})", key)
        if "select" in self.data:
            sel = self._strings(self.data["select"], "select", "select")
            if sel is not None:
                c.select = tuple(s for s in sel if self._selector(s, "select"))
        if "ignore" in self.data:
            self._ignores(self.data["ignore"])
        if "fail-on" in self.data:
            v = self.data["fail-on"]
            if self._type(v, str, "fail-on", "fail-on"):
                if v.lower() in FAIL_ON:
                    c.fail_on = v.lower()
                else:
                    self.error(f"fail-on must be one of {', '.join(FAIL_ON)}, not {v!r}", "fail-on")
        if "fail-on-gain" in self.data:
            v = self.data["fail-on-gain"]
            if self._type(v, str, "fail-on-gain", "fail-on-gain"):
                if v.lower() in FAIL_ON_GAIN:
                    c.fail_on_gain = v.lower()
                else:
                    self.error(f"fail-on-gain must be one of {', '.join(FAIL_ON_GAIN)}, not {v!r}", "fail-on-gain")
        if "accept" in self.data:
            self._accepts(self.data["accept"])
        if "severity" in self.data:
            self._severity(self.data["severity"])
        if "per-path-ignores" in self.data:
            self._path_ignores(self.data["per-path-ignores"])
        if "max-file-size" in self.data:
            from mantlekit.lint.readers import parse_size

            v = self.data["max-file-size"]
            size = parse_size(v) if isinstance(v, int | str) else None
            if size is None:
                self.error(
                    f'max-file-size must be a size such as "64 MiB" or a number of bytes, not {v!r}', "max-file-size"
                )
            c.max_file_size = size
        if "principal" in self.data:
            entries = self._table_list(self.data["principal"], "principal", "principal")
            names: set[str] = set()
            for i, raw in enumerate(entries or ()):
                p = self._principal(raw, i, names)
                if p is None:
                    continue
                if isinstance(raw, dict) and "template" in raw:
                    d = self._declaration(raw, i, p)
                    if d is not None:
                        c.declared.append(d)
                else:
                    c.principals.append(p)
        c.documents = list(self._docs.values())
        c.errors[:] = _in_line_order(c.errors, self.display)
        return c

    def _selector(self, s: str, *path: str | int) -> bool:
        if valid_selector(s):
            return True
        self.error(f"{s!r} is not a rule id or prefix of one (see mantle-lint --explain all)", *path, value=s)
        return False

    def _ignores(self, v: Any) -> None:
        entries = self._table_list(v, "ignore", "ignore")
        out: list[str] = []
        for i, e in enumerate(entries or ()):
            if isinstance(e, str):
                self.error(f'ignore of {e!r} needs a reason: write {{rule = "{e}", reason = "..."}}', "ignore", value=e)
                continue
            if not isinstance(e, dict):
                self.error(f"ignore entries must be tables, not {type_name(e)}", "ignore", i)
                continue
            rule, reason = e.get("rule"), e.get("reason")
            where: tuple[str | int, ...] = ("ignore", i)
            bad = [k for k in e if k not in ("rule", "reason")]
            for k in bad:
                self.error(f"unknown key {k!r} in an ignore entry (known: rule, reason)", *where, k)
            if not isinstance(rule, str):
                self.error('an ignore entry needs rule = "RULE-ID"', *where)
                continue
            if not self._selector(rule, *where):
                continue
            if not isinstance(reason, str) or not reason.strip():
                self.error(f"ignore of {rule} needs a non-empty reason", *where, value=rule)
                continue
            if bad:
                continue
            out.append(rule.upper())
            self.config.ignore_reasons[rule.upper()] = reason.strip()
        self.config.ignore = tuple(out)

    def _accepts(self, v: Any) -> None:
        from mantlekit.lint.access import BEARER

        known = (*facts.CAPABILITY_ROUTES, BEARER, "management")
        for i, e in enumerate(self._table_list(v, "accept", "accept") or ()):
            where: tuple[str | int, ...] = ("accept", i)
            if not isinstance(e, dict):
                self.error(f"accept entries must be tables, not {type_name(e)}", *where)
                continue
            ok = True
            for k in e:
                if k not in ACCEPT_KEYS:
                    self.error(f"unknown key {k!r} in an accept entry (known: {', '.join(ACCEPT_KEYS)})", *where, k)
                    ok = False
            for k in ("principal", "capability", "project"):
                if k in e and (not isinstance(e[k], str) or not e[k].strip()):
                    self.error(f"{k} of an accept entry must be a non-empty string", *where, k)
                    ok = False
            cap, project = e.get("capability"), e.get("project")
            if isinstance(cap, str) and cap not in known:
                self.error(f"unknown capability {cap!r} (known: {', '.join(known)})", *where, "capability")
                ok = False
            if isinstance(project, str) and not (
                facts.PROJECT_ID_RE.match(project) or facts.PROJECT_ARN_RE.match(project)
            ):
                self.error(
                    f"{project!r} is neither a project id (default, proj_...) nor a project ARN", *where, "project"
                )
                ok = False
            if "principal" not in e and "capability" not in e:
                self.error("an accept entry needs a principal, a capability or both", *where)
                ok = False
            reason = e.get("reason")
            if not isinstance(reason, str) or not reason.strip():
                self.error("an accept entry needs a non-empty reason", *where)
                ok = False
            if ok:
                self.config.accepts.append(
                    Accept(
                        e.get("principal"),
                        cap,
                        project,
                        reason.strip(),  # type: ignore[union-attr]  # ok holds only when reason is a str
                    )
                )

    def _severity(self, v: Any) -> None:
        if not isinstance(v, dict):
            self.error(f'severity must be a table such as {{MNT008 = "error"}}, not {type_name(v)}', "severity")
            return
        for rule, sev in v.items():
            rid = rule.upper()
            if rid not in known_rule_ids():
                self.error(f"severity: {rule!r} is not a rule id", "severity", rule)
            elif not isinstance(sev, str) or sev.lower() not in SEVERITIES:
                self.error(f"severity of {rule} must be one of {', '.join(SEVERITIES)}", "severity", rule)
            else:
                self.config.severity[rid] = sev.lower()

    def _path_ignores(self, v: Any) -> None:
        entries = self._table_list(v, "per-path-ignores", "per-path-ignores")
        for i, e in enumerate(entries or ()):
            where: tuple[str | int, ...] = ("per-path-ignores", i)
            if not isinstance(e, dict):
                self.error(f"per-path-ignores entries must be tables, not {type_name(e)}", *where)
                continue
            ok = True
            for k in e:
                if k not in ("path", "rules", "reason"):
                    self.error(f"unknown key {k!r} in per-path-ignores (known: path, rules, reason)", *where, k)
                    ok = False
            pattern, rules, reason = e.get("path"), e.get("rules"), e.get("reason")
            if not isinstance(pattern, str) or not pattern.strip():
                self.error('a per-path-ignores entry needs path = "GLOB"', *where)
                ok = False
            if isinstance(rules, str):
                rules = [rules]
            if not isinstance(rules, list) or not rules or not all(isinstance(r, str) for r in rules):
                self.error('a per-path-ignores entry needs rules = ["RULE-ID", ...]', *where)
                ok = False
            elif not all([self._selector(r, *where, "rules") for r in rules]):
                ok = False
            if not isinstance(reason, str) or not reason.strip():
                self.error("a per-path-ignores entry needs a non-empty reason", *where)
                ok = False
            if ok:
                assert isinstance(pattern, str) and isinstance(rules, list) and isinstance(reason, str)
                self.config.per_path_ignores.append(
                    PathIgnore(pattern.strip(), tuple(r.upper() for r in rules), reason.strip())
                )


def _in_line_order(errors: list[InputError], display: str) -> list[InputError]:
    """The errors by their line in the configuration file, as a reader goes through it (they are found key
    by key, not line by line). An error inside a policy file the configuration names stays just before the
    configuration's own error that says "(see above)" about it, at that error's line."""
    keyed: list[tuple[int, int, InputError]] = []
    line = 0
    for n, e in reversed(list(enumerate(errors))):
        if e.file == display:
            line = e.line
        keyed.append((line, n, e))
    return [e for _, _, e in sorted(keyed, key=lambda k: (k[0], k[1]))]


def load_config(path: str) -> Config:
    """Read one configuration file. Never raises: problems are in ``Config.errors``."""
    display = display_path(path)
    pyproject = os.path.basename(path) == "pyproject.toml"
    try:
        if os.path.getsize(path) > _MAX_CONFIG_BYTES:
            return Config(file=display, errors=[InputError(display, "configuration file larger than 1 MiB")])
        with open(path, "rb") as fh:
            text = fh.read().decode("utf-8-sig")
    except OSError as e:
        return Config(file=display, errors=[InputError(display, f"cannot read configuration: {e.strerror}")])
    except UnicodeDecodeError as e:
        return Config(file=display, errors=[InputError(display, f"configuration is not UTF-8 (byte {e.start})")])
    try:
        data = _toml().loads(text)
    except _toml().TOMLDecodeError as e:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(e))
        if m:
            line, col = int(m[1]), int(m[2])
        elif "end of document" in str(e):
            line, col = text.count("\n") + 1, len(text) - text.rfind("\n")
        else:
            line, col = 1, 1
        msg = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", str(e))
        return Config(file=display, errors=[InputError(display, f"not valid TOML: {msg}", line, col)])
    except RecursionError:
        return Config(file=display, errors=[InputError(display, "not valid TOML: nested too deeply")])
    if pyproject:
        tool = data.get("tool")
        table = tool.get("mantle-lint") if isinstance(tool, dict) else None
        if table is None:
            return Config(file=display)
        if not isinstance(table, dict):
            lines = KeyLines(text, ("tool",))
            return Config(
                file=display,
                errors=[InputError(display, "[tool.mantle-lint] must be a table", lines.line("mantle-lint"))],
            )
        data = table
    return _Loader(path, text, data, pyproject).load()


# --- Rule ids -----------------------------------------------------------------------------------------


def known_rule_ids() -> frozenset[str]:
    """Ids of every rule there is (a selector or severity naming any other id is a configuration error)."""
    from mantlekit.lint.rules import all_rules

    return frozenset(r.id.upper() for r in all_rules())


def valid_selector(s: str) -> bool:
    """A rule id, or a prefix of one (``MNT``, ``IAM00``)."""
    s = s.strip().upper()
    return bool(s) and any(rid.startswith(s) for rid in known_rule_ids())
