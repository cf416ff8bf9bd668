"""What each resource type contributes: IAM entities, their documents and attachments, endpoint policies,
service control policies and resource policies (see the package docstring)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from mantlekit import facts
from mantlekit.iam.locate import Path
from mantlekit.iam.model import ENDPOINT, IDENTITY, RESOURCE, SCP, Policy
from mantlekit.lint.iamgraph import Guards, guarded_policy
from mantlekit.lint.readers.cfn.names import ENTITY_TYPES, NAME_PROP
from mantlekit.lint.readers.cfn.values import _SUB_VAR, _collapse, _text

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


@dataclass(slots=True)
class _Entity:
    logical_id: str
    kind: str  # user | role | group
    name: str
    literal_name: bool
    path: str
    arn: str
    guards: Guards
    props: dict[str, Any]


class Resources:
    """Reading resources (a mixin of the template)."""

    resources: dict[str, dict[str, Any]]
    resource_guards: dict[str, Guards]
    entities: dict[str, _Entity]
    inline: dict[str, list[Policy]]
    managed: dict[str, list[tuple[Policy, Guards]]]
    attached: dict[str, list[Policy]]
    members: dict[str, dict[str, Guards]]
    key_refs: dict[str, str]
    # Provided by the other mixins and the template.
    props: Callable[[str], dict[str, Any]]
    resolve: Callable[..., Any]
    getatt: Callable[[str, str], Any]
    _named: Callable[..., str]
    _iam_path: Callable[[str], str]
    error: Callable[[str, Path], None]
    documents: Callable[..., list[Policy]]
    alts: Callable[..., Iterator[tuple[Any, Path, Guards]]]
    items: Callable[..., Iterator[tuple[Any, Path, Guards]]]

    def _entities(self) -> None:
        for logical_id, resource in self.resources.items():
            kind = ENTITY_TYPES.get(resource["Type"])
            if kind is None:
                continue
            props = self.props(logical_id)
            name_raw = props.get(NAME_PROP[kind])
            name = self._named(logical_id, NAME_PROP[kind])
            literal = name_raw is not None and "${" not in name
            arn = self.getatt(logical_id, "Arn")
            self.entities[logical_id] = _Entity(
                logical_id,
                kind,
                name,
                literal,
                self._iam_path(logical_id),
                arn,
                self.resource_guards.get(logical_id, ()),
                props,
            )

    def entity(self, raw: Any, kind: str) -> str | None:
        """The logical id of the template user/role/group a property names (Ref, GetAtt, name or ARN)."""
        if isinstance(raw, dict) and len(raw) == 1:
            k, a = next(iter(raw.items()))
            if k == "Ref" and isinstance(a, str):
                target: str | None = a
            elif k == "Fn::GetAtt":
                target = a.split(".", 1)[0] if isinstance(a, str) else (a[0] if isinstance(a, list) and a else None)
            else:
                target = None
            if isinstance(target, str) and target in self.entities and self.entities[target].kind == kind:
                return target
        value = _text(_collapse(self.resolve(raw))) if not isinstance(raw, str) else raw
        if value is None:
            return None
        for logical_id, e in self.entities.items():
            if e.kind == kind and (value == e.name or value == e.arn):
                return logical_id
        return None

    def _resource(self, logical_id: str, typ: str, props: dict[str, Any]) -> None:
        base: Path = ("Resources", logical_id, "Properties")
        if logical_id in self.entities:
            self._entity_documents(logical_id, props, base)
            return
        handler = _HANDLERS.get(typ)
        if handler is not None:
            handler(self, logical_id, typ, props, base)
            return
        prop = RESOURCE_POLICIES.get(typ)
        if prop is not None and prop in props:
            self.documents(props[prop], (*base, prop), RESOURCE, f"{logical_id} {prop}", logical_id, ())

    def _entity_documents(self, logical_id: str, props: dict[str, Any], base: Path) -> None:
        """A user's, role's or group's inline policies, and a role's trust policy."""
        if self.entities[logical_id].kind == "role" and "AssumeRolePolicyDocument" in props:
            self.documents(
                props["AssumeRolePolicyDocument"],
                (*base, "AssumeRolePolicyDocument"),
                RESOURCE,
                f"{logical_id} trust policy",
                logical_id,
                (),
            )
        for item, p, g in self.items(props.get("Policies"), (*base, "Policies"), ()):
            if not isinstance(item, dict) or "PolicyDocument" not in item:
                self.error(f"an entry of Policies of {logical_id} needs PolicyName and PolicyDocument", p)
                continue
            pname = _text(_collapse(self.resolve(item.get("PolicyName")))) or logical_id
            docs = self.documents(item["PolicyDocument"], (*p, "PolicyDocument"), IDENTITY, pname, logical_id, g)
            self.inline.setdefault(logical_id, []).extend(docs)

    def _policy(self, logical_id: str, typ: str, props: dict[str, Any], base: Path) -> None:
        """``AWS::IAM::Policy`` / ``ManagedPolicy``, attached to the users, roles and groups it lists."""
        default_name = _text(_collapse(self.resolve(props.get("ManagedPolicyName")))) or logical_id
        pname = _text(_collapse(self.resolve(props.get("PolicyName")))) or default_name
        docs = self.documents(props.get("PolicyDocument"), (*base, "PolicyDocument"), IDENTITY, pname, logical_id, ())
        if typ.endswith("ManagedPolicy"):
            self.managed[logical_id] = [(d, ()) for d in docs]
        for key, kind in (("Users", "user"), ("Roles", "role"), ("Groups", "group")):
            for item, _p, g in self.items(props.get(key), (*base, key), ()):
                target = self.entity(item, kind)
                if target is not None:
                    self.attached.setdefault(target, []).extend(guarded_policy(d, g) for d in docs)

    def _entity_policy(self, logical_id: str, typ: str, props: dict[str, Any], base: Path) -> None:
        """``AWS::IAM::RolePolicy`` / ``UserPolicy`` / ``GroupPolicy``: one entity's inline policy."""
        kind = typ[len("AWS::IAM::") : -len("Policy")].lower()
        pname = _text(_collapse(self.resolve(props.get("PolicyName")))) or logical_id
        docs = self.documents(props.get("PolicyDocument"), (*base, "PolicyDocument"), IDENTITY, pname, logical_id, ())
        key = NAME_PROP[kind]
        for item, _p, g in self.alts(props.get(key), (*base, key), ()):
            target = self.entity(item, kind)
            if target is not None:
                self.attached.setdefault(target, []).extend(guarded_policy(d, g) for d in docs)

    def _group_addition(self, logical_id: str, typ: str, props: dict[str, Any], base: Path) -> None:
        guards = self.resource_guards.get(logical_id, ())
        for graw, _p, gg in self.alts(props.get("GroupName"), (*base, "GroupName"), guards):
            group = self.entity(graw, "group")
            if group is None:
                continue
            for uraw, _q, ug in self.items(props.get("Users"), (*base, "Users"), gg):
                user = self.entity(uraw, "user")
                if user is not None:
                    self.members.setdefault(user, {})[group] = ug

    def _endpoint(self, logical_id: str, typ: str, props: dict[str, Any], base: Path) -> None:
        if "PolicyDocument" in props:
            self.documents(
                props["PolicyDocument"],
                (*base, "PolicyDocument"),
                ENDPOINT,
                f"{logical_id} endpoint policy",
                logical_id,
                (),
            )

    def _organizations_policy(self, logical_id: str, typ: str, props: dict[str, Any], base: Path) -> None:
        """Service control policies; other Organizations policy types are not IAM policies."""
        ptype = _text(_collapse(self.resolve(props.get("Type"))))
        if ptype == "SERVICE_CONTROL_POLICY" and "Content" in props:
            pname = _text(_collapse(self.resolve(props.get("Name")))) or logical_id
            self.documents(props["Content"], (*base, "Content"), SCP, pname, logical_id, ())

    def _key_resources(self) -> None:
        """Custom resources that issue a bedrock service-specific credential (a long-term key) for a user."""
        users = {logical_id: e for logical_id, e in self.entities.items() if e.kind == "user"}
        if not users:
            return
        for logical_id, resource in self.resources.items():
            typ = resource["Type"]
            if typ != "AWS::CloudFormation::CustomResource" and not typ.startswith("Custom::"):
                continue
            props = self.props(logical_id)
            if facts.API_KEY_SERVICE_NAME not in json.dumps(props, default=str):
                continue
            refs = _references(props)
            dumped = json.dumps(props, default=str)
            for ulid, e in users.items():
                named = e.literal_name and (e.name in refs or f'\\"{e.name}\\"' in dumped)
                if ulid in refs or named:
                    self.key_refs.setdefault(ulid, logical_id)


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


#: Resource types with a reader of their own (besides users, roles, groups and RESOURCE_POLICIES).
_HANDLERS: dict[str, Callable[[Resources, str, str, dict[str, Any], Path], None]] = {
    "AWS::IAM::Policy": Resources._policy,
    "AWS::IAM::ManagedPolicy": Resources._policy,
    "AWS::IAM::RolePolicy": Resources._entity_policy,
    "AWS::IAM::UserPolicy": Resources._entity_policy,
    "AWS::IAM::GroupPolicy": Resources._entity_policy,
    "AWS::IAM::UserToGroupAddition": Resources._group_addition,
    "AWS::EC2::VPCEndpoint": Resources._endpoint,
    "AWS::Organizations::Policy": Resources._organizations_policy,
}
