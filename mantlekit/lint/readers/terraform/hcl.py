"""Terraform configurations (``*.tf``), best effort, with python-hcl2's parser (``mantlekit[terraform]``).

The files of one directory are one module. Resolved: literal strings, numbers, lists and maps; string
templates whose parts resolve; ``jsonencode(...)``, ``tolist``/``toset``/``concat``/``merge``/``lower``/
``upper``; heredocs (a JSON policy in a heredoc); ``var.x`` with a default; ``local.x``; references
between resources of the module (``aws_iam_role.r.name``, ``aws_iam_policy.p.arn`` by the configuration's
reference, attributes written in the resource) and ``data "aws_iam_policy_document"`` (``statement`` with
``sid``/``effect``/``actions``/``not_actions``/``resources``/``not_resources``/``principals``/
``not_principals``/``condition``, ``source_policy_documents``, ``override_policy_documents``) through
``.json``; ``count`` and ``for_each`` with literal values (``count.index``, ``each.key``, ``each.value``).
``data.aws_caller_identity.*.account_id``, ``data.aws_region.*.name`` and ``data.aws_partition.*.partition``
are the CloudFormation reader's pseudo-parameter values (the provider's ``region`` when it sets one).
Everything else (other data sources, module outputs, other functions, computed attributes such as ``arn``)
is ``${mantlekit:unresolved/...}``. Positions: the line of each object or list entry, so a statement in a
``jsonencode`` or a ``statement`` block is placed on its own line; a heredoc document on its attribute.
Child modules (``module`` blocks) are not followed: lint the plan for those.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from mantlekit import facts
from mantlekit.iam.locate import Path
from mantlekit.lint.findings import InputError
from mantlekit.lint.inventory import DEFAULT_ACCOUNT, DEFAULT_REGION, Inventory
from mantlekit.lint.readers.terraform import resources as tfr
from mantlekit.lint.readers.terraform.resources import IAM_TYPES, Config, TfResource, unresolved


class Json(str):
    """A JSON text made by ``jsonencode``: its positions are recorded under the attribute's path."""

    __slots__ = ("positions",)
    positions: bool

    def __new__(cls, value: str) -> Json:
        s = super().__new__(cls, value)
        s.positions = True
        return s


class DocJson(str):
    """The ``json`` of a ``data "aws_iam_policy_document"``: positions are those of the data block."""

    __slots__ = ("origin",)
    origin: Path

    def __new__(cls, value: str, origin: Path) -> DocJson:
        s = super().__new__(cls, value)
        s.origin = origin
        return s


@dataclass(slots=True)
class Parsed:
    path: str
    tree: Any


def parse(text: str, path: str) -> Parsed:
    """Parse one file. Raises ImportError without python-hcl2, InputError (with line) when it is not HCL."""
    import hcl2  # the extra's dependency: imported only when a .tf file is read
    from lark.exceptions import LarkError, UnexpectedInput

    try:
        tree = hcl2.parses_to_tree(text if text.endswith("\n") else text + "\n")
    except UnexpectedInput as e:
        raise InputError(path, f"not valid Terraform (HCL): {str(e).splitlines()[0]}", e.line, e.column) from None
    except (LarkError, ValueError) as e:
        raise InputError(path, f"not valid Terraform (HCL): {e}") from None
    return Parsed(path, tree)


# --- tree helpers ---------------------------------------------------------------------------------------------


def _data(n: Any) -> str | None:
    return getattr(n, "data", None)


def _kids(n: Any) -> list[Any]:
    return [c for c in getattr(n, "children", ()) if _data(c) != "new_line_or_comment"]


def _pos(n: Any) -> tuple[int, int]:
    meta = getattr(n, "meta", None)
    line = getattr(meta, "line", None) or getattr(n, "line", None) or 1
    col = getattr(meta, "column", None) or getattr(n, "column", None) or 1
    return int(line), int(col)


