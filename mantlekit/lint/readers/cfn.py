"""CloudFormation templates (JSON or YAML): policy documents and the IAM principals that hold them.

A file is a template when it is a mapping with ``Resources`` and either ``AWSTemplateFormatVersion``, a
resource with a ``Type``, or another template section (Parameters, Conditions, Mappings, Outputs,
Transform). Wherever it sits under the linted paths, its name does not matter.

What is read
------------
Documents (each once, in ``Inventory.documents``, with the path of the document in the template so lines
point into it, and ``Source.label`` = logical id, plus `` (construct/path)`` from a cloud assembly):

* ``AWS::IAM::Role`` / ``User`` / ``Group`` ``Policies`` (identity), Role ``AssumeRolePolicyDocument``
  (resource), ``AWS::IAM::Policy``, ``AWS::IAM::ManagedPolicy``, ``AWS::IAM::RolePolicy`` /
  ``UserPolicy`` / ``GroupPolicy`` (identity);
* ``AWS::EC2::VPCEndpoint`` ``PolicyDocument`` (endpoint); ``AWS::Organizations::Policy`` of type
  ``SERVICE_CONTROL_POLICY`` (SCP; other policy types are not IAM policies and are skipped);
* resource policies (:data:`RESOURCE_POLICIES`: S3 bucket policy, SQS queue policy, SNS topic policy,
  KMS key policy, Secrets Manager resource policy, ...). ``AWS::Lambda::Permission`` is not a document.

Principals: every ``AWS::IAM::User`` and ``AWS::IAM::Role`` with its effective policy set: inline
policies, ``AWS::IAM::Policy`` / ``*Policy`` attachments, ``ManagedPolicyArns`` (customer managed
policies of the same template, AWS managed policies from the bundled copy), the policies of its groups
(``Groups`` and ``AWS::IAM::UserToGroupAddition``) and its ``PermissionsBoundary``. Groups are not
principals (nobody signs requests as a group); their policies reach their members. A user is a key
holder (``long-term-key`` / ``short-term-key``) when it carries the tag ``mantlekit:api-key`` with
value ``long-term`` / ``short-term``, or when a custom resource (``AWS::CloudFormation::CustomResource`` or
``Custom::*``) whose properties mention ``bedrock.amazonaws.com`` also references the user (``Ref``,
``GetAtt``, ``${User}`` in a ``Fn::Sub``, or its literal name): that is how a template issues a
service-specific credential, i.e. a long-term key. A role tagged ``short-term`` is a short-term key holder.
A principal's ``projects`` are the Mantle project ARNs its Allow statements name (a wildcard id counts as
the default project of that region and account); none named means the default project.

A role that runs a Mantle workload (a Lambda function, ECS task, App Runner service, Batch job, AgentCore
runtime or EC2 instance whose environment or user data names the Mantle endpoint or a project; see
:mod:`.workloads`) needs ``list-models`` and ``inference`` on the projects it names, and is placed on the
variable that shows it. ``AWS::BedrockMantle::Project`` resources are also recorded in
``Inventory.resources`` with the stack's region when the stack pins one (rule MNT011).

Placeholders and intrinsic functions
------------------------------------
Pseudo parameters resolve to :data:`PSEUDO_PLACEHOLDERS` unless the stack pins them (a cloud assembly
with an explicit environment): ``AWS::AccountId`` -> ``123456789012``, ``AWS::Region`` -> ``us-east-1``,
``AWS::Partition`` -> ``aws``, ``AWS::URLSuffix`` -> ``amazonaws.com``, ``AWS::StackName`` -> ``stack``.
These are the values :class:`~mantlekit.lint.inventory.Principal` assumes for a principal whose account
and region are unknown, so template ARNs and the ARNs a principal requests agree, and they are valid ARN
parts, so ARN-shape rules accept them. Why not ``${AWS::Region}``-style tokens: in a 2012-10-17 policy
``${...}`` is a policy variable, and the engine would report every template policy as conditional on a
context key named ``AWS::Region``. The principals keep ``account``/``region`` None, so condition keys such
as ``aws:RequestedRegion`` or ``aws:PrincipalAccount`` stay unknown (conditional) rather than being
compared with a made-up value; in ``Conditions`` pseudo parameters are unknown too.

Parameters resolve to their ``Default`` (lists split on commas); without one, or for SSM parameter types
(whose default is a parameter name, not the value), to an unresolved marker. ``Fn::Sub`` (both forms),
``Fn::Join``, ``Fn::Select``, ``Fn::Split``, ``Fn::FindInMap`` (with ``DefaultValue``), ``Fn::Base64``,
``Fn::ToJsonString``, ``Fn::Length`` are evaluated. ``Ref`` / ``Fn::GetAtt`` of template resources give
physical names and ARNs for IAM users, roles, groups, managed policies and instance profiles, S3
buckets, SQS queues, SNS topics, Lambda functions and ``AWS::BedrockMantle::Project`` (``Ref`` and
``Arn`` -> its ARN, ``Id`` -> ``proj_cfn<logical id, lower-case letters and digits>``, a valid id shape). A
name the template leaves to CloudFormation is ``<stack name>-<logical id>`` (lower-case for buckets):
unknown but the same wherever the resource is referenced.

What cannot be resolved (``Fn::ImportValue``, ``Fn::GetAZs``, ``Fn::Cidr``, attributes of other resource
types, parameters without a default) becomes ``${mantlekit:unresolved/<what>}`` in its place, e.g.
``${mantlekit:unresolved/ImportValue/shared-project-arn}``. The engine treats that as a policy variable
whose key is unknown, so statements that depend on it give ``conditional`` verdicts, never a finding
that the value would not have caused (in 2012-10-17 documents; older ones have no variables).

``Fn::If``: a condition that can be decided (``Fn::Equals`` and friends over parameter defaults and
mappings) picks its branch. An undecidable one splits the statement (or document, or list entry) that
contains it into one variant per branch, and each variant gets the condition
``{"StringEquals": {"mantlekit:unresolved/Condition/<name>": "true"|"false"}}``, so each applies
conditionally: the verdicts that depend on it are ``conditional``. A resource with an undecidable
``Condition`` gets the same guard on every document it contributes. ``AWS::NoValue`` removes the value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mantlekit import facts
from mantlekit.iam.evaluate import PolicySet
from mantlekit.iam.locate import JsonLocator, Locator
from mantlekit.iam.model import BOUNDARY, ENDPOINT, IDENTITY, RESOURCE, SCP, Policy, PolicyError, Source
from mantlekit.iam.parse import normalise
from mantlekit.lint.findings import InputError
from mantlekit.lint.infer import infer_projects
from mantlekit.lint.inventory import (
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    UNRESOLVED,
    Inventory,
    Principal,
    TemplateResource,
)

if TYPE_CHECKING:
    from mantlekit.lint.readers.workloads import RoleUse

Path = tuple[Hashable, ...]

#: Pseudo parameters -> the value used when the stack does not pin it (see the module docstring).
PSEUDO_PLACEHOLDERS: dict[str, str] = {
    "AWS::AccountId": DEFAULT_ACCOUNT,
    "AWS::Region": DEFAULT_REGION,
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": "stack",
}
#: Resource policies: type -> property holding the document.
RESOURCE_POLICIES: dict[str, str] = {
    "AWS::S3::BucketPolicy": "PolicyDocument",
    "AWS::SQS::QueuePolicy": "PolicyDocument",
    "AWS::SNS::TopicPolicy": "PolicyDocument",
    "AWS::KMS::Key": "KeyPolicy",
    "AWS::SecretsManager::ResourcePolicy": "ResourcePolicy",
    "AWS::ECR::Repository": "RepositoryPolicyText",
    "AWS::S3::AccessPoint": "Policy",
    "AWS::Logs::ResourcePolicy": "PolicyDocument",
    "AWS::OpenSearchService::Domain": "AccessPolicies",
}
PROJECT_TYPE = facts.PROJECT_RESOURCE_TYPE
_SECTIONS = ("Parameters", "Conditions", "Mappings", "Outputs", "Transform")
_ENTITY_TYPES = {"AWS::IAM::User": "user", "AWS::IAM::Role": "role", "AWS::IAM::Group": "group"}
_NAME_PROP = {"user": "UserName", "role": "RoleName", "group": "GroupName"}
_MAX_VARIANTS = 16
_SUB_VAR = re.compile(r"\$\{([^}]*)\}")
_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-/]")


def unresolved(what: str) -> str:
    """The marker put where a value could not be resolved: ``${mantlekit:unresolved/<what>}``."""
    return "${" + UNRESOLVED + _UNSAFE.sub("_", what)[:200] + "}"


def is_unresolved(value: Any) -> bool:
    """True when a resolved value contains an unresolved marker anywhere."""
    if isinstance(value, str):
        return "${" + UNRESOLVED in value
    if isinstance(value, dict):
        return any(is_unresolved(v) for v in value.values())
    if isinstance(value, list):
        return any(is_unresolved(v) for v in value)
    return isinstance(value, _Branch)


def sniff(data: Any, path: str) -> bool:
    if not isinstance(data, dict) or "Resources" not in data:
        return False
    if "AWSTemplateFormatVersion" in data or any(k in data for k in _SECTIONS):
        return True
    res = data["Resources"]
    return isinstance(res, dict) and any(isinstance(v, dict) and "Type" in v for v in res.values())


def read(data: Any, text: str, path: str) -> Inventory:
    return read_template(data, text, path)


@dataclass(slots=True)
class StackInfo:
    """What a cloud assembly knows about a stack beyond its template."""

    name: str | None = None
    account: str | None = None
    region: str | None = None
    #: Logical id -> construct path (from the manifest's metadata; ``aws:cdk:path`` metadata wins).
    construct_paths: dict[str, str] = field(default_factory=dict)


def read_template(data: Any, text: str, path: str, stack: StackInfo | None = None) -> Inventory:
    """Read one template. Never raises: what cannot be read becomes an InputError and the rest is read."""
    try:
        return _Template(data, text, path, stack or StackInfo()).read()
    except RecursionError:
        return Inventory(files=[path], errors=[InputError(path, "template nested too deeply to be read")])
    except Exception as e:  # a reader bug must not cost the rest of the run; say so, never guess
        msg = f"internal error reading the template ({type(e).__name__}: {e}); please report it"
        return Inventory(files=[path], errors=[InputError(path, msg)])


# --- values -------------------------------------------------------------------------------------------------


class _NoValue:
    __slots__ = ()

    def __repr__(self) -> str:
        return "AWS::NoValue"


NOVALUE: Any = _NoValue()


@dataclass(frozen=True, slots=True)
class _Branch:
    """An Fn::If whose condition cannot be decided: both resolved branches."""

    cond: str
    t: Any
    f: Any


Guards = tuple[tuple[str, bool], ...]


def _add_guard(guards: Guards, cond: str, flag: bool) -> Guards | None:
    for c, f in guards:
        if c == cond:
            return guards if f == flag else None
    return (*guards, (cond, flag))


def _guard_value(guards: Guards, cond: str) -> bool | None:
    for c, f in guards:
        if c == cond:
            return f
    return None


def _find_branch(v: Any, at: Path = ()) -> Path | None:
    if isinstance(v, _Branch):
        return at
    if isinstance(v, dict):
        for k, x in v.items():
            r = _find_branch(x, (*at, k))
            if r is not None:
                return r
    elif isinstance(v, list):
        for i, x in enumerate(v):
            r = _find_branch(x, (*at, i))
            if r is not None:
                return r
    return None


def _replace(v: Any, at: Path, new: Any) -> Any:
    """A copy of ``v`` with the value at ``at`` replaced (removed when ``new`` is NOVALUE)."""
    if not at:
        return new
    head, rest = at[0], at[1:]
    if isinstance(v, dict):
        out = dict(v)
        r = _replace(v[head], rest, new)
        if r is NOVALUE:
            del out[head]
        else:
            out[head] = r
        return out
    out_l = list(v)
    r = _replace(v[head], rest, new)  # type: ignore[index]
    if r is NOVALUE:
        del out_l[head]  # type: ignore[arg-type]
    else:
        out_l[head] = r  # type: ignore[index]
    return out_l


def _collapse(v: Any) -> Any:
    """Replace every undecided Fn::If by its common value or an unresolved marker."""
    if isinstance(v, _Branch):
        t, f = _collapse(v.t), _collapse(v.f)
        return t if t == f else unresolved(f"If/{v.cond}")
    if isinstance(v, dict):
        return {k: _collapse(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_collapse(x) for x in v]
    return v


def _guard_statement(st: Any, guards: Guards) -> Any:
    """The statement with one StringEquals condition per undecided Fn::If it depends on."""
    if not guards or not isinstance(st, dict):
        return st
    cond = st.get("Condition", {})
    if not isinstance(cond, dict):
        return st
    eq = cond.get("StringEquals", {})
    if not isinstance(eq, dict):
        return st
    eq = dict(eq)
    for name, flag in guards:
        eq[f"{UNRESOLVED}Condition/{_UNSAFE.sub('_', name)}"] = "true" if flag else "false"
    out = dict(st)
    out["Condition"] = {**cond, "StringEquals": eq}
    return out


def guard_document(doc: Any, guards: Guards) -> Any:
    """Every statement of the document guarded (see :func:`_guard_statement`)."""
    if not guards or not isinstance(doc, dict):
        return doc
    st = doc.get("Statement")
    out = dict(doc)
    if isinstance(st, list):
        out["Statement"] = [_guard_statement(s, guards) for s in st]
    elif isinstance(st, dict):
        out["Statement"] = _guard_statement(st, guards)
    return out


def _text(v: Any) -> str | None:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return v
    if isinstance(v, int | float):
        return str(v)
    return None


# --- locators -------------------------------------------------------------------------------------------------


class _Remap:
    """Positions of a resolved document through the paths of the template it came from."""

    __slots__ = ("base", "clamp", "remap")

    def __init__(self, base: Locator | None, remap: dict[Path, Path], clamp: Path | None = None) -> None:
        self.base = base
        self.remap = remap
        self.clamp = clamp

    def __call__(self, path: Path) -> tuple[int, int]:
        p = tuple(path)
        if self.clamp is not None and p[: len(self.clamp)] == self.clamp:
            p = self.clamp
        for n in range(len(p), 0, -1):
            target = self.remap.get(p[:n])
            if target is not None:
                p = target + p[n:]
                break
        return self.base(p) if self.base is not None else (1, 1)


# --- AWS managed and unknown policies -------------------------------------------------------------------------

_BUNDLED: dict[str, Policy | None] = {}


def aws_managed_policy(arn: str) -> Policy | None:
    """The bundled copy of an AWS managed policy (parsed once per process), or None."""
    key = arn.strip()
    if key in _BUNDLED:
        return _BUNDLED[key]
    policy = None
    try:
        from mantlekit.iam.managed import managed_policy_text
    except ImportError:  # pragma: no cover - the managed-policy data is optional
        managed_policy_text = None  # type: ignore[assignment]
    found = managed_policy_text(key) if managed_policy_text is not None else None
    if found is not None:
        display, text = found
        try:
            policy = normalise(json.loads(text), Source(display, JsonLocator(text)), (), IDENTITY, display)
        except (ValueError, PolicyError):
            policy = None
    _BUNDLED[key] = policy
    return policy


def is_aws_managed(arn: str) -> bool:
    try:
        from mantlekit.iam.managed import is_aws_managed_arn
    except ImportError:  # pragma: no cover
        return bool(re.match(r"^arn:aws[a-z\-]*:iam::aws:policy/", arn))
    return is_aws_managed_arn(arn)


def unknown_policy(what: str, source: Source, path: Path) -> Policy:
    """A stand-in for a policy that cannot be read (attached from elsewhere, not bundled): it may allow
    anything, depending on an unknown key, so the verdicts it could change are ``conditional``. (It is
    not assumed to deny: managed policies rarely do.)"""
    m = re.fullmatch(r"\$\{" + re.escape(UNRESOLVED) + r"([^}]*)\}", what)
    what = m.group(1) if m else what
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "UnknownPolicy",
                "Effect": "Allow",
                "Action": "*",
                "Resource": "*",
                "Condition": {"StringEquals": {f"{UNRESOLVED}Policy/{_UNSAFE.sub('_', what)}": "allows"}},
            }
        ],
    }
    return normalise(doc, source, path, IDENTITY, f"unknown policy {what}")


def guarded_policy(policy: Policy, guards: Guards) -> Policy:
    """The same document with every statement guarded (for a conditional attachment)."""
    if not guards or not isinstance(policy.raw, dict):
        return policy
    return normalise(guard_document(policy.raw, guards), policy.source, policy.path, policy.kind, policy.name)


# --- the template -------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Entity:
    lid: str
    kind: str  # user | role | group
    name: str
    literal_name: bool
    path: str
    arn: str
    guards: Guards
    props: dict[str, Any]


class _Template:
    def __init__(self, data: Any, text: str, path: str, stack: StackInfo) -> None:
        from mantlekit.lint.readers import yamlish

        self.file = path
        self.data = data
        self.stack = stack
        self.locator: Locator | None = yamlish.locator_of(data) or (
            JsonLocator(text) if text.lstrip().startswith("{") else None
        )
        self.inv = Inventory(files=[path])
        self.params: dict[str, Any] = {}
        self.mappings: dict[str, Any] = {}
        self.conditions: dict[str, Any] = {}
        self.resources: dict[str, dict[str, Any]] = {}
        self.res_guards: dict[str, Guards] = {}
        self._cond_cache: dict[str, bool | None] = {}
        self._busy: set[str] = set()
        region = stack.region
        self.pseudo = dict(PSEUDO_PLACEHOLDERS)
        if stack.account:
            self.pseudo["AWS::AccountId"] = stack.account
        if region:
            self.pseudo["AWS::Region"] = region
            self.pseudo["AWS::Partition"] = facts.partition_of(region)
            if region.startswith("cn-"):
                self.pseudo["AWS::URLSuffix"] = "amazonaws.com.cn"
        if stack.name:
            self.pseudo["AWS::StackName"] = stack.name
        self.pinned = {"AWS::AccountId": bool(stack.account), "AWS::Region": bool(region)}
        self.pinned["AWS::Partition"] = self.pinned["AWS::URLSuffix"] = bool(region)
        self.pinned["AWS::StackName"] = bool(stack.name)
        # Filled while reading.
        self.entities: dict[str, _Entity] = {}
        self.inline: dict[str, list[Policy]] = {}
        self.managed: dict[str, list[tuple[Policy, Guards]]] = {}
        self.attached: dict[str, list[Policy]] = {}  # entity lid -> policies attached from outside it
        self.members: dict[str, dict[str, Guards]] = {}  # user lid -> group lid -> guards
        self.key_refs: dict[str, str] = {}  # user lid -> custom resource lid issuing a bedrock credential
        self.workloads: dict[str, RoleUse] = {}  # role lid -> the Mantle workloads that run with it

    # --- errors and places --------------------------------------------------------------------------------

    def where(self, path: Path) -> tuple[int, int]:
        return Source(self.file, self.locator).locate(path)  # Source.locate never raises

    def error(self, message: str, path: Path) -> None:
        line, col = self.where(path)
        self.inv.errors.append(InputError(self.file, message, line, col))

    def label(self, lid: str) -> str:
        cpath = self.construct_path(lid)
        return f"{lid} ({cpath})" if cpath else lid

    def construct_path(self, lid: str) -> str | None:
        res = self.resources.get(lid) or {}
        meta = res.get("Metadata")
        if isinstance(meta, dict) and isinstance(meta.get("aws:cdk:path"), str):
            return meta["aws:cdk:path"]
        return self.stack.construct_paths.get(lid)

    # --- structure ------------------------------------------------------------------------------------------

    def read(self) -> Inventory:
        data = self.data
        bad = "not a valid CloudFormation template: "
        for section in ("Parameters", "Mappings", "Conditions"):
            v = data.get(section, {})
            if v is None:
                v = {}
            if not isinstance(v, dict):
                self.error(bad + f"{section} must be a mapping, not {_tname(v)}", (section,))
                v = {}
            setattr(self, section.lower() if section != "Parameters" else "params", v)
        resources = data.get("Resources")
        if not isinstance(resources, dict):
            self.error(
                bad + f"Resources must be a mapping of logical ids to resources, not {_tname(resources)}",
                ("Resources",),
            )
            return self.inv
        for lid, res in resources.items():
            where = ("Resources", lid)
            if not isinstance(res, dict):
                self.error(bad + f"resource {lid} must be a mapping, not {_tname(res)}", where)
            elif "Type" not in res:
                self.error(bad + f"resource {lid} has no Type", where)
            elif not isinstance(res["Type"], str):
                self.error(bad + f"the Type of resource {lid} must be a string", (*where, "Type"))
            elif not isinstance(res.get("Properties", {}), dict | type(None)):
                self.error(bad + f"the Properties of resource {lid} must be a mapping", (*where, "Properties"))
            else:
                self.resources[str(lid)] = res
        for lid, res in list(self.resources.items()):
            cname = res.get("Condition")
            if isinstance(cname, str):
                c = self.cond(cname)
                if c is False:
                    del self.resources[lid]
                elif c is None:
                    self.res_guards[lid] = ((cname, True),)
        self._entities()
        for lid, res in self.resources.items():
            self._resource(lid, res["Type"], self.props(lid))
        self._key_resources()
        from mantlekit.lint.readers import workloads  # imports this module: not at the top

        self.workloads = workloads.find(self)
        self._principals()
        self._project_resources()
        return self.inv

    def props(self, lid: str) -> dict[str, Any]:
        p = self.resources[lid].get("Properties")
        return p if isinstance(p, dict) else {}

    # --- intrinsic functions ----------------------------------------------------------------------------

    def res(self, v: Any, in_cond: bool = False) -> Any:
        """``v`` with intrinsic functions resolved (see the module docstring)."""
        if isinstance(v, dict):
            if len(v) == 1:
                k, a = next(iter(v.items()))
                if k == "Ref":
                    return self.ref(a, in_cond)
                if isinstance(k, str) and k.startswith("Fn::"):
                    return self.fn(k[4:], a, in_cond)
            out = {}
            for k, x in v.items():
                r = self.res(x, in_cond)
                if r is not NOVALUE:
                    out[k] = r
            return out
        if isinstance(v, list):
            return [r for r in (self.res(x, in_cond) for x in v) if r is not NOVALUE]
        return v

    def ref(self, name: Any, in_cond: bool = False) -> Any:
        if not isinstance(name, str):
            return unresolved("Ref")
        if name == "AWS::NoValue":
            return NOVALUE
        if name in self.pseudo:
            if in_cond and not self.pinned.get(name):
                return unresolved(name.replace("::", "."))
            return self.pseudo[name]
        if name == "AWS::StackId":
            return unresolved("AWS.StackId")
        if name == "AWS::NotificationARNs":
            return [unresolved("AWS.NotificationARNs")]
        if name in self.params:
            return self.param(name)
        if name in self.resources:
            return self.resource_ref(name)
        return unresolved(f"Ref/{name}")

    def param(self, name: str) -> Any:
        p = self.params[name]
        if not isinstance(p, dict):
            return unresolved(f"Parameter/{name}")
        typ = str(p.get("Type", "String"))
        is_list = typ.startswith("List<") or typ == "CommaDelimitedList"
        if "Default" not in p or typ.startswith("AWS::SSM::Parameter::Value"):
            v = unresolved(f"Parameter/{name}")
            return [v] if is_list else v
        d = p["Default"]
        if is_list:
            if isinstance(d, list):
                return [_text(x) or unresolved(f"Parameter/{name}") for x in d]
            return [s.strip() for s in (_text(d) or "").split(",")]
        t = _text(d)
        return t if t is not None else unresolved(f"Parameter/{name}")

    def fn(self, name: str, a: Any, in_cond: bool = False) -> Any:
        handler = getattr(self, f"_fn_{name}", None)
        if handler is None:
            return unresolved(f"Fn::{name}")
        return handler(a, in_cond)

    def _str(self, v: Any, what: str) -> str:
        t = _text(v)
        return t if t is not None else unresolved(what)

    def _lift(self, values: list[Any], combine: Any) -> Any:
        """``combine(values)``, or a branch of the results when a value is an undecided Fn::If."""
        for i, v in enumerate(values):
            if isinstance(v, _Branch):
                t = self._lift([*values[:i], v.t, *values[i + 1 :]], combine)
                f = self._lift([*values[:i], v.f, *values[i + 1 :]], combine)
                return t if t == f else _Branch(v.cond, t, f)
        return combine([x for x in values if x is not NOVALUE])

    def _fn_Sub(self, a: Any, in_cond: bool) -> Any:
        variables: dict[str, Any] = {}
        if isinstance(a, list) and len(a) == 2 and isinstance(a[1], dict):
            tmpl = a[0]
            variables = {k: self.res(v, in_cond) for k, v in a[1].items()}
        else:
            tmpl = a
        if not isinstance(tmpl, str):
            return unresolved("Sub")
        pieces: list[Any] = []
        pos = 0
        for m in _SUB_VAR.finditer(tmpl):
            pieces.append(tmpl[pos : m.start()])
            inner = m.group(1)
            pos = m.end()
            if inner.startswith("!"):
                pieces.append("${" + inner[1:] + "}")
                continue
            name = inner.strip()
            if name in variables:
                pieces.append(variables[name])
            elif name in self.pseudo or name in self.params or name in self.resources or name.startswith("AWS::"):
                pieces.append(self.ref(name, in_cond))
            elif "." in name and name.split(".", 1)[0] in self.resources:
                lid, attr = name.split(".", 1)
                pieces.append(self.getatt(lid, attr))
            elif ":" in name:
                pieces.append("${" + inner + "}")  # an IAM policy variable written without the ! escape
            else:
                pieces.append(unresolved(f"Sub/{name}"))
        pieces.append(tmpl[pos:])
        return self._lift(pieces, lambda ps: "".join(self._str(p, "Sub") for p in ps))

    def _fn_Join(self, a: Any, in_cond: bool) -> Any:
        if not (isinstance(a, list) and len(a) == 2):
            return unresolved("Join")
        delim = self.res(a[0], in_cond)
        items = self.res(a[1], in_cond)
        if isinstance(items, _Branch):
            return self._lift([items], lambda ps: self._fn_Join([delim, ps[0]], in_cond) if ps else "")
        if not isinstance(items, list):
            return unresolved("Join")
        return self._lift(
            [delim, *items], lambda ps: self._str(ps[0], "Join").join(self._str(x, "Join") for x in ps[1:])
        )

    def _fn_Select(self, a: Any, in_cond: bool) -> Any:
        if not (isinstance(a, list) and len(a) == 2):
            return unresolved("Select")
        idx, items = self.res(a[0], in_cond), self.res(a[1], in_cond)
        try:
            i = int(idx)
        except (TypeError, ValueError):
            return unresolved("Select")
        if isinstance(items, list) and 0 <= i < len(items):
            return items[i]
        return unresolved("Select")

    def _fn_Split(self, a: Any, in_cond: bool) -> Any:
        if not (isinstance(a, list) and len(a) == 2):
            return [unresolved("Split")]
        delim, s = self.res(a[0], in_cond), self.res(a[1], in_cond)
        if isinstance(delim, str) and delim and isinstance(s, str):
            return s.split(delim)
        return [unresolved("Split")]

    def _fn_ImportValue(self, a: Any, in_cond: bool) -> Any:
        name = self.res(a, in_cond)
        return unresolved(f"ImportValue/{name if isinstance(name, str) and '${' not in name else 'name'}")

    def _fn_FindInMap(self, a: Any, in_cond: bool) -> Any:
        if not (isinstance(a, list) and len(a) in (3, 4)):
            return unresolved("FindInMap")
        keys = [self.res(x, in_cond) for x in a[:3]]
        default = None
        if len(a) == 4 and isinstance(a[3], dict) and "DefaultValue" in a[3]:
            default = self.res(a[3]["DefaultValue"], in_cond)
        if any(isinstance(k, _Branch) for k in keys):
            return self._lift(keys, lambda ks: self._fn_FindInMap(ks + ([a[3]] if len(a) == 4 else []), in_cond))
        names = [_text(k) for k in keys]
        if any(n is None or "${" in n for n in names):
            return default if default is not None else unresolved(f"FindInMap/{names[0] or 'map'}")
        try:
            value = self.mappings[names[0]][names[1]][names[2]]
        except (KeyError, TypeError):
            return default if default is not None else unresolved(f"FindInMap/{names[0]}")
        return self.res(value, in_cond)

    def _fn_Base64(self, a: Any, in_cond: bool) -> Any:
        return self.res(a, in_cond)

    def _fn_GetAZs(self, a: Any, in_cond: bool) -> Any:
        return [unresolved("GetAZs")]

    def _fn_Cidr(self, a: Any, in_cond: bool) -> Any:
        return [unresolved("Cidr")]

    def _fn_ToJsonString(self, a: Any, in_cond: bool) -> Any:
        v = self.res(a, in_cond)
        if _find_branch(v) is not None:
            return unresolved("ToJsonString")
        return json.dumps(v, separators=(",", ":"))

    def _fn_Length(self, a: Any, in_cond: bool) -> Any:
        v = self.res(a, in_cond)
        return len(v) if isinstance(v, list) and not is_unresolved(v) else unresolved("Length")

    def _fn_GetAtt(self, a: Any, in_cond: bool) -> Any:
        if isinstance(a, str) and "." in a:
            a = a.split(".", 1)
        if not (isinstance(a, list) and len(a) == 2 and isinstance(a[0], str)):
            return unresolved("GetAtt")
        attr = self.res(a[1], in_cond)
        if not isinstance(attr, str):
            return unresolved(f"GetAtt/{a[0]}")
        return self.getatt(a[0], attr)

    def _fn_If(self, a: Any, in_cond: bool) -> Any:
        if not (isinstance(a, list) and len(a) == 3 and isinstance(a[0], str)):
            return unresolved("If")
        c = self.cond(a[0])
        if c is True:
            return self.res(a[1], in_cond)
        if c is False:
            return self.res(a[2], in_cond)
        t, f = self.res(a[1], in_cond), self.res(a[2], in_cond)
        return t if t == f else _Branch(a[0], t, f)

    # --- conditions -------------------------------------------------------------------------------------

    def cond(self, name: str) -> bool | None:
        """The value of a named condition: True, False, or None when it depends on unknown values."""
        if name in self._cond_cache:
            return self._cond_cache[name]
        self._cond_cache[name] = None  # a cycle is undecidable
        value = self._cexpr(self.conditions.get(name)) if name in self.conditions else None
        self._cond_cache[name] = value
        return value

    def _cexpr(self, e: Any) -> bool | None:
        if not (isinstance(e, dict) and len(e) == 1):
            return None
        k, a = next(iter(e.items()))
        if k == "Condition" and isinstance(a, str):
            return self.cond(a)
        if k == "Fn::Equals" and isinstance(a, list) and len(a) == 2:
            x, y = (self.res(v, in_cond=True) for v in a)
            if is_unresolved(x) or is_unresolved(y):
                return None
            return _canon(x) == _canon(y)
        if k == "Fn::Not" and isinstance(a, list) and len(a) == 1:
            v = self._cexpr(a[0])
            return None if v is None else not v
        if k in ("Fn::And", "Fn::Or") and isinstance(a, list):
            vals = [self._cexpr(x) for x in a]
            if k == "Fn::And":
                return False if False in vals else (None if None in vals else True)
            return True if True in vals else (None if None in vals else False)
        return None

    # --- physical names and ARNs --------------------------------------------------------------------------

    def _named(self, lid: str, prop: str | None, lower: bool = False) -> str:
        if prop is not None:
            v = self.props(lid).get(prop)
            if v is not None and lid not in self._busy:
                self._busy.add(lid)
                try:
                    r = _collapse(self.res(v))
                finally:
                    self._busy.discard(lid)
                t = _text(r)
                if t is not None:
                    return t
        name = f"{self.pseudo['AWS::StackName']}-{lid}"
        return name.lower() if lower else name

    def _iam_path(self, lid: str) -> str:
        v = self.props(lid).get("Path")
        t = _text(_collapse(self.res(v))) if v is not None else None
        return t if t and t.startswith("/") and t.endswith("/") else "/"

    def project_id(self, lid: str) -> str:
        return "proj_cfn" + re.sub(r"[^a-z0-9]", "", lid.lower())

    def resource_ref(self, lid: str) -> Any:
        typ = self.resources[lid]["Type"]
        p = self.pseudo
        if typ in ("AWS::IAM::User", "AWS::IAM::Role", "AWS::IAM::Group", "AWS::IAM::InstanceProfile"):
            return self._named(
                lid, {"AWS::IAM::InstanceProfile": "InstanceProfileName"}.get(typ) or _NAME_PROP[_ENTITY_TYPES[typ]]
            )
        if typ in ("AWS::IAM::ManagedPolicy", PROJECT_TYPE, "AWS::SNS::Topic"):
            return self.getatt(lid, "Arn")
        if typ == "AWS::S3::Bucket":
            return self._named(lid, "BucketName", lower=True)
        if typ == "AWS::SQS::Queue":
            name = self._named(lid, "QueueName")
            return f"https://sqs.{p['AWS::Region']}.{p['AWS::URLSuffix']}/{p['AWS::AccountId']}/{name}"
        if typ == "AWS::Lambda::Function":
            return self._named(lid, "FunctionName")
        return unresolved(f"Ref/{lid}")

    def getatt(self, lid: str, attr: str) -> Any:
        res = self.resources.get(lid)
        if res is None:
            return unresolved(f"GetAtt/{lid}.{attr}")
        typ = res["Type"]
        p = self.pseudo
        acct, region, part = p["AWS::AccountId"], p["AWS::Region"], p["AWS::Partition"]
        iam = {"AWS::IAM::User": "user", "AWS::IAM::Role": "role", "AWS::IAM::Group": "group"}
        if typ in iam and attr == "Arn":
            name = self._named(lid, _NAME_PROP[iam[typ]])
            return f"arn:{part}:iam::{acct}:{iam[typ]}{self._iam_path(lid)}{name}"
        if typ == "AWS::IAM::InstanceProfile" and attr == "Arn":
            name = self._named(lid, "InstanceProfileName")
            return f"arn:{part}:iam::{acct}:instance-profile{self._iam_path(lid)}{name}"
        if typ == "AWS::IAM::ManagedPolicy" and attr in ("Arn", "PolicyArn"):
            name = self._named(lid, "ManagedPolicyName")
            return f"arn:{part}:iam::{acct}:policy{self._iam_path(lid)}{name}"
        if typ == PROJECT_TYPE:
            if attr == "Arn":
                return facts.project_arn(region, acct, self.project_id(lid), part)
            if attr == "Id":
                return self.project_id(lid)
        if typ == "AWS::S3::Bucket" and attr == "Arn":
            return f"arn:{part}:s3:::{self._named(lid, 'BucketName', lower=True)}"
        if typ == "AWS::SQS::Queue":
            if attr == "Arn":
                return f"arn:{part}:sqs:{region}:{acct}:{self._named(lid, 'QueueName')}"
            if attr == "QueueName":
                return self._named(lid, "QueueName")
            if attr == "QueueUrl":
                return self.resource_ref(lid)
        if typ == "AWS::SNS::Topic":
            if attr in ("Arn", "TopicArn"):
                return f"arn:{part}:sns:{region}:{acct}:{self._named(lid, 'TopicName')}"
            if attr == "TopicName":
                return self._named(lid, "TopicName")
        if typ == "AWS::Lambda::Function" and attr == "Arn":
            return f"arn:{part}:lambda:{region}:{acct}:function:{self._named(lid, 'FunctionName')}"
        return unresolved(f"GetAtt/{lid}.{attr}")

    # --- alternatives of raw values (structural Fn::If) ------------------------------------------------

    def alts(self, raw: Any, path: Path, guards: Guards) -> Iterator[tuple[Any, Path, Guards]]:
        """The alternatives of a value: decided Fn::If followed, undecided ones both (guarded)."""
        if isinstance(raw, dict) and len(raw) == 1 and "Fn::If" in raw:
            a = raw["Fn::If"]
            if isinstance(a, list) and len(a) == 3 and isinstance(a[0], str):
                c = self.cond(a[0])
                for idx, flag in ((1, True), (2, False)):
                    if c is not None and c != flag:
                        continue
                    g = guards if c is not None else _add_guard(guards, a[0], flag)
                    if g is not None:
                        yield from self.alts(a[idx], (*path, "Fn::If", idx), g)
                return
        if isinstance(raw, _Branch):
            for side, flag, idx in ((raw.t, True, 1), (raw.f, False, 2)):
                g = _add_guard(guards, raw.cond, flag)
                if g is not None:
                    yield from self.alts(side, (*path, "Fn::If", idx), g)
            return
        if raw is NOVALUE or raw == {"Ref": "AWS::NoValue"}:
            return
        yield raw, path, guards

    def items(self, raw: Any, path: Path, guards: Guards) -> Iterator[tuple[Any, Path, Guards]]:
        """The entries of a list-valued property, each with its path and guards."""
        for v, p, g in self.alts(raw, path, guards):
            if isinstance(v, list):
                for i, item in enumerate(v):
                    yield from self.alts(item, (*p, i), g)
            elif isinstance(v, dict) and len(v) == 1 and str(next(iter(v))).startswith(("Ref", "Fn::")):
                r = self.res(v)
                if isinstance(r, list):
                    for item in r:
                        yield from self.alts(item, p, g)
                elif r is not NOVALUE:
                    yield r, p, g

    # --- documents --------------------------------------------------------------------------------------------

    def documents(self, raw: Any, path: Path, kind: str, name: str | None, lid: str, guards: Guards) -> list[Policy]:
        """The policy documents of a property value (one per undecided document-level Fn::If branch)."""
        out = []
        guards = (*self.res_guards.get(lid, ()), *guards)
        for v, p, g in self.alts(raw, path, guards):
            doc = self.res(v)
            clamp = None
            if isinstance(doc, str):
                try:
                    doc = json.loads(doc)
                    clamp = p
                except ValueError:
                    self.error(f"the policy document of {lid} is a string that is not JSON", p)
                    continue
            policy = self._document(doc, p, kind, name, lid, g, clamp)
            if policy is not None:
                out.append(policy)
                self.inv.documents.append(policy)
        return out

    def _document(
        self, doc: Any, path: Path, kind: str, name: str | None, lid: str, guards: Guards, clamp: Path | None
    ) -> Policy | None:
        remap: dict[Path, Path] = {}
        if isinstance(doc, dict):
            doc = {k: (_collapse(v) if k != "Statement" else v) for k, v in doc.items()}
            st = doc.get("Statement")
            if _find_branch(st) is not None:
                stmts: list[Any] = []
                for raw_st, spath, g in self._statement_items(st, (*path, "Statement"), guards):
                    for variant, vg in self._variants(raw_st, g):
                        remap[(*path, "Statement", len(stmts))] = spath
                        stmts.append(_guard_statement(variant, vg))
                doc["Statement"] = stmts
            else:
                doc = guard_document(doc, guards)
        source = Source(self.file, _Remap(self.locator, remap, clamp), self.label(lid))
        try:
            return normalise(doc, source, path, kind, name)
        except PolicyError as e:
            self.inv.errors.append(InputError(self.file, f"{lid}: {e.message}", e.line, e.column))
            return None

    def _statement_items(self, st: Any, path: Path, guards: Guards) -> Iterator[tuple[Any, Path, Guards]]:
        for v, p, g in self.alts(st, path, guards):
            if isinstance(v, list):
                for i, item in enumerate(v):
                    for w, q, h in self.alts(item, (*p, i), g):
                        if isinstance(w, list):  # a branch that is a list of statements
                            for j, x in enumerate(w):
                                yield x, (*q, j), h
                        else:
                            yield w, q, h
            else:
                yield v, p, g

    def _variants(self, st: Any, guards: Guards, budget: list[int] | None = None) -> list[tuple[Any, Guards]]:
        """One statement per combination of the undecided Fn::If inside it (at most _MAX_VARIANTS)."""
        budget = budget if budget is not None else [_MAX_VARIANTS]
        at = _find_branch(st)
        if at is None:
            return [(st, guards)]
        if budget[0] <= 1:
            return [(_collapse(st), guards)]
        b = _get(st, at)
        known = _guard_value(guards, b.cond)
        out: list[tuple[Any, Guards]] = []
        sides = [(b.t, True), (b.f, False)]
        if known is not None:
            sides = [s for s in sides if s[1] == known]
        else:
            budget[0] -= 1
        for side, flag in sides:
            g = guards if known is not None else (*guards, (b.cond, flag))
            out += self._variants(_replace(st, at, side), g, budget)
        return out

    # --- resources --------------------------------------------------------------------------------------

    def _entities(self) -> None:
        for lid, res in self.resources.items():
            kind = _ENTITY_TYPES.get(res["Type"])
            if kind is None:
                continue
            props = self.props(lid)
            name_raw = props.get(_NAME_PROP[kind])
            name = self._named(lid, _NAME_PROP[kind])
            literal = name_raw is not None and "${" not in name
            arn = self.getatt(lid, "Arn")
            self.entities[lid] = _Entity(
                lid, kind, name, literal, self._iam_path(lid), arn, self.res_guards.get(lid, ()), props
            )

    def entity(self, raw: Any, kind: str) -> str | None:
        """The logical id of the template user/role/group a property names (Ref, GetAtt, name or ARN)."""
        if isinstance(raw, dict) and len(raw) == 1:
            k, a = next(iter(raw.items()))
            if k == "Ref" and isinstance(a, str):
                target = a
            elif k == "Fn::GetAtt":
                target = a.split(".", 1)[0] if isinstance(a, str) else (a[0] if isinstance(a, list) and a else None)
            else:
                target = None
            if isinstance(target, str) and target in self.entities and self.entities[target].kind == kind:
                return target
        value = _text(_collapse(self.res(raw))) if not isinstance(raw, str) else raw
        if value is None:
            return None
        for lid, e in self.entities.items():
            if e.kind == kind and (value == e.name or value == e.arn):
                return lid
        return None

    def _resource(self, lid: str, typ: str, props: dict[str, Any]) -> None:
        base: Path = ("Resources", lid, "Properties")
        entity = self.entities.get(lid)
        if entity is not None:
            if entity.kind == "role" and "AssumeRolePolicyDocument" in props:
                self.documents(
                    props["AssumeRolePolicyDocument"],
                    (*base, "AssumeRolePolicyDocument"),
                    RESOURCE,
                    f"{lid} trust policy",
                    lid,
                    (),
                )
            for item, p, g in self.items(props.get("Policies"), (*base, "Policies"), ()):
                if not isinstance(item, dict) or "PolicyDocument" not in item:
                    self.error(f"an entry of Policies of {lid} needs PolicyName and PolicyDocument", p)
                    continue
                pname = _text(_collapse(self.res(item.get("PolicyName")))) or lid
                docs = self.documents(item["PolicyDocument"], (*p, "PolicyDocument"), IDENTITY, pname, lid, g)
                self.inline.setdefault(lid, []).extend(docs)
            return
        if typ in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            default_name = _text(_collapse(self.res(props.get("ManagedPolicyName")))) or lid
            pname = _text(_collapse(self.res(props.get("PolicyName")))) or default_name
            docs = self.documents(props.get("PolicyDocument"), (*base, "PolicyDocument"), IDENTITY, pname, lid, ())
            if typ.endswith("ManagedPolicy"):
                self.managed[lid] = [(d, ()) for d in docs]
            for key, kind in (("Users", "user"), ("Roles", "role"), ("Groups", "group")):
                for item, _p, g in self.items(props.get(key), (*base, key), ()):
                    target = self.entity(item, kind)
                    if target is not None:
                        self.attached.setdefault(target, []).extend(guarded_policy(d, g) for d in docs)
            return
        if typ in ("AWS::IAM::RolePolicy", "AWS::IAM::UserPolicy", "AWS::IAM::GroupPolicy"):
            kind = typ[len("AWS::IAM::") : -len("Policy")].lower()
            pname = _text(_collapse(self.res(props.get("PolicyName")))) or lid
            docs = self.documents(props.get("PolicyDocument"), (*base, "PolicyDocument"), IDENTITY, pname, lid, ())
            key = _NAME_PROP[kind]
            for item, _p, g in self.alts(props.get(key), (*base, key), ()):
                target = self.entity(item, kind)
                if target is not None:
                    self.attached.setdefault(target, []).extend(guarded_policy(d, g) for d in docs)
            return
        if typ == "AWS::IAM::UserToGroupAddition":
            for graw, _p, gg in self.alts(props.get("GroupName"), (*base, "GroupName"), self.res_guards.get(lid, ())):
                group = self.entity(graw, "group")
                if group is None:
                    continue
                for uraw, _q, ug in self.items(props.get("Users"), (*base, "Users"), gg):
                    user = self.entity(uraw, "user")
                    if user is not None:
                        self.members.setdefault(user, {})[group] = ug
            return
        if typ == "AWS::EC2::VPCEndpoint" and "PolicyDocument" in props:
            self.documents(
                props["PolicyDocument"], (*base, "PolicyDocument"), ENDPOINT, f"{lid} endpoint policy", lid, ()
            )
            return
        if typ == "AWS::Organizations::Policy":
            ptype = _text(_collapse(self.res(props.get("Type"))))
            if ptype == "SERVICE_CONTROL_POLICY" and "Content" in props:
                pname = _text(_collapse(self.res(props.get("Name")))) or lid
                self.documents(props["Content"], (*base, "Content"), SCP, pname, lid, ())
            return
        prop = RESOURCE_POLICIES.get(typ)
        if prop is not None and prop in props:
            self.documents(props[prop], (*base, prop), RESOURCE, f"{lid} {prop}", lid, ())

    def _key_resources(self) -> None:
        """Custom resources that issue a bedrock service-specific credential (a long-term key) for a user."""
        users = {lid: e for lid, e in self.entities.items() if e.kind == "user"}
        if not users:
            return
        for lid, res in self.resources.items():
            typ = res["Type"]
            if typ != "AWS::CloudFormation::CustomResource" and not typ.startswith("Custom::"):
                continue
            props = self.props(lid)
            if facts.API_KEY_SERVICE_NAME not in json.dumps(props, default=str):
                continue
            refs = _references(props)
            dumped = json.dumps(props, default=str)
            for ulid, e in users.items():
                named = e.literal_name and (e.name in refs or f'\\"{e.name}\\"' in dumped)
                if ulid in refs or named:
                    self.key_refs.setdefault(ulid, lid)

    # --- principals -------------------------------------------------------------------------------------------

    def managed_policy(self, raw: Any, path: Path, lid: str) -> list[Policy]:
        """The policy a ManagedPolicyArns / PermissionsBoundary entry names."""
        if isinstance(raw, dict) and len(raw) == 1 and isinstance(raw.get("Ref"), str) and raw["Ref"] in self.managed:
            return [p for p, _g in self.managed[raw["Ref"]]]
        value = _text(_collapse(self.res(raw)))
        if value is None:
            return [unknown_policy("non-string ARN", Source(self.file, self.locator, self.label(lid)), path)]
        for mlid, docs in self.managed.items():
            if value == self.getatt(mlid, "Arn"):
                return [p for p, _g in docs]
        if is_aws_managed(value):
            bundled = aws_managed_policy(value)
            if bundled is not None:
                return [bundled]
        return [unknown_policy(value, Source(self.file, self.locator, self.label(lid)), path)]

    def _managed_of(self, lid: str) -> list[Policy]:
        out = []
        base: Path = ("Resources", lid, "Properties", "ManagedPolicyArns")
        for item, p, g in self.items(self.entities[lid].props.get("ManagedPolicyArns"), base, ()):
            out += [guarded_policy(pol, g) for pol in self.managed_policy(item, p, lid)]
        return out

    def _groups_of(self, lid: str) -> tuple[dict[str, Guards], list[Policy]]:
        """The template groups of a user, and stand-ins for groups from elsewhere."""
        groups = dict(self.members.get(lid, {}))
        outside = []
        base: Path = ("Resources", lid, "Properties", "Groups")
        for item, p, g in self.items(self.entities[lid].props.get("Groups"), base, ()):
            group = self.entity(item, "group")
            if group is not None:
                groups.setdefault(group, g)
            else:
                name = _text(_collapse(self.res(item))) or "group"
                stand_in = unknown_policy(f"group {name}", Source(self.file, self.locator, self.label(lid)), p)
                outside.append(guarded_policy(stand_in, g))
        return groups, outside

    def _boundary(self, lid: str) -> Policy | None:
        raw = self.entities[lid].props.get("PermissionsBoundary")
        if raw is None:
            return None
        path: Path = ("Resources", lid, "Properties", "PermissionsBoundary")
        found = [(pol, g) for v, p, g in self.alts(raw, path, ()) for pol in self.managed_policy(v, p, lid)]
        if len(found) == 1 and not found[0][1]:
            return found[0][0].with_kind(BOUNDARY)
        what = "conditional boundary" if found else "boundary"
        return unknown_policy(what, Source(self.file, self.locator, self.label(lid)), path).with_kind(BOUNDARY)

    def _tags(self, lid: str) -> dict[str, str]:
        raw = self.res(self.entities[lid].props.get("Tags"))
        out: dict[str, str] = {}
        if isinstance(raw, list):
            for t in raw:
                if isinstance(t, dict):
                    k, v = _text(t.get("Key")), _text(_collapse(t.get("Value")))
                    if k is not None and v is not None and "${" not in v:
                        out[k] = v
        return out

    def _principals(self) -> None:
        account = self.stack.account
        for lid, e in self.entities.items():
            if e.kind == "group":
                continue
            guards = e.guards  # inline policies carry them already
            identity = list(self.inline.get(lid, []))
            identity += [guarded_policy(p, guards) for p in self.attached.get(lid, [])]
            identity += [guarded_policy(p, guards) for p in self._managed_of(lid)]
            if e.kind == "user":
                groups, outside = self._groups_of(lid)
                identity += [guarded_policy(p, guards) for p in outside]
                for glid, g in groups.items():
                    gg = (*guards, *g)
                    group_policies = self.inline.get(glid, []) + self.attached.get(glid, []) + self._managed_of(glid)
                    identity += [guarded_policy(p, gg) for p in group_policies]
            tags = self._tags(lid)
            kind = "role" if e.kind == "role" else "user"
            tag = tags.get(facts.API_KEY_TAG)
            if e.kind == "user" and tag in facts.API_KEY_TAG_VALUES:
                kind = f"{tag}-key"
            elif e.kind == "role" and tag == "short-term":
                kind = "short-term-key"
            elif e.kind == "user" and lid in self.key_refs:
                kind = "long-term-key"
            line, col = self.where(("Resources", lid))
            own = [p for p in identity if p.source.file == self.file]
            self.inv.principals.append(
                Principal(
                    name=e.name if e.literal_name else lid,
                    kind=kind,
                    policies=PolicySet(identity=identity, boundary=self._boundary(lid)),
                    account=account,
                    projects=infer_projects(own, account, self.stack.region),
                    file=self.file,
                    line=line,
                    column=col,
                    label=lid,
                    construct_path=self.construct_path(lid),
                    arn=e.arn if (account and e.literal_name) else None,
                    tags=tags,
                )
            )
            use = self.workloads.get(lid)
            if use is not None:  # a Lambda function, task, ... whose configuration points at Mantle
                use.apply(self.inv.principals[-1], self, own)

    def _project_resources(self) -> None:
        """Record each Mantle project resource, with the stack's region when the stack pins it (MNT011)."""
        for lid, res in self.resources.items():
            if res["Type"] != PROJECT_TYPE:
                continue
            line, col = self.where(("Resources", lid))
            self.inv.resources.append(
                TemplateResource(
                    PROJECT_TYPE,
                    lid,
                    self.file,
                    line,
                    col,
                    self.label(lid),
                    self.construct_path(lid),
                    self.stack.region,
                )
            )


