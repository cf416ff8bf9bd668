"""Properties of the engine over random policies and requests, and of the reader over random garbage.

- Adding an Allow never makes a verdict worse; adding a Deny never makes it better
  (order: any deny < conditional < allowed; an explicit deny stays explicit).
- The order of statements, of identity policies and of SCP levels never changes the verdict, the set of
  deciding statements (for denials and conditional verdicts) or the missing context.
- Whatever the input, ``load_policy`` either raises ``PolicyError`` or returns a policy; text that is not a
  valid policy always leaves problems; the engine never crashes on what the reader returned.
- On closed contexts the engine agrees with a small reference evaluator written from the documented rules.
"""

from __future__ import annotations

import base64
import fnmatch
import ipaddress
import json
import random
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mantlekit.iam.evaluate import Request, Verdict, decide
from mantlekit.iam.match import Context
from mantlekit.iam.model import (
    BOUNDARY,
    ENDPOINT,
    IDENTITY,
    KINDS,
    RCP,
    RESOURCE,
    SCP,
    SESSION,
    Gate,
    Policy,
    PolicyError,
    PolicySet,
)
from mantlekit.iam.parse import load_policy

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

ACCT = "111122223333"
ROLE = f"arn:aws:iam::{ACCT}:role/R"
THING = f"arn:aws:svc:us-east-1:{ACCT}:thing"

ACTIONS = ["svc:Get", "svc:Put", "svc:List", "other:Get"]
ACTION_PATTERNS = ["*", "svc:*", "svc:Get", "svc:G*", "svc:?et", "SVC:put", "other:*", "svc:*t"]
RESOURCES = [f"{THING}/a", f"{THING}/b", f"{THING}/a:x", "*"]
RESOURCE_PATTERNS = [
    "*",
    f"{THING}/a",
    f"{THING}/*",
    f"{THING}/?",
    "arn:aws:svc:*:*:thing/*",
    "arn:aws:svc:*",
    f"{THING}/${{k1}}",
    f"{THING}/${{k1, 'a'}}",
]
KEYS = ["k1", "K2", "aws:TagKeys"]
VALUES = ["a", "b", "1", "10", "true", "203.0.113.9", "2026-01-01T00:00:00Z", "x*", "${k2}", "nan"]
OPERATORS = [
    "StringEquals",
    "StringNotEquals",
    "StringLike",
    "StringEqualsIgnoreCase",
    "StringEqualsIfExists",
    "StringNotLikeIfExists",
    "NumericLessThan",
    "NumericNotEquals",
    "DateGreaterThan",
    "Bool",
    "IpAddress",
    "NotIpAddress",
    "ArnLike",
    "BinaryEquals",
    "Null",
    "ForAllValues:StringEquals",
    "ForAnyValue:StringEquals",
    "ForAllValues:StringNotLike",
    "ForAnyValue:StringNotEquals",
]
RANK = {Verdict.EXPLICIT_DENY: 0, Verdict.IMPLICIT_DENY: 0, Verdict.CONDITIONAL: 1, Verdict.ALLOWED: 2}


# --- random valid policies -------------------------------------------------------------------------