def _name(n: Any) -> str:
    """An identifier or a literal string label."""
    if _data(n) == "string":
        return "".join(str(p.children[0]) for p in n.children if _data(p) == "string_part")
    while _data(n) in ("identifier", "keyword", "literal_value", "expr_term", "object_elem_key") and n.children:
        n = _kids(n)[0] if _kids(n) else n.children[0]
        if not hasattr(n, "data"):
            return str(n)
    return str(n)


@dataclass(slots=True)
class _Block:
    kind: str
    labels: list[str]
    body: Any
    file: str
    node: Any


def _blocks(body: Any, file: str) -> list[_Block]:
    out = []
    for c in _kids(body):
        if _data(c) == "block":
            parts = [k for k in c.children if hasattr(k, "data")]
            kind = _name(parts[0])
            labels = [_name(p) for p in parts[1:] if _data(p) in ("string", "identifier")]
            inner = next(k for k in c.children if _data(k) == "body")
            out.append(_Block(kind, labels, inner, file, c))
    return out


def _attributes(body: Any) -> list[tuple[str, Any]]:
    out = []
    for c in _kids(body):
        if _data(c) == "attribute":
            parts = _kids(c)
            out.append((_name(parts[0]), parts[-1]))
    return out


# --- the module -----------------------------------------------------------------------------------------------


@dataclass
class _Module:
    files: list[Parsed]
    positions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    variables: dict[str, Any] = field(default_factory=dict)
    locals: dict[str, Any] = field(default_factory=dict)
    resources: dict[str, _Block] = field(default_factory=dict)  # type.name -> block
    documents: dict[str, _Block] = field(default_factory=dict)  # aws_iam_policy_document name -> block
    region: str | None = None
    #: Provider configuration (``aws``, ``aws.west``, ``awscc``) -> the region its block names.
    regions: dict[str, str] = field(default_factory=dict)
    _busy: set[str] = field(default_factory=set)
    _cache: dict[str, Any] = field(default_factory=dict)

    def locate(self, path: Path) -> tuple[int, int]:
        p = tuple(path)
        for n in range(len(p), 0, -1):
            hit = self.positions.get(p[:n])
            if hit is not None:
                return hit
        return 1, 1


def build(files: list[Parsed]) -> Inventory:
    m = _Module(files)
    top: list[_Block] = []
    for f in files:
        top += _blocks(f.tree.children[0] if _data(f.tree) == "start" else f.tree, f.path)
    for b in top:
        if b.kind == "variable" and b.labels:
            m.variables[b.labels[0]] = dict(_attributes(b.body)).get("default")
        elif b.kind == "locals":
            m.locals.update(_attributes(b.body))
        elif b.kind == "resource" and len(b.labels) >= 2:
            m.resources[f"{b.labels[0]}.{b.labels[1]}"] = b
        elif b.kind == "data" and len(b.labels) >= 2 and b.labels[0] == "aws_iam_policy_document":
            m.documents[b.labels[1]] = b
        elif b.kind == "provider" and b.labels:
            attrs = dict(_attributes(b.body))
            ev = _Eval(m, {})
            region = ev.value(attrs["region"], ()) if "region" in attrs else None
            alias = ev.value(attrs["alias"], ()) if "alias" in attrs else None
            key = f"{b.labels[0]}.{alias}" if isinstance(alias, str) else b.labels[0]
            if isinstance(region, str) and "${" not in region:
                m.regions.setdefault(key, region)
    m.region = m.regions.get("aws")
    resources: list[TfResource] = []
    for local, b in m.resources.items():
        resources += _instances(m, local, b)
    iam = [r for r in resources if r.type in IAM_TYPES]
    if not iam:
        return Inventory()
    inv = tfr.build(iam, Config(region=m.region), iam[0].file)
    inv.files = sorted({r.file for r in iam})
    return inv


