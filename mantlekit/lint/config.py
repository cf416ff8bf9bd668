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
from mantlekit.iam.evaluate import PolicySet
from mantlekit.iam.model import BOUNDARY, ENDPOINT, IDENTITY, RCP, RESOURCE, SCP, SESSION, Policy, PolicyError
from mantlekit.lint.findings import FAIL_ON, SEVERITIES, InputError
from mantlekit.lint.inventory import PRINCIPAL_KINDS, Principal

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
PRINCIPAL_KEYS = (
    "name",
    "kind",
    "policies",
    "boundary",
    "scps",
    "endpoint-policy",
    "resource-policy",
    "session-policies",
    "rcps",
    "account",
    "region",
    "projects",
    "needs",
    "arn",
    "tags",
    "template",
    "resource",
)
#: What a principal declared on a template resource takes from the template instead of the configuration.
_FROM_TEMPLATE = ("policies", "boundary", "arn", "tags")
ACCOUNT_RE = re.compile(r"^\d{12}$")
#: The AWS managed SCP that allows everything; accepted by name or ARN in ``scps``.
FULL_AWS_ACCESS = "FullAWSAccess"
_FULL_AWS_ACCESS_ARN = "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess"
_FULL_AWS_ACCESS_TEXT = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}'
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


class Declaration(ValueRecord):
    """A ``[[tool.mantle-lint.principal]]`` entry that names a role or user of a template (``template`` and
    ``resource``) instead of listing policies: the template's reader builds the principal from its IAM
    resources, and the entry says what nobody can read from the template (kind, needs, projects, account,
    region, SCPs, endpoint policy)."""

    template: str  # absolute path: a template file, or a directory (a cloud assembly) holding it
    resource: str  # logical id or construct path
    principal: Principal  # what the entry declares; its policies are the entry's extra layers only
    kind_given: bool
    file: str
    line: int

    __slots__ = _fields = ("template", "resource", "principal", "kind_given", "file", "line")

    def __init__(
        self, template: str, resource: str, principal: Principal, kind_given: bool, file: str, line: int
    ) -> None:
        self.template = template
        self.resource = resource
        self.principal = principal
        self.kind_given = kind_given
        self.file = file
        self.line = line


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


# --- Lines of keys ---------------------------------------------------------------------------------------

_HEADER_RE = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_\-.\"' ]+?)\s*\]\]?\s*(?:#.*)?$")


def _split_dotted(name: str) -> tuple[str, ...]:
    return tuple(p.strip().strip("\"'") for p in re.findall(r'"[^"]*"|\'[^\']*\'|[^.]+', name))


class KeyLines:
    """Finds the line of a key in TOML text. tomllib gives no positions, so this scans the text: table
    headers, ``key =`` at the start of a line or inside an inline table, and quoted values."""

    def __init__(self, text: str, prefix: tuple[str, ...] = ()) -> None:
        self.lines = text.splitlines()
        self.prefix = prefix
        #: (1-based line, dotted parts, is array of tables)
        self.headers: list[tuple[int, tuple[str, ...], bool]] = []
        for i, line in enumerate(self.lines, 1):
            m = _HEADER_RE.match(line)
            if m:
                self.headers.append((i, _split_dotted(m[2]), m[1] == "[["))

    def _range(self, parts: tuple[str, ...], index: int | None = None) -> tuple[int, int] | None:
        full = self.prefix + parts
        if not full:
            end = self.headers[0][0] - 1 if self.headers else len(self.lines)
            return (1, max(end, 1))
        hits = [k for k, (_, p, _a) in enumerate(self.headers) if p == full]
        if not hits:
            return None
        k = hits[index] if index is not None and index < len(hits) else hits[0]
        start = self.headers[k][0]
        end = self.headers[k + 1][0] - 1 if k + 1 < len(self.headers) else len(self.lines)
        return (start, end)

    def _is_array(self, parts: tuple[str, ...]) -> bool:
        full = self.prefix + parts
        return any(p == full and a for _, p, a in self.headers)

    def _find(self, rng: tuple[int, int], pattern: re.Pattern[str]) -> int | None:
        for n in range(rng[0], min(rng[1], len(self.lines)) + 1):
            if pattern.search(self.lines[n - 1]):
                return n
        return None

    def line(self, *path: str | int, value: str | None = None) -> int:
        """Line of ``path`` (keys and array indexes, e.g. ``("principal", 2, "needs")``); with ``value``, the
        line of that quoted string at or after the key. Falls back to the nearest enclosing place found."""
        table: tuple[str, ...] = ()
        rng = self._range(()) or (1, max(len(self.lines), 1))
        line = rng[0]
        i = 0
        while i < len(path):
            key = path[i]
            nxt = path[i + 1] if i + 1 < len(path) else None
            if isinstance(key, str) and isinstance(nxt, int) and self._is_array((*table, key)):
                r = self._range((*table, key), nxt)
                if r:
                    table, rng, line = (*table, key), r, r[0]
                    i += 2
                    continue
            if isinstance(key, str) and self._range((*table, key)) is not None:
                r = self._range((*table, key))
                assert r is not None
                table, rng, line = (*table, key), r, r[0]
                i += 1
                continue
            if isinstance(key, str):
                pat = re.compile(r"(?:^|[\s{,])[\"']?" + re.escape(key) + r"[\"']?\s*=(?!=)")
                found = self._find((line, rng[1]), pat)
                if found is not None:
                    line = found
            i += 1
        if value is not None:
            quoted = re.compile(r"[\"']" + re.escape(value) + r"[\"']")
            found = self._find((line, rng[1]), quoted)
            if found is not None:
                return found
        return line