def one_or_list(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    return st.one_of(strategy, st.lists(strategy, min_size=1, max_size=3))


conditions = st.dictionaries(
    st.sampled_from(OPERATORS),
    st.dictionaries(st.sampled_from(KEYS), one_or_list(st.sampled_from(VALUES)), min_size=1, max_size=2),
    max_size=2,
)


@st.composite
def statements(draw: st.DrawFn, kind: str, effect: str | None = None) -> dict[str, Any]:
    s: dict[str, Any] = {"Effect": effect or draw(st.sampled_from(["Allow", "Allow", "Allow", "Deny"]))}
    s["NotAction" if draw(st.booleans()) and draw(st.booleans()) else "Action"] = draw(
        one_or_list(st.sampled_from(ACTION_PATTERNS))
    )
    if kind != RESOURCE or draw(st.booleans()):
        key = "NotResource" if draw(st.booleans()) and draw(st.booleans()) else "Resource"
        s[key] = draw(one_or_list(st.sampled_from(RESOURCE_PATTERNS)))
    if kind in (ENDPOINT, RESOURCE):
        s["Principal"] = draw(st.sampled_from(["*", {"AWS": ROLE}, {"AWS": ACCT}, {"AWS": [ROLE, "*"]}]))
    cond = draw(conditions) if draw(st.booleans()) else None
    if cond:
        s["Condition"] = cond
    return s


def documents(kind: str, min_size: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(
        lambda stmts, version: {"Version": version, "Statement": stmts},
        st.lists(statements(kind), min_size=min_size, max_size=4),
        st.sampled_from(["2012-10-17", "2012-10-17", "2008-10-17"]),
    )


@st.composite
def policy_sets(draw: st.DrawFn) -> dict[str, Any]:
    def sometimes(kind: str) -> dict[str, Any] | None:
        return draw(documents(kind, 1)) if draw(st.integers(0, 2)) == 0 else None

    return {
        "identity": draw(st.lists(documents(IDENTITY, 1), max_size=2)),
        "boundary": sometimes(BOUNDARY),
        "scps": draw(st.lists(documents(SCP, 1), max_size=2)) if draw(st.booleans()) else [],
        "endpoint": sometimes(ENDPOINT),
        "resource": sometimes(RESOURCE),
    }


context_values = st.one_of(
    st.none(),
    st.just([]),
    st.sampled_from(VALUES),
    st.lists(st.sampled_from(VALUES), min_size=1, max_size=3),
)


@st.composite
def requests(draw: st.DrawFn) -> Request:
    values = draw(st.dictionaries(st.sampled_from([*KEYS, "aws:PrincipalArn"]), context_values, max_size=4))
    if "aws:PrincipalArn" in values:
        values["aws:PrincipalArn"] = draw(st.sampled_from([ROLE, f"arn:aws:iam::{ACCT}:role/Other"]))
    return Request(
        draw(st.sampled_from(ACTIONS)),
        draw(st.sampled_from(RESOURCES)),
        Context(values, closed=draw(st.booleans())),
    )


def _number_sids(spec: dict[str, Any]) -> None:
    """Give every statement a unique Sid so deciding statements can be compared across shuffles."""
    n = 0
    for docs in _docs(spec):
        for s in docs["Statement"]:
            s["Sid"] = f"S{n}"
            n += 1


def _docs(spec: dict[str, Any]) -> list[dict[str, Any]]:
    out = list(spec["identity"]) + list(spec["scps"])
    out += [spec[k] for k in ("boundary", "endpoint", "resource") if spec[k] is not None]
    return out


def build(spec: dict[str, Any]) -> PolicySet:
    def load(d: dict[str, Any] | None, file: str, kind: str) -> Policy | None:
        if d is None:
            return None
        p = load_policy(json.dumps(d), file, kind)
        assert p.problems == [], [(x.code, x.message) for x in p.problems]
        return p

    return PolicySet(
        identity=[load(d, f"id{i}.json", IDENTITY) for i, d in enumerate(spec["identity"])],
        boundary=load(spec["boundary"], "boundary.json", BOUNDARY),
        scps=[load(d, f"scp{i}.json", SCP) for i, d in enumerate(spec["scps"])],
        endpoint=load(spec["endpoint"], "endpoint.json", ENDPOINT),
        resource=load(spec["resource"], "resource.json", RESOURCE),
    )


def _add(spec: dict[str, Any], where: str, index: int, statement: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of ``spec`` with ``statement`` added to the policy ``where`` (a new one if needed)."""
    new = json.loads(json.dumps(spec))
    if where in ("identity", "scps"):
        if not new[where] or index >= len(new[where]):
            new[where].append({"Version": "2012-10-17", "Statement": []})
            index = len(new[where]) - 1
        new[where][index]["Statement"].append(statement)
    else:
        if new[where] is None:
            new[where] = {"Version": "2012-10-17", "Statement": []}
        new[where]["Statement"].append(statement)
    return new


_KIND_OF = {"identity": IDENTITY, "scps": SCP, "boundary": BOUNDARY, "endpoint": ENDPOINT, "resource": RESOURCE}


@st.composite
def additions(draw: st.DrawFn, effect: str) -> tuple[dict[str, Any], str, int, dict[str, Any]]:
    spec = draw(policy_sets())
    where = draw(st.sampled_from(list(_KIND_OF)))
    # Adding a whole new SCP level or boundary would add a gate, which may deny: only add to existing ones.
    if where in ("boundary", "endpoint") and spec[where] is None:
        where = "identity"
    if where == "scps" and not spec["scps"]:
        where = "identity"
    if where == "resource" and spec["resource"] is None and effect == "Allow":
        where = "identity"
    index = draw(st.integers(0, 2))
    if where == "scps":
        index = min(index, len(spec["scps"]) - 1)
    return spec, where, index, draw(statements(_KIND_OF[where], effect))


@SETTINGS
@given(additions("Allow"), requests())
def test_adding_an_allow_never_makes_the_verdict_worse(add, req):
    spec, where, index, statement = add
    before = decide(build(spec), req)
    after = decide(build(_add(spec, where, index, statement)), req)
    assert RANK[after.verdict] >= RANK[before.verdict], (before.verdict, after.verdict)
    if before.verdict is Verdict.ALLOWED:
        assert after.verdict is Verdict.ALLOWED
    if before.verdict is Verdict.EXPLICIT_DENY:
        assert after.verdict is Verdict.EXPLICIT_DENY


@SETTINGS
@given(additions("Deny"), requests())
def test_adding_a_deny_never_makes_the_verdict_better(add, req):
    spec, where, index, statement = add
    before = decide(build(spec), req)
    after = decide(build(_add(spec, where, index, statement)), req)
    assert RANK[after.verdict] <= RANK[before.verdict], (before.verdict, after.verdict)
    if before.verdict in (Verdict.EXPLICIT_DENY, Verdict.IMPLICIT_DENY):
        assert after.verdict in (Verdict.EXPLICIT_DENY, Verdict.IMPLICIT_DENY)
    if before.verdict is Verdict.EXPLICIT_DENY:
        assert after.verdict is Verdict.EXPLICIT_DENY


@SETTINGS
@given(policy_sets(), requests(), st.randoms(use_true_random=False))
def test_order_of_statements_and_policies_does_not_matter(spec, req, rnd: random.Random):
    _number_sids(spec)
    shuffled = json.loads(json.dumps(spec))
    for d in _docs(shuffled):
        rnd.shuffle(d["Statement"])
    rnd.shuffle(shuffled["identity"])
    rnd.shuffle(shuffled["scps"])
    a = decide(build(spec), req)
    b = decide(build(shuffled), req)
    assert a.verdict is b.verdict
    assert a.missing_context == b.missing_context
    if a.verdict is not Verdict.ALLOWED:  # an allow cites the first allowing statement of each layer
        assert sorted(s.sid for s in a.deciding) == sorted(s.sid for s in b.deciding)
    if a.verdict is Verdict.IMPLICIT_DENY and a.failed_gate is not Gate.SCP:
        assert (a.failed_gate, a.failed_layer) == (b.failed_gate, b.failed_layer)


@SETTINGS
@given(policy_sets(), requests())
def test_a_closed_context_is_never_conditional(spec, req):
    closed = Request(req.action, req.resource, Context(dict(req.context.items()), closed=True))
    d = decide(build(spec), closed)
    assert d.verdict is not Verdict.CONDITIONAL
    assert d.missing_context == []


# --- garbage in ---------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


def _read(text: str, kind: str = IDENTITY) -> Policy | None:
    """load_policy, allowing only PolicyError; a returned policy is also evaluated once."""
    try:
        p = load_policy(text, "fuzz.json", kind)
    except PolicyError as e:
        assert e.line >= 1 and e.column >= 1
        assert str(e).startswith("fuzz.json:")
        return None
    for st_ in p.statements:
        st_.location()
    for prob in p.problems:
        p.location(*prob.path)
    ps = PolicySet(identity=[p]) if kind == IDENTITY else PolicySet(identity=[], **{_SLOT[kind]: _SHAPE[kind](p)})
    decide(ps, Request("svc:Get", f"{THING}/a", Context({"k1": "a"})))
    return p


_SLOT = {BOUNDARY: "boundary", ENDPOINT: "endpoint", RESOURCE: "resource", SESSION: "session", RCP: "rcps"}
_SHAPE = {k: ((lambda p: [p]) if k in (SESSION, RCP) else (lambda p: p)) for k in _SLOT}


@SETTINGS
@given(json_values, st.sampled_from([k for k in KINDS if k != SCP]))
def test_random_json_values_are_refused_or_have_problems(value, kind):
    p = _read(json.dumps(value), kind)
    assert p is None or p.problems


@SETTINGS
@given(st.binary(max_size=200))
def test_random_bytes_are_refused_or_have_problems(data):
    p = _read(data.decode("utf-8", errors="replace"))
    assert p is None or p.problems


@SETTINGS
@given(st.text(alphabet='{}[]:,"\\ \n0123456789.eE+-truefalsn', max_size=60))
def test_json_like_text_is_refused_or_has_problems(text):
    p = _read(text)
    assert p is None or p.problems


def _valid() -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "S",
                "Effect": "Allow",
                "Action": ["svc:Get"],
                "Resource": ["*"],
                "Condition": {"StringEquals": {"k1": ["a"]}},
            }
        ],
    }


not_string = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.lists(json_values)
    | st.dictionaries(st.text(max_size=5), json_values)
)
not_string_list = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.dictionaries(st.text(max_size=5), json_values)
    | st.just([])
    | st.lists(st.none() | st.integers() | st.lists(st.text()), min_size=1, max_size=3)
)
not_condition_value = (
    st.none()
    | st.dictionaries(st.text(max_size=5), json_values)
    | st.just([])
    | st.lists(st.none() | st.lists(st.text()), min_size=1, max_size=3)
)
# (where, strategy of wrong values): each puts a value IAM would refuse in one field of a valid policy.
WRONG = {
    "Version": not_string.filter(lambda v: v is not None) | st.text(max_size=12).filter(lambda v: v[:2] != "20"),
    "Statement": st.none() | st.booleans() | st.integers() | st.text() | st.lists(not_string, min_size=1, max_size=2),
    "Sid": not_string.filter(lambda v: v is not None),
    "Effect": not_string | st.sampled_from(["allow", "DENY", "Permit", ""]),
    "Action": not_string_list | st.sampled_from(["GetObject", "svc:", ":Get", "a:b:c"]),
    "Resource": not_string_list,
    "Condition": not_string.filter(lambda v: v != {}),
    "Condition.operator": not_string.filter(lambda v: not (isinstance(v, dict) and v)) | st.just({}),
    "Condition.value": not_condition_value,
    "Condition.name": st.sampled_from(["StringEqualz", "NullIfExists", "ForAllValues:Null", "ForEach:StringLike"]),
    "Principal": not_string_list | st.sampled_from(["arn:aws:iam::1:root", {"Bogus": "x"}, {"AWS": []}]),
    "Extra": json_values,
}


@SETTINGS
@given(st.sampled_from(sorted(WRONG)), st.data())
def test_wrong_types_in_every_field_are_problems_never_crashes(field, data):
    value = data.draw(WRONG[field])
    d = _valid()
    s = d["Statement"][0]
    kind = IDENTITY
    if field in ("Version", "Statement"):
        d[field] = value
    elif field in ("Sid", "Effect", "Action", "Resource", "Condition"):
        s[field] = value
    elif field == "Condition.operator":
        s["Condition"]["StringEquals"] = value
    elif field == "Condition.value":
        s["Condition"]["StringEquals"]["k1"] = value
    elif field == "Condition.name":
        s["Condition"] = {value: {"k1": "a"}}
    elif field == "Principal":
        kind = ENDPOINT
        s[field] = value
    else:
        s[data.draw(st.text(min_size=1, max_size=8).filter(lambda k: k not in s and k != "NotResource"))] = value
    p = _read(json.dumps(d), kind)
    assert p is not None and p.problems, field


def test_valid_base_policy_has_no_problems():
    p = _read(json.dumps(_valid()))
    assert p is not None and p.problems == [] and len(p.statements) == 1


def test_deep_nesting_is_a_policy_error():
    for text in (
        "[" * 10000 + "]" * 10000,
        '{"a":' * 10000 + "1" + "}" * 10000,
        '{"Version": "2012-10-17", "Statement": ' + "[" * 10000 + "]" * 10000 + "}",
        "[" * 10000,
    ):
        assert _read(text) is None


def test_moderate_nesting_in_a_field_is_a_problem():
    d = _valid()
    text = json.dumps(d).replace('"Effect": "Allow"', '"Effect": ' + "[" * 500 + "]" * 500)
    p = _read(text)
    assert p is not None and any(x.code == "structure" for x in p.problems)


def test_over_long_integer_is_a_policy_error_with_its_place():
    text = '{\n  "Version": "2012-10-17",\n  "Statement": [], "Id": ' + "7" * 5000 + "\n}"
    try:
        load_policy(text, "big.json")
    except PolicyError as e:
        assert (e.file, e.line, e.column) == ("big.json", 3, 26)
    else:  # pragma: no cover
        raise AssertionError("no PolicyError")


# --- a small independent reference evaluator (closed contexts only) --------------------------------------
# Written from the documented rules, not from the engine, over the generator's alphabet above.


def _ref_glob(pattern: str, arn: bool) -> str:
    out = []
    for i, ch in enumerate(pattern):
        if ch == "*":
            # In an ARN, a * that ends a segment may match past colons; one inside a segment may not.
            crosses = not arn or i + 1 == len(pattern) or pattern[i + 1] == ":"
            out.append(".*" if crosses else "[^:]*")
        elif ch == "?":
            out.append("[^:]" if arn else ".")
        else:
            out.append(re.escape(ch))
    return "".join(out)


_REF_VAR = re.compile(r"\$\{([^}]*)\}")


def _ref_pattern(pattern: str, ctx: dict[str, tuple[str, ...] | None], variables: bool, arn: bool, like: bool):
    """A compiled regex for the pattern (variables substituted), or None when it can match nothing."""
    if not variables:
        return re.compile(_ref_glob(pattern, arn) if like else re.escape(pattern), re.DOTALL)
    parts, pos = [], 0
    for m in _REF_VAR.finditer(pattern):
        parts.append(_ref_glob(pattern[pos : m.start()], arn) if like else re.escape(pattern[pos : m.start()]))
        pos = m.end()
        name, _, default = m.group(1).partition(",")
        name, default = name.strip(), default.strip()
        if name in ("*", "?", "$"):
            parts.append(re.escape(name))
            continue
        value = ctx.get(name.lower())
        if value:
            parts.append(re.escape(value[0]))
        elif len(default) >= 2 and default[0] == default[-1] == "'":
            parts.append(re.escape(default[1:-1]))
        else:
            return None
    parts.append(_ref_glob(pattern[pos:], arn) if like else re.escape(pattern[pos:]))
    return re.compile("".join(parts), re.DOTALL)


def _ref_matches(pattern: str, value: str, ctx, variables: bool, arn: bool = True, like: bool = True) -> bool:
    if like and pattern == "*":
        return True
    rx = _ref_pattern(pattern, ctx, variables, arn, like)
    return rx is not None and rx.fullmatch(value) is not None


def _ref_date(s: str) -> datetime | None:
    try:
        if re.fullmatch(r"\d+(\.\d+)?", s.strip()):
            return datetime.fromtimestamp(float(s), UTC)
        d = datetime.fromisoformat(s.strip().replace("Z", "+00:00"))
        return d if d.tzinfo else d.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        return None


def _ref_compare(base: str, actual: str, expected: str, ctx, variables: bool) -> bool:
    if base == "stringequals":
        return _ref_matches(expected, actual, ctx, variables, arn=False, like=False)
    if base == "stringequalsignorecase":
        rx = _ref_pattern(expected, ctx, variables, False, False)
        return rx is not None and re.fullmatch(rx.pattern, actual, re.IGNORECASE | re.DOTALL) is not None
    if base == "stringlike":
        return _ref_matches(expected, actual, ctx, variables, arn=False)
    if base in ("arnlike", "arnequals"):
        return _ref_matches(expected, actual, ctx, variables)
    if base.startswith("numeric"):
        try:
            a, e = float(actual), float(expected)
        except ValueError:
            return False
        return {"equals": a == e, "lessthan": a < e, "greaterthan": a > e}[base[7:]]
    if base.startswith("date"):
        a, e = _ref_date(actual), _ref_date(expected)
        return a is not None and e is not None and {"equals": a == e, "greaterthan": a > e}[base[4:]]
    if base == "bool":
        return actual.lower() == expected.lower()
    if base == "ipaddress":
        try:
            return ipaddress.ip_address(actual) in ipaddress.ip_network(expected, strict=False)
        except ValueError:
            return False
    if base == "binaryequals":
        try:
            return base64.b64decode(actual, validate=True) == base64.b64decode(expected, validate=True)
        except ValueError:
            return False
    raise AssertionError(base)


_REF_NEGATED = {"stringnotequals": "stringequals", "stringnotlike": "stringlike", "numericnotequals": "numericequals"}
_REF_NEGATED["notipaddress"] = "ipaddress"
_REF_STRINGY = {"stringequals", "stringequalsignorecase", "stringlike", "arnlike", "arnequals"}


def _ref_condition(op: str, key: str, values: Any, ctx, variables: bool) -> bool:
    expected = [
        json.dumps(v) if not isinstance(v, str) else v for v in (values if isinstance(values, list) else [values])
    ]
    name = op.lower()
    qualifier = None
    if ":" in name:
        qualifier, name = name.split(":", 1)
    if_exists = name.endswith("ifexists")
    name = name.removesuffix("ifexists")
    actual = ctx.get(key.lower())
    if name == "null":
        return any((e.lower() == "true") == (not actual) for e in expected)
    negated = name in _REF_NEGATED
    base = _REF_NEGATED.get(name, name)
    if not actual:
        if if_exists or qualifier == "forallvalues":
            return True
        if qualifier == "foranyvalue":
            return False
        return negated
    use_vars = variables and base in _REF_STRINGY

    def hit(a: str) -> bool:
        return any(_ref_compare(base, a, e, ctx, use_vars) for e in expected)

    if qualifier == "forallvalues":
        return all(hit(a) != negated for a in actual)
    if qualifier == "foranyvalue":
        return any(hit(a) != negated for a in actual)
    return any(hit(a) for a in actual) != negated


def _ref_principal(p: Any, ctx, grant: bool) -> bool:
    if p == "*":
        return True
    values = p["AWS"] if isinstance(p["AWS"], list) else [p["AWS"]]
    if "*" in values:
        return True
    arn = (ctx.get("aws:principalarn") or [None])[0]
    if arn is None:
        return False
    for v in values:
        if v == arn or (not grant and v == arn.split(":")[4]):
            return True
    return False


def _ref_applies(s: dict[str, Any], req: Request, ctx, variables: bool, grant: bool = False) -> bool:
    def as_list(v: Any) -> list[str]:
        return v if isinstance(v, list) else [v]

    action = req.action.lower()
    if "Action" in s and not any(fnmatch.fnmatchcase(action, a.lower()) for a in as_list(s["Action"])):
        return False
    if "NotAction" in s and any(fnmatch.fnmatchcase(action, a.lower()) for a in as_list(s["NotAction"])):
        return False
    if "Resource" in s and not any(_ref_matches(r, req.resource, ctx, variables) for r in as_list(s["Resource"])):
        return False
    if "NotResource" in s and any(_ref_matches(r, req.resource, ctx, variables) for r in as_list(s["NotResource"])):
        return False
    if "Principal" in s and not _ref_principal(s["Principal"], ctx, grant):
        return False
    return all(
        _ref_condition(op, key, vals, ctx, variables)
        for op, block in s.get("Condition", {}).items()
        for key, vals in block.items()
    )


def reference_verdict(spec: dict[str, Any], req: Request) -> Verdict:
    ctx = {k: v for k, v in req.context.items()}
    layers: list[tuple[str, list[dict[str, Any]]]] = [("identity", spec["identity"])]
    layers += [(k, [spec[k]]) for k in ("boundary", "endpoint", "resource") if spec[k] is not None]
    layers += [(f"scp{i}", [d]) for i, d in enumerate(spec["scps"])]
    allows: dict[str, bool] = {}
    direct = False  # a resource-policy grant to everyone or to the IAM user itself passes the boundary
    arn = (ctx.get("aws:principalarn") or [""])[0]
    for name, docs in layers:
        allows[name] = False
        for d in docs:
            variables = d.get("Version") == "2012-10-17"
            for s in d["Statement"]:
                grant = name == "resource" and s["Effect"] == "Allow"
                if _ref_applies(s, req, ctx, variables, grant):
                    if s["Effect"] == "Deny":
                        return Verdict.EXPLICIT_DENY
                    allows[name] = True
                    if grant:
                        p = s["Principal"]
                        values = [] if p == "*" else (p["AWS"] if isinstance(p["AWS"], list) else [p["AWS"]])
                        direct = direct or p == "*" or "*" in values or (":user/" in arn and arn in values)
    granted = allows["identity"] or allows.get("resource", False)
    limits = [v for k, v in allows.items() if k not in ("identity", "resource", "boundary")]
    boundary = allows.get("boundary", True) or direct
    return Verdict.ALLOWED if granted and boundary and all(limits) else Verdict.IMPLICIT_DENY


@SETTINGS
@given(policy_sets(), requests())
def test_engine_agrees_with_reference_on_closed_contexts(spec, req):
    closed = Request(req.action, req.resource, Context(dict(req.context.items()), closed=True))
    assert decide(build(spec), closed).verdict is reference_verdict(spec, closed)


@pytest.mark.parametrize(
    ("actions", "bad"),
    [
        (["s3:GetObject", "*", "ec2:Describe*"], []),
        (["s3:Get\nObject", "s3:*"], []),  # odd but of the form service:action, as IAM's grammar reads it
        (["s3:Get", "nocolon", "*", "a:b:c", ":x", "y:"], [1, 3, 4, 5]),
        ("s3", [0]),
    ],
)
def test_action_shape_problems_name_each_bad_entry(actions, bad):
    d = _valid()
    d["Statement"][0]["Action"] = actions
    p = _read(json.dumps(d))
    assert p is not None
    found = [pr.path[-1] for pr in p.problems if pr.code == "action-syntax"]
    assert found == bad
    assert (len(p.statements) == 1) is (not bad)


@given(st.lists(st.text(alphabet="ab:*\n", min_size=1, max_size=5), min_size=1, max_size=4))
@example(actions=["*\n*"])  # one entry with a newline is not the two entries "*", "*"
def test_action_shape_fast_path_agrees_with_the_per_entry_check(actions):
    d = _valid()
    d["Statement"][0]["Action"] = actions
    p = _read(json.dumps(d))
    expected = [i for i, a in enumerate(actions) if a != "*" and re.fullmatch(r"[^:]+:[^:]+", a, re.DOTALL) is None]
    assert p is not None
    assert [pr.path[-1] for pr in p.problems if pr.code == "action-syntax"] == expected


def test_action_shape_memo_checks_only_what_it_has_not_seen_and_still_names_bad_entries():
    """Entries seen well-formed are remembered (iam.parse._SHAPED); a later list that adds a bad entry to
    them, or an entry holding a newline, is still walked and each bad entry named at its own index."""
    first = _valid()
    first["Statement"][0]["Action"] = ["s3:GetObject", "ec2:DescribeInstances"]
    p = _read(json.dumps(first))
    assert p is not None and p.problems == []
    later = _valid()
    later["Statement"][0]["Action"] = ["ec2:DescribeInstances", "nocolon", "s3:GetObject", "a:b:c"]
    p = _read(json.dumps(later))
    assert p is not None
    assert [pr.path[-1] for pr in p.problems if pr.code == "action-syntax"] == [1, 3]
    assert p.statements == ()
    odd = _valid()
    odd["Statement"][0]["Action"] = ["s3:GetObject", "*\n*"]
    p = _read(json.dumps(odd))
    assert p is not None
    assert [pr.path[-1] for pr in p.problems if pr.code == "action-syntax"] == [1]
