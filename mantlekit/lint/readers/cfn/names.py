"""Physical names and ARNs of template resources: what ``Ref`` and ``Fn::GetAtt`` give.

Per resource type, one row of :data:`PHYSICAL`: the property holding the name, what ``Ref`` returns and the
ARN format. A name the template leaves to CloudFormation is ``<stack name>-<logical id>`` (lower-case for
buckets): unknown but the same wherever the resource is referenced.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NamedTuple

from mantlekit import facts
from mantlekit.lint.readers.cfn.values import _collapse, _text, unresolved

PROJECT_TYPE = facts.PROJECT_RESOURCE_TYPE


class Physical(NamedTuple):
    #: The property that holds the physical name.
    name_prop: str
    #: What ``Ref`` gives: ``name``, ``arn`` or ``url`` (an SQS queue URL).
    ref: str
    #: The ARN, from ``{partition}``, ``{region}``, ``{account}``, ``{path}`` (IAM path) and ``{name}``.
    arn: str
    #: ``Fn::GetAtt`` attributes -> ``arn``, ``name`` or ``ref``.
    attrs: dict[str, str]
    #: A generated name is lower-case (S3 bucket names are).
    lower: bool = False


_ARN = {"Arn": "arn"}
PHYSICAL: dict[str, Physical] = {
    "AWS::IAM::User": Physical("UserName", "name", "arn:{partition}:iam::{account}:user{path}{name}", _ARN),
    "AWS::IAM::Role": Physical("RoleName", "name", "arn:{partition}:iam::{account}:role{path}{name}", _ARN),
    "AWS::IAM::Group": Physical("GroupName", "name", "arn:{partition}:iam::{account}:group{path}{name}", _ARN),
    "AWS::IAM::InstanceProfile": Physical(
        "InstanceProfileName", "name", "arn:{partition}:iam::{account}:instance-profile{path}{name}", _ARN
    ),
    "AWS::IAM::ManagedPolicy": Physical(
        "ManagedPolicyName",
        "arn",
        "arn:{partition}:iam::{account}:policy{path}{name}",
        {"Arn": "arn", "PolicyArn": "arn"},
    ),
    "AWS::S3::Bucket": Physical("BucketName", "name", "arn:{partition}:s3:::{name}", _ARN, lower=True),
    "AWS::SQS::Queue": Physical(
        "QueueName",
        "url",
        "arn:{partition}:sqs:{region}:{account}:{name}",
        {"Arn": "arn", "QueueName": "name", "QueueUrl": "ref"},
    ),
    "AWS::SNS::Topic": Physical(
        "TopicName",
        "arn",
        "arn:{partition}:sns:{region}:{account}:{name}",
        {"Arn": "arn", "TopicArn": "arn", "TopicName": "name"},
    ),
    "AWS::Lambda::Function": Physical(
        "FunctionName", "name", "arn:{partition}:lambda:{region}:{account}:function:{name}", _ARN
    ),
}
#: IAM entity types -> the entity kind.
ENTITY_TYPES = {"AWS::IAM::User": "user", "AWS::IAM::Role": "role", "AWS::IAM::Group": "group"}
#: Entity kind -> the property naming it (also on AWS::IAM::RolePolicy / UserPolicy / GroupPolicy).
NAME_PROP = {kind: PHYSICAL[typ].name_prop for typ, kind in ENTITY_TYPES.items()}


class Names:
    """Physical names and ARNs (a mixin of the template: it reads ``pseudo``, ``resources`` and resolves
    properties with :meth:`~.intrinsics.Intrinsics.resolve`)."""

    pseudo: dict[str, str]
    resources: dict[str, dict[str, Any]]
    _busy: set[str]

    props: Callable[[str], dict[str, Any]]  # from the template
    resolve: Callable[..., Any]  # from Intrinsics

    def _named(self, logical_id: str, prop: str | None, lower: bool = False) -> str:
        if prop is not None:
            v = self.props(logical_id).get(prop)
            if v is not None and logical_id not in self._busy:
                self._busy.add(logical_id)
                try:
                    r = _collapse(self.resolve(v))
                finally:
                    self._busy.discard(logical_id)
                t = _text(r)
                if t is not None:
                    return t
        name = f"{self.pseudo['AWS::StackName']}-{logical_id}"
        return name.lower() if lower else name

    def _iam_path(self, logical_id: str) -> str:
        v = self.props(logical_id).get("Path")
        t = _text(_collapse(self.resolve(v))) if v is not None else None
        return t if t and t.startswith("/") and t.endswith("/") else "/"

    def project_id(self, logical_id: str) -> str:
        return "proj_cfn" + re.sub(r"[^a-z0-9]", "", logical_id.lower())

    def _arn(self, logical_id: str, row: Physical) -> str:
        p = self.pseudo
        return row.arn.format(
            partition=p["AWS::Partition"],
            region=p["AWS::Region"],
            account=p["AWS::AccountId"],
            path=self._iam_path(logical_id) if "{path}" in row.arn else "",
            name=self._named(logical_id, row.name_prop, row.lower),
        )

    def resource_ref(self, logical_id: str) -> Any:
        typ = self.resources[logical_id]["Type"]
        if typ == PROJECT_TYPE:
            return self.getatt(logical_id, "Arn")
        row = PHYSICAL.get(typ)
        if row is None:
            return unresolved(f"Ref/{logical_id}")
        if row.ref == "arn":
            return self._arn(logical_id, row)
        name = self._named(logical_id, row.name_prop, row.lower)
        if row.ref == "url":
            p = self.pseudo
            return f"https://sqs.{p['AWS::Region']}.{p['AWS::URLSuffix']}/{p['AWS::AccountId']}/{name}"
        return name

    def getatt(self, logical_id: str, attr: str) -> Any:
        resource = self.resources.get(logical_id)
        if resource is None:
            return unresolved(f"GetAtt/{logical_id}.{attr}")
        typ = resource["Type"]
        if typ == PROJECT_TYPE:
            if attr == "Arn":
                p = self.pseudo
                return facts.project_arn(
                    p["AWS::Region"], p["AWS::AccountId"], self.project_id(logical_id), p["AWS::Partition"]
                )
            if attr == "Id":
                return self.project_id(logical_id)
            return unresolved(f"GetAtt/{logical_id}.{attr}")
        row = PHYSICAL.get(typ)
        what = row.attrs.get(attr) if row is not None else None
        if row is None or what is None:
            return unresolved(f"GetAtt/{logical_id}.{attr}")
        if what == "arn":
            return self._arn(logical_id, row)
        if what == "name":
            return self._named(logical_id, row.name_prop, row.lower)
        return self.resource_ref(logical_id)
