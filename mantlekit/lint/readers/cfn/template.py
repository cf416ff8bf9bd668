"""The template being read: sections, resources, and the principals they make (through the neutral IAM
graph of :mod:`mantlekit.lint.iamgraph`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mantlekit import facts
from mantlekit.iam.locate import JsonLocator, Locator, Path
from mantlekit.iam.model import BOUNDARY, Policy, Source
from mantlekit.lint import iamgraph
from mantlekit.lint.findings import InputError
from mantlekit.lint.iamgraph import Guards, aws_managed_policy, guarded_policy, is_aws_managed, unknown_policy
from mantlekit.lint.inventory import Inventory, Principal, TemplateResource
from mantlekit.lint.readers.cfn.intrinsics import PSEUDO_PLACEHOLDERS, Intrinsics
from mantlekit.lint.readers.cfn.names import PROJECT_TYPE, Names
from mantlekit.lint.readers.cfn.resources import Resources, _Entity
from mantlekit.lint.readers.cfn.values import _collapse, _text, _tname
from mantlekit.lint.readers.cfn.variants import Variants

if TYPE_CHECKING:
    from mantlekit.lint.readers.workloads import RoleUse


@dataclass(slots=True)
class StackInfo:
    """What a cloud assembly knows about a stack beyond its template."""

    name: str | None = None
    account: str | None = None
    region: str | None = None
    #: Logical id -> construct path (from the manifest's metadata; ``aws:cdk:path`` metadata wins).
    construct_paths: dict[str, str] = field(default_factory=dict)


class _Template(Intrinsics, Names, Variants, Resources):
    """One template being read: its sections, resolved values, entities and documents."""

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
        self.resource_guards: dict[str, Guards] = {}
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
        self.attached: dict[str, list[Policy]] = {}  # entity logical_id -> policies attached from outside it
        self.members: dict[str, dict[str, Guards]] = {}  # user logical_id -> group logical_id -> guards
        self.key_refs: dict[str, str] = {}  # user logical_id -> custom resource logical_id issuing a bedrock credential
        self.workloads: dict[str, RoleUse] = {}  # role logical_id -> the Mantle workloads that run with it

    # --- errors and places --------------------------------------------------------------------------------

    def where(self, path: Path) -> tuple[int, int]:
        return Source(self.file, self.locator).locate(path)  # Source.locate never raises

    def error(self, message: str, path: Path) -> None:
        line, col = self.where(path)
        self.inv.errors.append(InputError(self.file, message, line, col))

    def label(self, logical_id: str) -> str:
        cpath = self.construct_path(logical_id)
        return f"{logical_id} ({cpath})" if cpath else logical_id

    def construct_path(self, logical_id: str) -> str | None:
        resource = self.resources.get(logical_id) or {}
        meta = resource.get("Metadata")
        if isinstance(meta, dict) and isinstance(cdk_path := meta.get("aws:cdk:path"), str):
            return cdk_path
        return self.stack.construct_paths.get(logical_id)

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
        for logical_id, resource in resources.items():
            where = ("Resources", logical_id)
            if not isinstance(resource, dict):
                self.error(bad + f"resource {logical_id} must be a mapping, not {_tname(resource)}", where)
            elif "Type" not in resource:
                self.error(bad + f"resource {logical_id} has no Type", where)
            elif not isinstance(resource["Type"], str):
                self.error(bad + f"the Type of resource {logical_id} must be a string", (*where, "Type"))
            elif not isinstance(resource.get("Properties", {}), dict | type(None)):
                self.error(bad + f"the Properties of resource {logical_id} must be a mapping", (*where, "Properties"))
            else:
                self.resources[str(logical_id)] = resource
        for logical_id, resource in list(self.resources.items()):
            cname = resource.get("Condition")
            if isinstance(cname, str):
                c = self.cond(cname)
                if c is False:
                    del self.resources[logical_id]
                elif c is None:
                    self.resource_guards[logical_id] = ((cname, True),)
        self._entities()
        for logical_id, resource in self.resources.items():
            self._resource(logical_id, resource["Type"], self.props(logical_id))
        self._key_resources()
        from mantlekit.lint.readers import workloads  # imports this package: not at the top

        self.workloads = workloads.find(self)
        self._principals()
        self._project_resources()
        return self.inv

    def props(self, logical_id: str) -> dict[str, Any]:
        p = self.resources[logical_id].get("Properties")
        return p if isinstance(p, dict) else {}

    # --- principals -------------------------------------------------------------------------------------------

    def managed_policy(self, raw: Any, path: Path, logical_id: str) -> list[Policy]:
        """The policy a ManagedPolicyArns / PermissionsBoundary entry names."""
        if isinstance(raw, dict) and len(raw) == 1 and isinstance(raw.get("Ref"), str) and raw["Ref"] in self.managed:
            return [p for p, _g in self.managed[raw["Ref"]]]
        value = _text(_collapse(self.resolve(raw)))
        if value is None:
            return [unknown_policy("non-string ARN", Source(self.file, self.locator, self.label(logical_id)), path)]
        for mlid, docs in self.managed.items():
            if value == self.getatt(mlid, "Arn"):
                return [p for p, _g in docs]
        if is_aws_managed(value):
            bundled = aws_managed_policy(value)
            if bundled is not None:
                return [bundled]
        return [unknown_policy(value, Source(self.file, self.locator, self.label(logical_id)), path)]

    def _managed_of(self, logical_id: str) -> list[Policy]:
        out = []
        base: Path = ("Resources", logical_id, "Properties", "ManagedPolicyArns")
        for item, p, g in self.items(self.entities[logical_id].props.get("ManagedPolicyArns"), base, ()):
            out += [guarded_policy(pol, g) for pol in self.managed_policy(item, p, logical_id)]
        return out

    def _groups_of(self, logical_id: str) -> tuple[dict[str, Guards], list[Policy]]:
        """The template groups of a user, and stand-ins for groups from elsewhere."""
        groups = dict(self.members.get(logical_id, {}))
        outside = []
        base: Path = ("Resources", logical_id, "Properties", "Groups")
        for item, p, g in self.items(self.entities[logical_id].props.get("Groups"), base, ()):
            group = self.entity(item, "group")
            if group is not None:
                groups.setdefault(group, g)
            else:
                name = _text(_collapse(self.resolve(item))) or "group"
                stand_in = unknown_policy(f"group {name}", Source(self.file, self.locator, self.label(logical_id)), p)
                outside.append(guarded_policy(stand_in, g))
        return groups, outside

    def _boundary(self, logical_id: str) -> Policy | None:
        raw = self.entities[logical_id].props.get("PermissionsBoundary")
        if raw is None:
            return None
        path: Path = ("Resources", logical_id, "Properties", "PermissionsBoundary")
        found = [(pol, g) for v, p, g in self.alts(raw, path, ()) for pol in self.managed_policy(v, p, logical_id)]
        if len(found) == 1 and not found[0][1]:
            return found[0][0].with_kind(BOUNDARY)
        what = "conditional boundary" if found else "boundary"
        return unknown_policy(what, Source(self.file, self.locator, self.label(logical_id)), path).with_kind(BOUNDARY)

    def _tags(self, logical_id: str) -> dict[str, str]:
        raw = self.resolve(self.entities[logical_id].props.get("Tags"))
        out: dict[str, str] = {}
        if isinstance(raw, list):
            for t in raw:
                if isinstance(t, dict):
                    k, v = _text(t.get("Key")), _text(_collapse(t.get("Value")))
                    if k is not None and v is not None and "${" not in v:
                        out[k] = v
        return out

    def _principals(self) -> None:
        """The template's users, roles and groups as a neutral IAM graph, and its principals from that."""
        account = self.stack.account
        graph = iamgraph.Graph(region=self.stack.region, own=lambda p: p.source.file == self.file)
        for logical_id, e in self.entities.items():
            guards = e.guards  # inline policies carry them already
            policies = list(self.inline.get(logical_id, []))
            policies += [guarded_policy(p, guards) for p in self.attached.get(logical_id, [])]
            policies += [guarded_policy(p, guards) for p in self._managed_of(logical_id)]
            if e.kind == "group":
                graph.add(iamgraph.Entity(logical_id, iamgraph.GROUP, e.name, self.file, policies=policies))
                continue
            memberships = []
            if e.kind == "user":
                groups, outside = self._groups_of(logical_id)
                memberships += [iamgraph.Membership(None, stand_in=p) for p in outside]
                memberships += [iamgraph.Membership(group, g) for group, g in groups.items()]
            line, col = self.where(("Resources", logical_id))
            graph.add(
                iamgraph.Entity(
                    logical_id,
                    e.kind,
                    e.name if e.literal_name else logical_id,
                    self.file,
                    line,
                    col,
                    label=logical_id,
                    construct_path=self.construct_path(logical_id),
                    arn=e.arn if (account and e.literal_name) else None,
                    account=account,
                    policies=policies,
                    memberships=memberships,
                    boundary=self._boundary(logical_id),
                    guards=guards,
                    tags=self._tags(logical_id),
                    issues_key=e.kind == "user" and logical_id in self.key_refs,
                )
            )

        def workload(entity: iamgraph.Entity, principal: Principal, own: list[Policy]) -> None:
            use = self.workloads.get(entity.key)
            if use is not None:  # a Lambda function, task, ... whose configuration points at Mantle
                use.apply(principal, self, own)

        self.inv.principals.extend(iamgraph.principals(graph, workload))

    def _project_resources(self) -> None:
        """Record each Mantle project resource, with the stack's region when the stack pins it (MNT011)."""
        for logical_id, resource in self.resources.items():
            if resource["Type"] != PROJECT_TYPE:
                continue
            line, col = self.where(("Resources", logical_id))
            self.inv.resources.append(
                TemplateResource(
                    PROJECT_TYPE,
                    logical_id,
                    self.file,
                    line,
                    col,
                    self.label(logical_id),
                    self.construct_path(logical_id),
                    self.stack.region,
                )
            )
