"""Workloads that call Mantle: the template resources whose code runs with one of the template's roles and
whose configuration points at Mantle.

Why: a role is only checked for the capabilities somebody says it needs, and nobody says so for the role of
a Lambda function or an ECS task. Yet the commonest Mantle bug in the wild is exactly that role: a task role
allowed ``bedrock:InvokeModel`` (the bedrock-runtime action) while the container's ``OPENAI_BASE_URL`` points
at ``bedrock-mantle.<region>.api.aws``, where every call is a ``bedrock-mantle:*`` action. The configuration
says where the code goes, so the reader can say what the role needs: ``list-models`` and ``inference`` on
the projects the configuration names (the default project when it names none).

What counts as a workload and which role calls AWS (CloudFormation property names):

* ``AWS::Lambda::Function`` ``Environment.Variables``, role ``Role`` (``AWS::Serverless::Function`` of an
  untransformed SAM template likewise, when it names a ``Role``; SAM's generated role is not in the template);
* ``AWS::ECS::TaskDefinition`` ``ContainerDefinitions[].Environment[]`` (Name/Value), role ``TaskRoleArn``.
  Not ``ExecutionRoleArn``: that role is the ECS agent's, for pulling images and writing logs;
* ``AWS::AppRunner::Service`` ``RuntimeEnvironmentVariables`` of ``SourceConfiguration.ImageRepository
  .ImageConfiguration`` or ``SourceConfiguration.CodeRepository.CodeConfiguration.CodeConfigurationValues``,
  role ``InstanceConfiguration.InstanceRoleArn`` (not the access role, which pulls the image);
* ``AWS::Batch::JobDefinition`` ``ContainerProperties.Environment[]``, role ``ContainerProperties.JobRoleArn``
  (not its ``ExecutionRoleArn``);
* ``AWS::BedrockAgentCore::Runtime`` ``EnvironmentVariables`` (a map), role ``RoleArn``;
* ``AWS::EC2::LaunchTemplate`` ``LaunchTemplateData.UserData`` with role ``LaunchTemplateData
  .IamInstanceProfile`` (``Arn`` or ``Name``), and ``AWS::EC2::Instance`` ``UserData`` with
  ``IamInstanceProfile`` (a name): the roles of that ``AWS::IAM::InstanceProfile``.

Evidence, in the resolved values (``Fn::Sub``, ``Fn::Join``, ``Fn::Base64``, pseudo parameters):

* the endpoint: a value containing :data:`~mantlekit.facts.ENDPOINT_HOST_RE` (any path, any region,
  ``${AWS::Region}`` included). ``bedrock-runtime`` and ``bedrock`` hosts are not Mantle;
* a project: a value that is a Mantle project ARN, or a variable whose name contains ``PROJECT`` holding
  exactly a project id (``proj_...``; ``default`` too, but that alone does not make a workload Mantle's).
  A project id alone does not count when a URL-valued variable (``*_BASE_URL``, ``*ENDPOINT*``, ...) names
  another endpoint: then the id is some other service's (OpenAI's ids look alike).

Precision: a workload whose project variable cannot be resolved (an imported value, a parameter without a
default) is skipped: it names some project, and checking the default project instead would be a guess.
Values that differ between the branches of an undecided ``Fn::If`` are unknown and are no evidence.
A role given by an ARN that is not the template's is not evaluated: its policies are not here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from mantlekit import facts
from mantlekit.iam.arn import parse_arn
from mantlekit.iam.locate import Path
from mantlekit.lint.readers.cfn.values import NOVALUE, _collapse, _text, is_unresolved

if TYPE_CHECKING:
    from mantlekit.iam.model import Policy
    from mantlekit.lint.inventory import Principal
    from mantlekit.lint.readers.cfn.template import _Template


class Place(Protocol):
    """What :meth:`RoleUse.apply` asks of where the workloads were read: a CloudFormation template, or
    a Terraform input (``terraform.workloads.Place``)."""

    pseudo: dict[str, str]
    pinned: dict[str, bool]

    def where(self, path: Path) -> tuple[int, int]: ...


#: Workload resource types and what a report calls them.
KINDS: dict[str, str] = {
    "AWS::Lambda::Function": "Lambda function",
    "AWS::Serverless::Function": "Serverless function",
    "AWS::ECS::TaskDefinition": "ECS task definition",
    "AWS::AppRunner::Service": "App Runner service",
    "AWS::Batch::JobDefinition": "Batch job definition",
    "AWS::BedrockAgentCore::Runtime": "AgentCore runtime",
    "AWS::EC2::LaunchTemplate": "EC2 launch template",
    "AWS::EC2::Instance": "EC2 instance",
    # Terraform (mantlekit.lint.readers.terraform.workloads)
    "aws_lambda_function": "Lambda function",
    "aws_ecs_task_definition": "ECS task definition",
}
#: What a Mantle workload needs of its role.
NEEDS = ("list-models", "inference")
_PROJECT_NAME = re.compile(r"PROJECT", re.IGNORECASE)
#: Variables that name where a client sends its requests.
_ENDPOINT_NAME = re.compile(r"BASE_?URL|ENDPOINT|API_BASE|API_URL|_HOST$", re.IGNORECASE)
#: ``OPENAI_PROJECT=proj_abc`` (or an unresolved value) in a user-data script.
_SCRIPT_PROJECT = re.compile(
    r"(?<![A-Za-z0-9_])(?P<name>(?i:[A-Za-z0-9_]*PROJECT[A-Za-z0-9_]*))\s*=\s*[\"']?"
    r"(?P<value>proj_[a-z0-9]+(?![A-Za-z0-9_])|\$\{mantlekit:unresolved/)"
)


@dataclass(slots=True)
class _Variable:
    """One environment variable (``name``) or a user-data script (``name`` None), resolved."""

    name: str | None
    value: str
    path: Path


@dataclass(slots=True)
class Workload:
    """A resource whose configuration points at Mantle, and the role its code runs with."""

    type: str
    logical_id: str
    role: str
    #: The variable that shows it, and what it shows ("names the Mantle endpoint").
    variable: _Variable
    shows: str
    #: Region of the endpoint it names, when the text says (not a placeholder).
    region: str | None
    #: Project ids or ARNs it names; empty = the default project.
    projects: tuple[str, ...]
    #: The file that holds it, when not the role's (a Terraform module spans files).
    file: str | None = None

    @property
    def title(self) -> str:
        return f"{KINDS[self.type]} {self.logical_id}"

    def reason(self) -> str:
        where = "user data" if self.variable.name is None else f"environment variable {self.variable.name}"
        return f"{self.title}'s {where} {self.shows}"


@dataclass(slots=True)
class RoleUse:
    """Every Mantle workload of one role (in template order)."""

    workloads: list[Workload] = field(default_factory=list)

    def reason(self) -> str:
        first, *others = self.workloads
        if not others:
            return first.reason()
        return f"{first.reason()}; the role also runs " + ", ".join(w.title for w in others)

    def project_arns(self, t: Place, own: list[Policy]) -> tuple[str, ...]:
        """The project ARNs the workloads use, in the order they name them.

        Region: the endpoint's, when its URL spells one, else the stack's. When the stack's region is not
        known (a plain template), a spelled region that the role's own policies never name is taken as the
        stack's region too: their ``${AWS::Region}`` stands in for it, and comparing a made-up region with a
        spelled one would report a mismatch nobody deploys.
        """
        region, account = t.pseudo["AWS::Region"], t.pseudo["AWS::AccountId"]
        named = _policy_regions(own)
        out: dict[str, None] = {}
        for w in self.workloads:
            r = w.region or region
            if w.region and not t.pinned["AWS::Region"] and w.region not in named:
                r = region
            for p in w.projects or (facts.DEFAULT_PROJECT_ID,):
                out[p if p.startswith("arn:") else facts.project_arn(r, account, p)] = None
        return tuple(out)

    def apply(self, principal: Principal, t: Place, own: list[Policy]) -> None:
        """Give a role principal the needs of its workloads; point it at the first one's variable."""
        if principal.is_key or principal.needs:
            return  # a key already needs these by default (and is checked exactly); configured needs win
        principal.needs = NEEDS
        principal.projects = self.project_arns(t, own)
        principal.line, principal.column = t.where(self.workloads[0].variable.path)
        principal.inferred = self.reason()


