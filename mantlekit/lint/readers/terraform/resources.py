"""Terraform resources -> policy documents, the neutral IAM graph and principals.

Both Terraform inputs end here: a plan or state (``terraform show -json``) gives each resource instance's
values as Terraform computed them, a configuration (``*.tf``) gives them as far as :mod:`.hcl` can resolve
them. Values that are not known (``after_unknown``, a data lookup, a module output) are
``${mantlekit:unresolved/...}`` markers, as in the CloudFormation reader: verdicts that depend on them are
conditional.

References between resources: by value (a user's name, a policy's ARN) when it is known, else by the
configuration's references (``aws_iam_policy.p.arn``) within the same module.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mantlekit import facts
from mantlekit.iam.arn import parse_arn
from mantlekit.iam.locate import Locator, Path, RemapLocator
from mantlekit.iam.model import BOUNDARY, ENDPOINT, IDENTITY, RESOURCE, SCP, Policy, PolicyError, Source
from mantlekit.iam.parse import normalise
from mantlekit.lint import iamgraph
from mantlekit.lint.findings import InputError
from mantlekit.lint.iamgraph import aws_managed_policy, is_aws_managed, unknown_policy
from mantlekit.lint.inventory import (
    AGE_UNKNOWN,
    CREDENTIAL_AGE_DAYS,
    DEFAULT_REGION,
    UNRESOLVED,
    Inventory,
    TemplateResource,
)

if TYPE_CHECKING:
    from mantlekit.lint.readers.workloads import _Variable


#: Resource policies: type -> attribute holding the document.
RESOURCE_POLICIES: dict[str, str] = {
    "aws_s3_bucket_policy": "policy",
    "aws_sqs_queue_policy": "policy",
    "aws_sqs_queue": "policy",
    "aws_sns_topic_policy": "policy",
    "aws_sns_topic": "policy",
    "aws_kms_key": "policy",
    "aws_kms_key_policy": "policy",
    "aws_secretsmanager_secret_policy": "policy",
    "aws_secretsmanager_secret": "policy",
    "aws_ecr_repository_policy": "policy",
    "aws_s3_access_point": "policy",
    "aws_cloudwatch_log_resource_policy": "policy_document",
    "aws_opensearch_domain_policy": "access_policies",
    "aws_opensearch_domain": "access_policies",
    "aws_lambda_function_url": "",  # no document: listed so nobody adds it as one
}
RESOURCE_POLICIES = {k: v for k, v in RESOURCE_POLICIES.items() if v}
ENTITY_TYPES = {"aws_iam_user": iamgraph.USER, "aws_iam_role": iamgraph.ROLE, "aws_iam_group": iamgraph.GROUP}
#: Organizations policy types that are IAM documents: SCPs apply to principals, RCPs to resources (read as
#: resource-shaped documents; they never reach a principal's evaluation).
ORG_POLICY_KINDS = {"SERVICE_CONTROL_POLICY": SCP, "RESOURCE_CONTROL_POLICY": RESOURCE}
#: Types read at all (anything else in a plan or configuration is skipped).
IAM_TYPES = frozenset(
    {
        *ENTITY_TYPES,
        *RESOURCE_POLICIES,
        "aws_iam_policy",
        "aws_iam_role_policy",
        "aws_iam_user_policy",
        "aws_iam_group_policy",
        "aws_iam_role_policy_attachment",
        "aws_iam_user_policy_attachment",
        "aws_iam_group_policy_attachment",
        "aws_iam_policy_attachment",
        "aws_iam_user_group_membership",
        "aws_iam_group_membership",
        "aws_iam_role_policies_exclusive",
        facts.TERRAFORM_CREDENTIAL_TYPE,
        "aws_vpc_endpoint",
        "aws_vpc_endpoint_policy",
        "aws_organizations_policy",
        facts.TERRAFORM_PROJECT_TYPE,
        "aws_lambda_function",
        "aws_ecs_task_definition",
    }
)


def unresolved(what: str) -> str:
    from mantlekit.lint.readers.cfn.values import unresolved as marker

    return marker(what)


def is_unresolved(v: Any) -> bool:
    if isinstance(v, str):
        return "${" + UNRESOLVED in v
    if isinstance(v, dict):
        return any(is_unresolved(x) for x in v.values())
    if isinstance(v, list):
        return any(is_unresolved(x) for x in v)
    return False


@dataclass(slots=True)
class TfResource:
    """One resource instance, with its values resolved as far as the input allows."""

    address: str  # full address: module.keys.aws_iam_user.ci, aws_iam_user.keys["ci"]
    module: str  # "" for the root module, else module.keys (of this instance)
    type: str
    name: str
    index: Any
    values: dict[str, Any]
    file: str
    locator: Locator | None
    #: Where the resource is in its file; an attribute is at ``(*path, *values_at, attr)``.
    path: Path
    values_at: Path = ("values",)
    #: attribute -> module-relative addresses its expression references (``aws_iam_policy.p``).
    refs: dict[str, list[str]] = field(default_factory=dict)
    #: The module's source (``./modules/keys``), when the input says.
    source: str | None = None
    mode: str = "managed"
    #: The region the resource is managed in, when the input says: its own ``region`` argument (hashicorp/aws
    #: 6.x), its ARN, or the region of the provider configuration it uses (``aws``, ``aws.<alias>``,
    #: ``awscc``...).
    region: str | None = None

    @property
    def local(self) -> str:
        return f"{self.type}.{self.name}"

    def at(self, *attr: Hashable) -> Path:
        return (*self.path, *self.values_at, *attr)

    def text(self, attr: str) -> str | None:
        v = self.values.get(attr)
        return v if isinstance(v, str) and not is_unresolved(v) else None


@dataclass(slots=True)
class Config:
    """What the input says beyond its resources."""

    region: str | None = None


class Builder:
    """Turns the resources of one plan, state or module directory into documents and principals."""

    def __init__(self, resources: list[TfResource], config: Config, inv: Inventory) -> None:
        self.resources = resources
        self.config = config
        self.inv = inv
        self.region = config.region or DEFAULT_REGION
        self.partition = facts.partition_of(self.region) if config.region else "aws"
        self.graph = iamgraph.Graph(region=config.region)
        self.by_address = {r.address: r for r in resources}
        self.entities: dict[str, TfResource] = {}
        self.policies: dict[str, list[Policy]] = {}  # aws_iam_policy address -> its document
        self.direct: dict[str, list[Policy]] = {}  # entity address -> policies attached to it
        self.memberships: dict[str, list[str]] = {}  # user address -> group addresses
        self.credentials: dict[str, list[dict[str, Any]]] = {}
        self.boundaries: dict[str, Policy | None] = {}
        self.workloads: list[tuple[TfResource, str, list[_Variable]]] = []
        self.inline_names: dict[str, set[str]] = {}  # role address -> names of its aws_iam_role_policy
        self.attached_arns: dict[str, set[str]] = {}  # entity address -> ARNs its attachments attach

    # --- places -------------------------------------------------------------------------------------------

    def where(self, r: TfResource, path: Path | None = None) -> tuple[int, int]:
        return Source(r.file, r.locator).locate(path if path is not None else r.path)

    def error(self, r: TfResource, message: str, path: Path) -> None:
        line, col = self.where(r, path)
        self.inv.errors.append(InputError(r.file, f"{r.address}: {message}", line, col))

    # --- references ---------------------------------------------------------------------------------------

    def targets(self, r: TfResource, attr: str, types: tuple[str, ...], value: Any = None) -> list[TfResource]:
        """The resources of ``types`` an attribute names: by a known value (a name, an ARN, an id), else by
        the configuration's references within the module."""
        value = r.values.get(attr) if value is None else value
        if isinstance(value, str) and not is_unresolved(value):
            found = [
                t
                for t in self.resources
                if t.type in types and value in (t.text("name"), t.text("arn"), t.text("id"), t.text("name_prefix"))
            ]
            same = [t for t in found if t.module == r.module]
            return (same or found)[:1]
        refs = [ref for ref in r.refs.get(attr, []) if ref.split(".", 1)[0] in types]
        out: list[TfResource] = []
        for ref in refs:
            # a configuration lists each traversal step: aws_iam_role.r[0].name, aws_iam_role.r[0],
            # aws_iam_role.r; an index written as a literal picks that instance, one from count.index or
            # each.key leaves only the bare name, and then the instance with the referrer's own key is meant
            m = _REF.match(ref)
            if m is None:
                continue
            local, key = m.group(1), _ref_key(m.group(2))
            cands = [t for t in self.resources if t.module == r.module and t.local == local]
            if key is not _NO_KEY:
                cands = [t for t in cands if t.index == key]
            elif len(cands) > 1 or (cands and cands[0].index is not None):
                cands = [t for t in cands if t.index == r.index]
            for t in cands[:1]:
                if t not in out:
                    out.append(t)
        return out

    # --- documents ----------------------------------------------------------------------------------------

    def document(self, r: TfResource, attr: Path, kind: str, name: str, raw: Any = None) -> Policy | str | None:
        """The document of an attribute: a Policy, None when absent or unusable, or "unknown"."""
        if raw is None:
            raw = r.values
            for k in attr:
                raw = (
                    raw.get(k)
                    if isinstance(raw, dict)
                    else (raw[k] if isinstance(raw, list) and isinstance(k, int) and k < len(raw) else None)
                )
        if raw is None or raw == "":
            return None
        path = r.at(*attr)
        clamp: Path | None = None
        remap: dict[Path, Path] = {}
        origin = getattr(raw, "origin", None)  # a document built from a data source (HCL)
        if isinstance(raw, str):
            if is_unresolved(raw) and not raw.lstrip().startswith("{"):
                return "unknown"
            try:
                raw_doc = json.loads(raw)
            except ValueError:
                self.error(r, f"the {'.'.join(map(str, attr))} document is a string that is not JSON", path)
                return None
            if origin is not None:
                remap[path] = origin
            elif getattr(raw, "positions", False):
                pass  # jsonencode of HCL: the positions are recorded under the attribute's path
            else:
                clamp = path
            raw = raw_doc
        source = Source(r.file, RemapLocator(r.locator, remap, clamp), r.address)
        try:
            policy = normalise(raw, source, path, kind, name)
        except PolicyError as e:
            self.inv.errors.append(InputError(r.file, f"{r.address}: {e.message}", e.line, e.column))
            return None
        self.inv.documents.append(policy)
        return policy

    def managed(self, r: TfResource, arn: Any, path: Path, refs_attr: str | None = None) -> Policy:
        """The policy an ARN names: one of the input's, an AWS managed one (bundled), or a stand-in."""
        if isinstance(arn, str) and not is_unresolved(arn):
            for t in self.resources:
                if t.type == "aws_iam_policy" and arn == t.text("arn"):
                    return self._first(t, r, path)
            if is_aws_managed(arn):
                bundled = aws_managed_policy(arn)
                if bundled is not None:
                    return bundled
        elif refs_attr is not None:
            for t in self.targets(r, refs_attr, ("aws_iam_policy",), value=arn):
                return self._first(t, r, path)
        what = arn if isinstance(arn, str) else "policy"
        return unknown_policy(what, Source(r.file, r.locator, r.address), path)

    def _first(self, policy_resource: TfResource, r: TfResource, path: Path) -> Policy:
        docs = self.policies.get(policy_resource.address) or []
        if docs:
            return docs[0]
        return unknown_policy(policy_resource.address, Source(r.file, r.locator, r.address), path)

    def attach(self, entity: TfResource, policy: Policy | str | None, r: TfResource, path: Path) -> None:
        if policy is None:
            return
        if policy == "unknown":
            policy = unknown_policy(r.address, Source(r.file, r.locator, r.address), path)
        self.direct.setdefault(entity.address, []).append(policy)  # type: ignore[arg-type]  # a str is "unknown"

    # --- reading --------------------------------------------------------------------------------------------

    def build(self) -> None:
        for r in self.resources:
            if r.type in ENTITY_TYPES:
                self.entities[r.address] = r
            elif r.type == "aws_iam_policy":
                doc = self.document(r, ("policy",), IDENTITY, r.text("name") or r.address)
                if isinstance(doc, Policy):
                    self.policies[r.address] = [doc]
        for r in self.resources:
            handler = _HANDLERS.get(r.type)
            if handler is not None:
                handler(self, r)
            elif r.type in RESOURCE_POLICIES:
                attr = RESOURCE_POLICIES[r.type]
                self.document(r, (attr,), RESOURCE, f"{r.address} {attr}")
        for r in self.resources:
            if r.type == "aws_iam_role":
                self._role_sets(r)
        self._principals()

    def _role_sets(self, r: TfResource) -> None:
        """A role's ``inline_policy`` blocks and ``managed_policy_arns``. Both are computed when not set: a
        state (and a plan of an existing role) lists there every inline and attached policy of the role,
        those of its aws_iam_role_policy and aws_iam_role_policy_attachment resources too, which are read
        from those resources and not again here."""
        inline = self.inline_names.get(r.address, set())
        for i, block in enumerate(_blocks(r.values.get("inline_policy"))):
            if not block.get("policy") or block.get("name") in inline:
                continue
            name = block["name"] if isinstance(block.get("name"), str) else f"{r.address} inline policy {i}"
            self.attach(
                r, self.document(r, ("inline_policy", i, "policy"), IDENTITY, name), r, r.at("inline_policy", i)
            )
        attached = self.attached_arns.get(r.address, set())
        arns = r.values.get("managed_policy_arns")
        for i, arn in enumerate(arns if isinstance(arns, list) else []):
            if isinstance(arn, str) and arn in attached:
                continue
            self.direct.setdefault(r.address, []).append(
                self.managed(r, arn, r.at("managed_policy_arns", i), "managed_policy_arns")
            )

    def _entity(self, r: TfResource) -> None:
        if r.type == "aws_iam_role":
            self.document(r, ("assume_role_policy",), RESOURCE, f"{r.address} trust policy")
        pb = r.values.get("permissions_boundary")
        if pb:
            self.boundaries[r.address] = self.managed(
                r, pb, r.at("permissions_boundary"), "permissions_boundary"
            ).with_kind(BOUNDARY)

    def _inline(self, r: TfResource) -> None:
        """aws_iam_role_policy / user_policy / group_policy."""
        kind = r.type[len("aws_iam_") : -len("_policy")]
        doc = self.document(r, ("policy",), IDENTITY, r.text("name") or r.address)
        for target in self.targets(r, kind, (f"aws_iam_{kind}",)):
            self.attach(target, doc, r, r.at("policy"))
            if r.text("name"):
                self.inline_names.setdefault(target.address, set()).add(r.text("name") or "")

    def _attachment(self, r: TfResource) -> None:
        """aws_iam_*_policy_attachment and aws_iam_policy_attachment (users, roles, groups lists)."""
        policy = self.managed(r, r.values.get("policy_arn"), r.at("policy_arn"), "policy_arn")
        arn = r.text("policy_arn")
        if r.type == "aws_iam_policy_attachment":
            for attr, typ in (("users", "aws_iam_user"), ("roles", "aws_iam_role"), ("groups", "aws_iam_group")):
                items = r.values.get(attr)
                for item in items if isinstance(items, list) else []:
                    for target in self.targets(r, attr, (typ,), value=item if not is_unresolved(item) else ""):
                        self.direct.setdefault(target.address, []).append(policy)
                        if arn:
                            self.attached_arns.setdefault(target.address, set()).add(arn)
            return
        kind = r.type[len("aws_iam_") : -len("_policy_attachment")]
        for target in self.targets(r, kind, (f"aws_iam_{kind}",)):
            self.direct.setdefault(target.address, []).append(policy)
            if arn:
                self.attached_arns.setdefault(target.address, set()).add(arn)

    def _user_groups(self, r: TfResource) -> None:
        users = self.targets(r, "user", ("aws_iam_user",))
        groups = r.values.get("groups")
        for user in users:
            for g in groups if isinstance(groups, list) else []:
                for group in self.targets(r, "groups", ("aws_iam_group",), value=g if not is_unresolved(g) else ""):
                    self.memberships.setdefault(user.address, []).append(group.address)

    def _group_members(self, r: TfResource) -> None:
        users = r.values.get("users")
        for group in self.targets(r, "group", ("aws_iam_group",)):
            for u in users if isinstance(users, list) else []:
                for user in self.targets(r, "users", ("aws_iam_user",), value=u if not is_unresolved(u) else ""):
                    self.memberships.setdefault(user.address, []).append(group.address)

    def _credential(self, r: TfResource) -> None:
        service = r.values.get("service_name")
        if service != facts.API_KEY_SERVICE_NAME:
            return
        cred: dict[str, Any] = {
            "ServiceName": service,
            "ServiceSpecificCredentialId": r.text("service_specific_credential_id") or r.address,
            "Status": r.text("status") or "Active",
            "mantlekit:Address": r.address,
        }
        age = r.values.get("credential_age_days")
        if isinstance(age, int) and not isinstance(age, bool):
            cred[CREDENTIAL_AGE_DAYS] = age  # MNT010 compares it with the age limit
        elif is_unresolved(age):
            cred[AGE_UNKNOWN] = True  # decided at apply: no verdict
        for user in self.targets(r, "user_name", ("aws_iam_user",)):
            self.credentials.setdefault(user.address, []).append(cred)

    def _endpoint(self, r: TfResource) -> None:
        """aws_vpc_endpoint ``policy`` (any service: a Mantle one is ``facts.vpc_endpoint_service``) and
        aws_vpc_endpoint_policy."""
        raw = r.values.get("policy")
        if r.type == "aws_vpc_endpoint" and (
            (r.refs and "policy" not in r.refs) or (isinstance(raw, str) and _default_endpoint_policy(raw))
        ):
            return  # computed: AWS's full-access default, not a document of the input's
        self.document(r, ("policy",), ENDPOINT, f"{r.address} endpoint policy")

    def _organizations(self, r: TfResource) -> None:
        kind = ORG_POLICY_KINDS.get(str(r.values.get("type") or "SERVICE_CONTROL_POLICY"))
        if kind is not None:
            self.document(r, ("content",), kind, r.text("name") or r.address)

    def _project(self, r: TfResource) -> None:
        """awscc_bedrockmantle_project: its region is that of its own provider configuration (``awscc``, not
        ``aws``), or the one in its ARN once it exists."""
        line, col = self.where(r)
        region = r.region or _arn_region(r.text("arn"))
        self.inv.resources.append(
            TemplateResource(
                facts.PROJECT_RESOURCE_TYPE, r.address, r.file, line, col, r.address, r.source, region, tool="terraform"
            )
        )

    def _workload(self, r: TfResource) -> None:
        from mantlekit.lint.readers.terraform import workloads

        found = workloads.configuration(r)
        if found is not None:
            self.workloads.append(found)

    # --- principals -----------------------------------------------------------------------------------------

    def _principals(self) -> None:
        for address, r in self.entities.items():
            kind = ENTITY_TYPES[r.type]
            name = r.text("name") or address
            # tags_all: the tags the entity has, the provider's default_tags included (tags holds only its own)
            raw_tags = r.values.get("tags_all")
            if not isinstance(raw_tags, dict):
                raw_tags = r.values.get("tags")
            tags = {str(k): str(v) for k, v in raw_tags.items()} if isinstance(raw_tags, dict) else {}
            policies = list(self.direct.get(address, []))
            line, col = self.where(r)
            entity = iamgraph.Entity(
                address,
                kind,
                name,
                r.file,
                line,
                col,
                label=address,
                construct_path=r.source,
                policies=policies,
                memberships=[iamgraph.Membership(g) for g in self.memberships.get(address, [])],
                boundary=self.boundaries.get(address),
                tags={k: v for k, v in tags.items() if not is_unresolved(v)},
                credentials=self.credentials.get(address, []),
            )
            self.graph.add(entity)
        from mantlekit.lint.readers.terraform import workloads

        uses = workloads.roles(self, self.workloads)

        def apply(entity: iamgraph.Entity, principal: Any, own: list[Policy]) -> None:
            use = uses.get(entity.key)
            if use is not None:
                use.apply(principal, workloads.Place(self, use), own)
                principal.file = use.workloads[0].file

        self.inv.principals.extend(iamgraph.principals(self.graph, apply))