def _instances(m: _Module, local: str, b: _Block) -> list[TfResource]:
    typ, name = local.split(".", 1)
    attrs = dict(_attributes(b.body))
    keys: list[tuple[Any, dict[str, Any]]] = [(None, {})]
    if "count" in attrs:
        n = _Eval(m, {}).value(attrs["count"], ())
        keys = [(i, {"count.index": i}) for i in range(n)] if isinstance(n, int) and 0 <= n <= 1000 else [("?", {})]
    elif "for_each" in attrs:
        each = _Eval(m, {}).value(attrs["for_each"], ())
        if isinstance(each, dict):
            keys = [(k, {"each.key": k, "each.value": v}) for k, v in each.items()]
        elif isinstance(each, list) and all(isinstance(x, str) for x in each):
            keys = [(k, {"each.key": k, "each.value": k}) for k in each]
        else:
            keys = [("?", {})]
    out = []
    for index, scope in keys:
        address = local if index is None else f"{local}[{json.dumps(index)}]"
        ev = _Eval(m, scope)
        rpath: Path = ("hcl", address)
        m.positions[rpath] = _pos(b.node)
        values, refs = ev.body(b.body, rpath)
        region = values.get("region")  # hashicorp/aws 6.x: a resource's own region
        if not isinstance(region, str) or "${" in region:
            chain = ev._chain(attrs["provider"]) if "provider" in attrs else []
            key = ".".join(str(c) for c in chain) if chain and None not in chain else typ.split("_", 1)[0]
            region = m.regions.get(key)
        out.append(
            TfResource(
                address, "", typ, name, index, values, b.file, m.locate, rpath, values_at=(), refs=refs, region=region
            )
        )
    return out