def _policy_regions(policies: list[Policy]) -> set[str]:
    """Regions spelled in the bedrock-mantle ARNs of ``policies``."""
    out = set()
    for p in policies:
        for st in p.statements:
            for r in st.resources or ():
                a = parse_arn(r)
                if a is not None and a.service == facts.SERVICE_PREFIX:
                    out.add(a.region)
    return out


def find(t: _Template) -> dict[str, RoleUse]:
    """Role logical id -> the Mantle workloads that run with it."""
    out: dict[str, RoleUse] = {}
    for logical_id, resource in t.resources.items():
        typ = resource["Type"]
        if typ not in KINDS:
            continue
        for role_raw, variables in _configurations(t, logical_id, typ):
            for role in _roles(t, typ, role_raw):
                w = _workload(t, logical_id, typ, role, list(variables))
                if w is not None:
                    out.setdefault(role, RoleUse()).workloads.append(w)
    return out


# --- where each resource type keeps its environment and role --------------------------------------------


def _configurations(t: _Template, logical_id: str, typ: str) -> Iterator[tuple[Any, list[_Variable]]]:
    """(raw role property, variables) for each role of a workload resource."""
    props = t.props(logical_id)
    base: Path = ("Resources", logical_id, "Properties")
    if typ in ("AWS::Lambda::Function", "AWS::Serverless::Function"):
        env = props.get("Environment")
        raw = env.get("Variables") if isinstance(env, dict) else None
        yield props.get("Role"), list(_map(t, raw, (*base, "Environment", "Variables")))
    elif typ == "AWS::BedrockAgentCore::Runtime":
        yield props.get("RoleArn"), list(_map(t, props.get("EnvironmentVariables"), (*base, "EnvironmentVariables")))
    elif typ == "AWS::ECS::TaskDefinition":
        variables: list[_Variable] = []
        defs = props.get("ContainerDefinitions")
        for i, cdef in enumerate(defs if isinstance(defs, list) else ()):
            if isinstance(cdef, dict):
                path = (*base, "ContainerDefinitions", i, "Environment")
                variables += _pairs(t, cdef.get("Environment"), path)
        yield props.get("TaskRoleArn"), variables
    elif typ == "AWS::Batch::JobDefinition":
        cp = props.get("ContainerProperties")
        if isinstance(cp, dict):
            path = (*base, "ContainerProperties", "Environment")
            yield cp.get("JobRoleArn"), list(_pairs(t, cp.get("Environment"), path))
    elif typ == "AWS::AppRunner::Service":
        sc = props.get("SourceConfiguration")
        ic = props.get("InstanceConfiguration")
        role = ic.get("InstanceRoleArn") if isinstance(ic, dict) else None
        variables = []
        for keys in (
            ("ImageRepository", "ImageConfiguration"),
            ("CodeRepository", "CodeConfiguration", "CodeConfigurationValues"),
        ):
            node: Any = sc
            for k in keys:
                node = node.get(k) if isinstance(node, dict) else None
            if isinstance(node, dict):
                path = (*base, "SourceConfiguration", *keys, "RuntimeEnvironmentVariables")
                variables += _pairs(t, node.get("RuntimeEnvironmentVariables"), path)
        yield role, variables
    elif typ == "AWS::EC2::LaunchTemplate":
        data = props.get("LaunchTemplateData")
        if isinstance(data, dict):
            yield data.get("IamInstanceProfile"), _script(t, data.get("UserData"), (*base, "LaunchTemplateData"))
    elif typ == "AWS::EC2::Instance":
        yield props.get("IamInstanceProfile"), _script(t, props.get("UserData"), base)