_REF = re.compile(r"^([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)(?:\[([^\]]*)\])?")
_NO_KEY = object()


def _ref_key(text: str | None) -> Any:
    """The instance key of a reference's ``[...]``: an int (count), a string (for_each), or _NO_KEY."""
    if text is None:
        return _NO_KEY
    try:
        key = json.loads(text)
    except ValueError:
        return _NO_KEY
    return key if isinstance(key, int | str) and not isinstance(key, bool) else _NO_KEY


def _default_endpoint_policy(text: str) -> bool:
    """AWS's default policy of an endpoint created without one, as a state records it (``policy`` is
    computed): Version 2008-10-17, one statement allowing everything to everyone."""
    try:
        doc = json.loads(text)
    except ValueError:
        return False
    full = [{"Action": "*", "Effect": "Allow", "Principal": "*", "Resource": "*"}]
    return isinstance(doc, dict) and doc == {"Statement": full, "Version": "2008-10-17"}


def _arn_region(arn: str | None) -> str | None:
    a = parse_arn(arn) if arn else None
    return a.region if a is not None and a.region else None


def _blocks(v: Any) -> Iterator[dict[str, Any]]:
    for b in v if isinstance(v, list) else [v] if isinstance(v, dict) else []:
        if isinstance(b, dict):
            yield b