# --- Loading ------------------------------------------------------------------------------------------


class _Loader:
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
        self.error(f"{what} must be {_a(typ)}, not {_tname(v)}", *path)
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
                self.error(f"ignore entries must be tables, not {_tname(e)}", "ignore", i)
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
                self.error(f"accept entries must be tables, not {_tname(e)}", *where)
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
                        reason.strip(),  # type: ignore[union-attr]
                    )
                )

    def _severity(self, v: Any) -> None:
        if not isinstance(v, dict):
            self.error(f'severity must be a table such as {{MNT008 = "error"}}, not {_tname(v)}', "severity")
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
                self.error(f"per-path-ignores entries must be tables, not {_tname(e)}", *where)
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

    # principals
    def _principal(self, raw: Any, i: int, names: set[str]) -> Principal | None:
        where: tuple[str | int, ...] = ("principal", i)
        if not isinstance(raw, dict):
            self.error(f"a principal must be a table, not {_tname(raw)}", *where)
            return None
        n_errors = len(self.config.errors)
        for k in raw:
            if k not in PRINCIPAL_KEYS:
                self.error(f"unknown principal key {k!r} (known: {', '.join(PRINCIPAL_KEYS)})", *where, k)
        name = raw.get("name")
        if not isinstance(name, str) or not name.strip():
            self.error('a principal needs name = "..."', *where)
            name = None
        elif name in names:
            self.error(f"principal {name!r} is defined twice", *where, "name")
        else:
            names.add(name)
        kind = raw.get("kind")
        if "template" in raw and kind is None:
            kind = "role"  # a placeholder: the template's resource decides (see _declaration)
        if not isinstance(kind, str) or kind not in PRINCIPAL_KINDS:
            self.error(f"principal kind must be one of {', '.join(PRINCIPAL_KINDS)}, not {kind!r}", *where, "kind")
        account = raw.get("account")
        if account is not None and (not isinstance(account, str) or not ACCOUNT_RE.match(account)):
            hint = " (quote it: account ids may start with 0)" if isinstance(account, int) else ""
            self.error(f"account must be a 12-digit string, not {account!r}{hint}", *where, "account")
        region = raw.get("region")
        if region is not None and (not isinstance(region, str) or region not in facts.REGIONS):
            self.error(
                f"region {region!r} has no Mantle endpoint (known: {', '.join(sorted(facts.REGIONS))})",
                *where,
                "region",
            )
        projects: list[str] = []
        if "projects" in raw:
            for p in self._strings(raw["projects"], "projects", *where, "projects") or ():
                if facts.PROJECT_ID_RE.match(p) or facts.PROJECT_ARN_RE.match(p):
                    projects.append(p)
                else:
                    self.error(
                        f"{p!r} is neither a project id (default, proj_...) nor a project ARN",
                        *where,
                        "projects",
                        value=p,
                    )
        needs: list[str] = []
        if "needs" in raw:
            for need in self._strings(raw["needs"], "needs", *where, "needs") or ():
                if need in facts.CAPABILITY_ROUTES:
                    needs.append(need)
                else:
                    self.error(
                        f"unknown need {need!r} (known: {', '.join(facts.CAPABILITY_ROUTES)})",
                        *where,
                        "needs",
                        value=need,
                    )
        arn = raw.get("arn")
        if arn is not None and (not isinstance(arn, str) or not arn.startswith("arn:")):
            self.error(f"arn must be an ARN string, not {arn!r}", *where, "arn")
        tags = raw.get("tags", {})
        if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
            self.error('tags must be a table of strings, e.g. {team = "ml"}', *where, "tags")
            tags = {}

        if "template" in raw:
            # The template decides these; reading them too would give one principal two sets of policies.
            for key in _FROM_TEMPLATE:
                if key in raw:
                    self.error(
                        f"{key} of a template's principal come from the template; remove {key} or template",
                        *where,
                        key,
                    )
        identity: list[Policy] = []
        if "policies" in raw and "template" not in raw:
            for ref in self._strings(raw["policies"], "policies", *where, "policies") or ():
                p = self._policy(ref, IDENTITY, (*where, "policies"), managed=True)
                if p is not None:
                    identity.append(p)
        boundary = None if "template" in raw else self._single(raw, "boundary", BOUNDARY, where, managed=True)
        scps = self._levels(raw, "scps", "SCP", SCP, where)
        rcps = self._levels(raw, "rcps", "RCP", RCP, where)
        endpoint = self._single(raw, "endpoint-policy", ENDPOINT, where, managed=False)
        resource = self._single(raw, "resource-policy", RESOURCE, where, managed=False)
        session: list[Policy] = []
        if "session-policies" in raw:
            refs = raw["session-policies"]
            if not isinstance(refs, list) or not all(isinstance(x, str) for x in refs):
                self.error("session-policies must be a list of policy files", *where, "session-policies")
                refs = []
            for ref in refs:
                sp = self._policy(ref, SESSION, (*where, "session-policies"), managed=True)
                if sp is not None:
                    session.append(sp)

        if len(self.config.errors) > n_errors or name is None:
            return None
        return Principal(
            name=name,
            kind=kind,  # type: ignore[arg-type]
            policies=PolicySet(
                identity=identity,
                boundary=boundary,
                scps=scps,
                endpoint=endpoint,
                resource=resource,
                session=session,
                rcps=rcps,
            ),
            account=account,
            region=region,
            projects=tuple(projects),
            needs=tuple(needs),
            file=self.display,
            line=self.lines.line(*where),
            column=1,
            arn=arn,
            tags=dict(tags),
        )

    def _declaration(self, raw: dict[str, Any], i: int, p: Principal) -> Declaration | None:
        where: tuple[str | int, ...] = ("principal", i)
        template, resource = raw.get("template"), raw.get("resource")
        ok = True
        if not isinstance(template, str) or not template.strip():
            self.error(
                'template must be the path of a template or cloud assembly, e.g. template = "cdk.out"',
                *where,
                "template",
            )
            ok = False
        if not isinstance(resource, str) or not resource.strip():
            self.error(
                'a principal with a template needs resource = "LogicalId" (or a construct path) of its role or user',
                *where,
                "resource" if "resource" in raw else "template",
            )
            ok = False
        if not ok:
            return None
        path = os.path.normpath(os.path.join(self.base, os.path.expanduser(str(template))))
        if not os.path.exists(path):
            self.error(f"template {template!r} not found (relative to {self.display})", *where, "template")
            return None
        line = self.lines.line(*where)
        return Declaration(path, str(resource).strip(), p, "kind" in raw, self.display, line)

    def _levels(
        self, raw: dict[str, Any], key: str, what: str, kind: str, where: tuple[str | int, ...]
    ) -> list[Policy | list[Policy]]:
        """Organization policy levels (``scps``, ``rcps``): each a file, or a list of the files of one level."""
        out: list[Policy | list[Policy]] = []
        if key not in raw:
            return out
        levels = raw[key]
        if not isinstance(levels, list) or not all(
            isinstance(lvl, str) or (isinstance(lvl, list) and lvl and all(isinstance(x, str) for x in lvl))
            for lvl in levels
        ):
            self.error(
                f"{key} must be a list of {what} files (or, for a level, a list of its {what} files)", *where, key
            )
            levels = []
        for level in levels:
            refs = [level] if isinstance(level, str) else level
            got = [self._policy(ref, kind, (*where, key), managed=False) for ref in refs]
            if all(p is not None for p in got):
                out.append(got[0] if isinstance(level, str) else got)  # type: ignore[arg-type]
        return out

    def _single(
        self, raw: dict[str, Any], key: str, kind: str, where: tuple[str | int, ...], managed: bool
    ) -> Policy | None:
        if key not in raw:
            return None
        v = raw[key]
        if not isinstance(v, str):
            self.error(f"{key} must be a file name, not {_tname(v)}", *where, key)
            return None
        return self._policy(v, kind, (*where, key), managed=managed)

    def _policy(self, ref: str, kind: str, where: tuple[str | int, ...], managed: bool) -> Policy | None:
        from mantlekit.iam import managed as aws_managed

        ref = ref.strip()
        if kind == SCP and ref in (FULL_AWS_ACCESS, _FULL_AWS_ACCESS_ARN):
            return self._parse(ref, _FULL_AWS_ACCESS_TEXT, "aws-managed:FullAWSAccess (SCP)", kind, where)
        if aws_managed.is_aws_managed_arn(ref):
            if not managed:
                self.error(f"{ref} is an AWS managed policy; give a policy file here", *where, value=ref)
                return None
            found = aws_managed.managed_policy(ref, kind)
            if found is None:
                self.error(f"AWS managed policy {ref} is not bundled with mantle-lint", *where, value=ref)
            return found
        if ref.startswith("arn:"):
            self.error(
                f"{ref} cannot be resolved offline: save the policy document to a file and name the file",
                *where,
                value=ref,
            )
            return None
        path = os.path.normpath(os.path.join(self.base, os.path.expanduser(ref)))
        key = (os.path.realpath(path), kind)
        if key in self._policies:
            return self._policies[key]
        try:
            from mantlekit.lint.readers import MAX_BYTES, format_size

            limit = self.config.max_file_size or MAX_BYTES
            if os.path.getsize(path) > limit:
                raise ValueError(f"larger than {format_size(limit)} (raise the limit with max-file-size)")
            with open(path, "rb") as fh:
                text = fh.read().decode("utf-8-sig")
        except FileNotFoundError:
            hint = ""
            if aws_managed.managed_policy_text(ref) is not None:
                hint = f" (for the AWS managed policy write arn:aws:iam::aws:policy/{ref})"
            self.error(f"policy file {ref!r} not found (relative to {self.display}){hint}", *where, value=ref)
            self._policies[key] = None
            return None
        except (OSError, UnicodeDecodeError, ValueError) as e:
            reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
            self.error(f"cannot read policy file {ref!r}: {reason}", *where, value=ref)
            self._policies[key] = None
            return None
        policy = self._parse(ref, text, display_path(path), kind, where)
        self._policies[key] = policy
        if policy is not None:
            self._docs.setdefault(key[0], policy)
        return policy

    def _parse(self, ref: str, text: str, file: str, kind: str, where: tuple[str | int, ...]) -> Policy | None:
        from mantlekit.iam.parse import load_policy

        try:
            return load_policy(text, file, kind)
        except PolicyError as e:
            # The place is in the policy file; the config line says who referred to it.
            self.config.errors.append(InputError.of(e))
            self.error(f"policy {ref!r} could not be read (see above)", *where, value=ref)
        except RecursionError:
            self.error(f"policy {ref!r} is nested too deeply to be read", *where, value=ref)
        return None


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


def _tname(v: Any) -> str:
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, int | float):
        return "a number"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, dict):
        return "a table"
    return type(v).__name__


def _a(typ: type | tuple[type, ...]) -> str:
    names = {str: "a string", int: "a number", list: "a list", dict: "a table"}
    if isinstance(typ, tuple):
        return " or ".join(names.get(t, t.__name__) for t in typ)
    return names.get(typ, typ.__name__)