class _Eval:
    """Evaluates expressions of one resource instance (``scope``: count.index, each.key, each.value)."""

    def __init__(self, m: _Module, scope: dict[str, Any]) -> None:
        self.m = m
        self.scope = scope
        self.refs: list[str] = []

    def body(self, body: Any, at: Path) -> tuple[dict[str, Any], dict[str, list[str]]]:
        values: dict[str, Any] = {}
        refs: dict[str, list[str]] = {}
        for name, expr in _attributes(body):
            self.refs = []
            self.m.positions[(*at, name)] = _pos(expr)
            values[name] = self.value(expr, (*at, name))
            refs[name] = self.refs
        counts: dict[str, int] = {}
        for blk in _blocks(body, ""):
            i = counts.get(blk.kind, 0)
            counts[blk.kind] = i + 1
            self.m.positions[(*at, blk.kind, i)] = _pos(blk.node)
            inner, inner_refs = self.body(blk.body, (*at, blk.kind, i))
            values.setdefault(blk.kind, []).append(inner)
            for k, v in inner_refs.items():
                refs.setdefault(blk.kind, []).extend(v)
                refs.setdefault(k, []).extend(v)
        return values, refs

    def value(self, n: Any, at: Path) -> Any:
        d = _data(n)
        if d is None:
            return str(n)
        if d in ("expr_term", "object_elem_key") or (d == "expression"):
            kids = _kids(n)
            inner = [k for k in kids if hasattr(k, "data")]
            return self.value(inner[0], at) if inner else unresolved("HCL/expression")
        if d == "int_lit":
            return int(str(n.children[0]))
        if d == "float_lit":
            return float(str(n.children[0]))
        if d == "literal_value":
            return {"true": True, "false": False, "null": None}[str(n.children[0])]
        if d == "string":
            return self.template(n, at)
        if d in ("heredoc_template", "heredoc_template_trim"):
            return self.heredoc(str(n.children[0]), d.endswith("trim"))
        if d == "tuple":
            out = []
            for i, k in enumerate(k for k in _kids(n) if hasattr(k, "data")):
                self.m.positions[(*at, i)] = _pos(k)
                out.append(self.value(k, (*at, i)))
            return out
        if d == "object":
            obj: dict[str, Any] = {}
            for elem in (k for k in _kids(n) if _data(k) == "object_elem"):
                parts = [k for k in elem.children if hasattr(k, "data")]
                key = self.key(parts[0])
                self.m.positions[(*at, key)] = _pos(elem)
                obj[key] = self.value(parts[-1], (*at, key))
            return obj
        if d == "function_call":
            return self.call(n, at)
        if d in ("identifier", "get_attr_expr_term", "index_expr_term"):
            return self.reference(n)
        return unresolved(f"HCL/{d}")

    def key(self, n: Any) -> str:
        inner = [k for k in _kids(n) if hasattr(k, "data")]
        target = inner[0] if inner else n
        while _data(target) == "expr_term" and [k for k in _kids(target) if hasattr(k, "data")]:
            target = next(k for k in _kids(target) if hasattr(k, "data"))
        if _data(target) == "identifier":
            return _name(target)
        v = self.value(target, ())
        return v if isinstance(v, str) else str(v)

    def template(self, n: Any, at: Path) -> Any:
        parts: list[str] = []
        for p in n.children:
            if _data(p) != "string_part":
                continue
            c = p.children[0]
            if _data(c) == "interpolation":
                v = self.value(next(k for k in c.children if hasattr(k, "data")), at)
                if isinstance(v, bool):
                    v = "true" if v else "false"
                parts.append(
                    v if isinstance(v, str) else str(v) if isinstance(v, int | float) else unresolved("HCL/template")
                )
            elif _data(c) is None:
                parts.append(bytes(str(c), "utf-8").decode("unicode_escape") if "\\" in str(c) else str(c))
            else:
                return unresolved("HCL/template-directive")
        return "".join(parts)

    def heredoc(self, raw: str, trim: bool) -> str:
        lines = raw.split("\n")
        body = lines[1:-2] if len(lines) >= 3 else []
        if trim:
            indent = min((len(x) - len(x.lstrip()) for x in body if x.strip()), default=0)
            body = [x[indent:] for x in body]
        text = "\n".join(body)
        return text  # interpolations in heredocs are left as written (a policy variable looks the same)

    def call(self, n: Any, at: Path) -> Any:
        kids = [k for k in n.children if hasattr(k, "data")]
        fname = _name(kids[0])
        args_node = next((k for k in kids if _data(k) == "arguments"), None)
        args = [k for k in _kids(args_node) if hasattr(k, "data")] if args_node is not None else []
        values = [self.value(a, at) for a in args]
        if fname == "jsonencode" and len(values) == 1:
            return Json(json.dumps(values[0]))
        if fname in ("tolist", "toset") and len(values) == 1 and isinstance(values[0], list):
            return values[0]
        if fname == "concat" and all(isinstance(v, list) for v in values):
            return [x for v in values for x in v]
        if fname == "merge" and all(isinstance(v, dict) for v in values):
            out: dict[str, Any] = {}
            for v in values:
                out.update(v)
            return out
        if fname in ("lower", "upper") and len(values) == 1 and isinstance(values[0], str) and "${" not in values[0]:
            return values[0].lower() if fname == "lower" else values[0].upper()
        return unresolved(f"HCL/{fname}")

    def _chain(self, n: Any) -> list[Any]:
        """identifier, then attribute names and index values."""
        d = _data(n)
        if d == "expr_term":
            inner = [k for k in _kids(n) if hasattr(k, "data")]
            return self._chain(inner[0]) if inner else []
        if d == "identifier":
            return [_name(n)]
        if d == "get_attr_expr_term":
            base, attr = [k for k in n.children if hasattr(k, "data")]
            return [*self._chain(base), _name(next(k for k in attr.children if hasattr(k, "data")))]
        if d == "index_expr_term":
            base, index = [k for k in n.children if hasattr(k, "data")]
            inner = [k for k in index.children if hasattr(k, "data")]
            if _data(index) == "short_index":
                key: Any = int(str(index.children[-1]))
            else:
                key = self.value(inner[0], ()) if inner else None
            return [*self._chain(base), key]
        return [None]

    def reference(self, n: Any) -> Any:
        chain = self._chain(n)
        what = ".".join(str(c) for c in chain)
        head = chain[0] if chain else None
        if head in ("count", "each") and len(chain) >= 2 and f"{head}.{chain[1]}" in self.scope:
            return self._index(self.scope[f"{head}.{chain[1]}"], chain[2:], what)
        if head == "var" and len(chain) >= 2:
            expr = self.m.variables.get(str(chain[1]))
            return self._index(
                self.value(expr, ()) if expr is not None else unresolved(f"var.{chain[1]}"), chain[2:], what
            )
        if head == "local" and len(chain) >= 2:
            return self._index(self._local(str(chain[1])), chain[2:], what)
        if head == "data" and len(chain) >= 4 and (chain[1], chain[3]) in _PSEUDO:
            return self._pseudo(_PSEUDO[(chain[1], chain[3])])
        if head == "data" and len(chain) >= 4 and chain[1] == "aws_iam_policy_document" and chain[3] == "json":
            self.refs.append(f"data.aws_iam_policy_document.{chain[2]}")
            return self._document(str(chain[2]))
        if isinstance(head, str) and len(chain) >= 2 and f"{head}.{chain[1]}" in self.m.resources:
            local = f"{head}.{chain[1]}"
            rest = chain[2:]
            key = rest[0] if rest and _data(_base(n)) == "index_expr_term" else None
            if isinstance(key, int | str) and not isinstance(key, bool) and "${" not in str(key):
                self.refs.append(f"{local}[{json.dumps(key)}]")  # as Terraform lists it: the instance, then all
            self.refs.append(local)
            if rest and not isinstance(rest[0], str):
                rest = rest[1:]  # an instance index: attributes written in the block are the same for each
            if rest and isinstance(rest[0], str):
                expr = dict(_attributes(self.m.resources[local].body)).get(rest[0])
                if (
                    expr is not None
                    and local not in self.m._busy
                    and "count" not in _attrs_of(self.m, local)
                    and "for_each" not in _attrs_of(self.m, local)
                ):
                    self.m._busy.add(local)
                    try:
                        return self._index(_Eval(self.m, {}).value(expr, ()), rest[1:], what)
                    finally:
                        self.m._busy.discard(local)
        return unresolved(f"HCL/{what}")

    def _pseudo(self, what: str) -> str:
        """The account, region and partition data sources: the values the CloudFormation reader uses for
        its pseudo parameters (the provider's region when it names one)."""
        region = self.m.region or DEFAULT_REGION
        if what == "account":
            return DEFAULT_ACCOUNT
        if what == "region":
            return region
        if what == "partition":
            return facts.partition_of(region) if self.m.region else "aws"
        return "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"

    def _index(self, v: Any, rest: list[Any], what: str) -> Any:
        for k in rest:
            if isinstance(v, dict) and k in v:
                v = v[k]
            elif isinstance(v, list) and isinstance(k, int) and 0 <= k < len(v):
                v = v[k]
            else:
                return unresolved(f"HCL/{what}")
        return v

    def _local(self, name: str) -> Any:
        key = f"local.{name}"
        if key in self.m._cache:
            return self.m._cache[key]
        expr = self.m.locals.get(name)
        if expr is None or key in self.m._busy:
            return unresolved(f"HCL/{key}")
        self.m._busy.add(key)
        try:
            v = _Eval(self.m, {}).value(expr, ())
        finally:
            self.m._busy.discard(key)
        self.m._cache[key] = v
        return v

    def _document(self, name: str) -> Any:
        key = f"data.aws_iam_policy_document.{name}"
        if key in self.m._cache:
            return self.m._cache[key]
        b = self.m.documents.get(name)
        if b is None or key in self.m._busy:
            return unresolved(f"HCL/{key}")
        self.m._busy.add(key)
        try:
            doc = _policy_document(self.m, b, ("hcl", key))
        finally:
            self.m._busy.discard(key)
        self.m._cache[key] = doc
        return doc