def _get(v: Any, at: Path) -> Any:
    for k in at:
        v = v[k]
    return v


def _canon(v: Any) -> Any:
    if isinstance(v, list):
        return [_canon(x) for x in v]
    t = _text(v)
    return t if t is not None else v


def _tname(v: Any) -> str:
    return {list: "a list", str: "a string", int: "a number", float: "a number", bool: "a boolean"}.get(
        type(v), "null" if v is None else "a mapping" if isinstance(v, dict) else type(v).__name__
    )


def _references(v: Any, out: set[str] | None = None) -> set[str]:
    """Logical ids referenced (Ref, GetAtt, ${X} in Fn::Sub) and every literal string inside ``v``."""
    out = out if out is not None else set()
    if isinstance(v, dict):
        for k, x in v.items():
            if k == "Ref" and isinstance(x, str):
                out.add(x)
            elif k == "Fn::GetAtt":
                target = x.split(".", 1)[0] if isinstance(x, str) else (x[0] if isinstance(x, list) and x else None)
                if isinstance(target, str):
                    out.add(target)
            elif k == "Fn::Sub":
                tmpl = x[0] if isinstance(x, list) and x else x
                if isinstance(tmpl, str):
                    out.update(m.group(1).split(".", 1)[0].strip() for m in _SUB_VAR.finditer(tmpl))
                _references(x, out)
            else:
                _references(x, out)
    elif isinstance(v, list):
        for x in v:
            _references(x, out)
    elif isinstance(v, str):
        out.add(v)
    return out