def _map(t: _Template, raw: Any, path: Path) -> Iterator[_Variable]:
    values = _collapse(t.resolve(raw)) if raw is not None else None
    if isinstance(values, dict):
        for name, v in values.items():
            text = _text(v)
            if text is not None:
                yield _Variable(str(name), text, (*path, name))


def _pairs(t: _Template, raw: Any, path: Path) -> Iterator[_Variable]:
    """Name/Value entries of a list, each at its own entry when the list is written out."""
    if isinstance(raw, list):
        entries = [(_collapse(t.resolve(item)), (*path, i)) for i, item in enumerate(raw)]
    else:
        resolved = _collapse(t.resolve(raw)) if raw is not None else None
        entries = [(item, path) for item in resolved] if isinstance(resolved, list) else []
    for entry, p in entries:
        if entry is NOVALUE or not isinstance(entry, dict):
            continue
        name, text = _text(entry.get("Name")), _text(entry.get("Value"))
        if name is not None and text is not None:
            yield _Variable(name, text, p)


def _script(t: _Template, raw: Any, base: Path) -> list[_Variable]:
    if raw is None:
        return []
    text = _text(_collapse(t.resolve(raw)))
    return [] if text is None else [_Variable(None, text, (*base, "UserData"))]


def _roles(t: _Template, typ: str, raw: Any) -> list[str]:
    """The template roles a workload's role property names (through its instance profile for EC2)."""
    if raw is None:
        return []
    if typ == "AWS::EC2::LaunchTemplate":
        if not isinstance(raw, dict):
            return []
        raw = raw.get("Arn", raw.get("Name"))
        if raw is None:
            return []
    if typ in ("AWS::EC2::LaunchTemplate", "AWS::EC2::Instance"):
        profile = _instance_profile(t, raw)
        if profile is None:
            return []
        roles = t.props(profile).get("Roles")
        found = [t.entity(r, "role") for r in (roles if isinstance(roles, list) else ())]
        return [r for r in found if r is not None]
    role = t.entity(raw, "role")
    return [role] if role is not None else []