def _base(n: Any) -> Any:
    """The innermost traversal step after ``type.name`` of a reference (``aws_iam_role.r[0]`` of
    ``aws_iam_role.r[0].name``): an index_expr_term when the reference picks an instance."""
    steps = []
    while _data(n) in ("expr_term", "get_attr_expr_term", "index_expr_term"):
        inner = [k for k in (_kids(n) if _data(n) == "expr_term" else n.children) if hasattr(k, "data")]
        if not inner:
            break
        if _data(n) != "expr_term":
            steps.append(n)
        n = inner[0]
    return steps[-2] if len(steps) >= 2 else None


def _attrs_of(m: _Module, local: str) -> dict[str, Any]:
    return dict(_attributes(m.resources[local].body))


#: (data source type, attribute) -> the pseudo value it gives.
_PSEUDO = {
    ("aws_caller_identity", "account_id"): "account",
    ("aws_region", "name"): "region",
    ("aws_region", "region"): "region",
    ("aws_region", "id"): "region",
    ("aws_partition", "partition"): "partition",
    ("aws_partition", "dns_suffix"): "dns_suffix",
}
_STATEMENT_KEYS = (
    ("sid", "Sid"),
    ("effect", "Effect"),
    ("actions", "Action"),
    ("not_actions", "NotAction"),
    ("resources", "Resource"),
    ("not_resources", "NotResource"),
)