_HANDLERS: dict[str, Callable[[Builder, TfResource], None]] = {
    "aws_iam_user": Builder._entity,
    "aws_iam_role": Builder._entity,
    "aws_iam_group": Builder._entity,
    "aws_iam_role_policy": Builder._inline,
    "aws_iam_user_policy": Builder._inline,
    "aws_iam_group_policy": Builder._inline,
    "aws_iam_role_policy_attachment": Builder._attachment,
    "aws_iam_user_policy_attachment": Builder._attachment,
    "aws_iam_group_policy_attachment": Builder._attachment,
    "aws_iam_policy_attachment": Builder._attachment,
    "aws_iam_user_group_membership": Builder._user_groups,
    "aws_iam_group_membership": Builder._group_members,
    facts.TERRAFORM_CREDENTIAL_TYPE: Builder._credential,
    "aws_vpc_endpoint": Builder._endpoint,
    "aws_vpc_endpoint_policy": Builder._endpoint,
    "aws_organizations_policy": Builder._organizations,
    facts.TERRAFORM_PROJECT_TYPE: Builder._project,
    "aws_lambda_function": Builder._workload,
    "aws_ecs_task_definition": Builder._workload,
}


def build(resources: list[TfResource], config: Config, file: str) -> Inventory:
    """Documents and principals of the IAM resources among ``resources`` (an empty Inventory when none)."""
    iam = [r for r in resources if r.type in IAM_TYPES and r.mode == "managed"]
    inv = Inventory()
    if not iam:
        return inv
    inv.files.append(file)
    b = Builder(iam, config, inv)
    b.build()
    return inv