def _instance_profile(t: _Template, raw: Any) -> str | None:
    """The template instance profile a ``Ref``/``GetAtt``, name or ARN names."""
    profiles = [logical_id for logical_id, r in t.resources.items() if r["Type"] == "AWS::IAM::InstanceProfile"]
    if isinstance(raw, dict) and len(raw) == 1:
        k, a = next(iter(raw.items()))
        target: Any = None
        if k == "Ref":
            target = a
        elif k == "Fn::GetAtt":
            target = a.split(".", 1)[0] if isinstance(a, str) else (a[0] if isinstance(a, list) and a else None)
        if isinstance(target, str) and target in profiles:
            return target
    value = _text(_collapse(t.resolve(raw)))
    if value is None:
        return None
    for logical_id in profiles:
        if value in (t.resource_ref(logical_id), t.getatt(logical_id, "Arn")):
            return logical_id
    return None


# --- evidence -----------------------------------------------------------------------------------------------


def _workload(t: _Template | None, logical_id: str, typ: str, role: str, variables: list[_Variable]) -> Workload | None:
    endpoint: tuple[_Variable, str | None] | None = None
    projects: dict[str, None] = {}
    first_project: tuple[_Variable, str] | None = None
    other_endpoint = False
    for v in variables:
        m = facts.ENDPOINT_HOST_RE.search(v.value)
        if m is not None:
            region = m.group("region")
            if endpoint is None or (endpoint[1] is None and not region.startswith("${")):
                endpoint = (endpoint[0] if endpoint else v, None if region.startswith("${") else region)
        elif v.name is not None and _ENDPOINT_NAME.search(v.name) and "://" in v.value:
            other_endpoint = True
        for pid in _projects(v):
            if pid is None:
                return None  # names a project we cannot resolve: no guess at which
            projects.setdefault(pid, None)
            if first_project is None and pid != facts.DEFAULT_PROJECT_ID:
                first_project = (v, pid)
    if endpoint is not None:
        var, shows, region = endpoint[0], "names the Mantle endpoint", endpoint[1]
    elif first_project is not None and not other_endpoint:
        var, region = first_project[0], None
        shows = f"names Mantle project {_short(first_project[1])}"
    else:
        return None
    return Workload(typ, logical_id, role, var, shows, region, tuple(projects))


def _projects(v: _Variable) -> Iterator[str | None]:
    """The projects a variable names (None: one that cannot be resolved)."""
    if v.name is None:
        for m in _SCRIPT_PROJECT.finditer(v.value):
            value = m.group("value")
            yield None if value.startswith("${") else value
        return
    value = v.value.strip()
    if facts.PROJECT_ARN_RE.fullmatch(value):
        yield value
    elif _PROJECT_NAME.search(v.name):
        if facts.PROJECT_ID_RE.fullmatch(value):
            yield value
        elif is_unresolved(value):
            yield None


def _short(project: str) -> str:
    return project.rsplit("/", 1)[-1] if project.startswith("arn:") else project