def _policy_document(m: _Module, b: _Block, at: Path) -> Any:
    """The JSON of a ``data "aws_iam_policy_document"`` block, its statements placed on their blocks."""
    ev = _Eval(m, {})
    values, _refs = ev.body(b.body, at)
    statements: list[dict[str, Any]] = []
    lines: list[tuple[int, int]] = []

    def merge(docs: Any, override: bool) -> None:
        for raw in docs if isinstance(docs, list) else []:
            try:
                doc = json.loads(raw) if isinstance(raw, str) else None
            except ValueError:
                doc = None
            if not isinstance(doc, dict):
                continue
            st = doc.get("Statement")
            for s in st if isinstance(st, list) else [st] if isinstance(st, dict) else []:
                _put(statements, lines, s, m.positions.get((*at, "source_policy_documents"), _pos(b.node)), override)

    merge(values.get("source_policy_documents"), False)
    for i, st in enumerate(values.get("statement") or []):
        out: dict[str, Any] = {}
        for key, name in _STATEMENT_KEYS:
            if st.get(key) is not None:
                out[name] = st[key]
        out.setdefault("Effect", "Allow")
        for key, name in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
            for p in st.get(key) or []:
                typ, ids = p.get("type"), p.get("identifiers")
                if typ == "*" and ids == ["*"]:
                    out[name] = "*"
                elif isinstance(typ, str):
                    out.setdefault(name, {}).setdefault(typ, [])
                    if isinstance(out[name], dict):
                        out[name][typ] += ids if isinstance(ids, list) else [ids]
        for c in st.get("condition") or []:
            test, var, vals = c.get("test"), c.get("variable"), c.get("values")
            if isinstance(test, str) and isinstance(var, str):
                out.setdefault("Condition", {}).setdefault(test, {})[var] = vals
        _put(statements, lines, out, m.positions.get((*at, "statement", i), _pos(b.node)), True)
    merge(values.get("override_policy_documents"), True)
    doc = {"Version": values.get("version") or "2012-10-17", "Statement": statements}
    origin: Path = (*at, "json")
    m.positions[origin] = _pos(b.node)
    for i, pos in enumerate(lines):
        m.positions[(*origin, "Statement", i)] = pos
    return DocJson(json.dumps(doc), origin)


def _put(statements: list[Any], lines: list[tuple[int, int]], st: Any, pos: tuple[int, int], replace: bool) -> None:
    sid = st.get("Sid") if isinstance(st, dict) else None
    if replace and sid:
        for i, s in enumerate(statements):
            if isinstance(s, dict) and s.get("Sid") == sid:
                statements[i], lines[i] = st, pos
                return
    statements.append(st)
    lines.append(pos)
