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

Modules: :mod:`.values` (markers, ``AWS::NoValue``, undecided ``Fn::If``), :mod:`.intrinsics` (intrinsic
functions, parameters, conditions), :mod:`.names` (physical names and ARNs per resource type),
:mod:`.variants` (structural ``Fn::If`` and documents), :mod:`.resources` (what each resource type
contributes) and :mod:`.template` (the template, and its principals through the neutral IAM graph of
:mod:`mantlekit.lint.iamgraph`).

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

from typing import Any

from mantlekit.lint.findings import InputError
from mantlekit.lint.iamgraph import guard_document, guarded_policy
from mantlekit.lint.inventory import Inventory
from mantlekit.lint.readers.cfn.intrinsics import PSEUDO_PLACEHOLDERS
from mantlekit.lint.readers.cfn.names import PROJECT_TYPE
from mantlekit.lint.readers.cfn.resources import RESOURCE_POLICIES
from mantlekit.lint.readers.cfn.template import StackInfo, _Template
from mantlekit.lint.readers.cfn.values import NOVALUE, _collapse, _text, is_unresolved, unresolved

__all__ = [
    "NOVALUE",
    "PROJECT_TYPE",
    "PSEUDO_PLACEHOLDERS",
    "RESOURCE_POLICIES",
    "StackInfo",
    "_Template",
    "_collapse",
    "_text",
    "guard_document",
    "guarded_policy",
    "is_unresolved",
    "read",
    "read_template",
    "sniff",
    "unresolved",
]

_SECTIONS = ("Parameters", "Conditions", "Mappings", "Outputs", "Transform")


def sniff(data: Any, path: str) -> bool:
    if not isinstance(data, dict) or "Resources" not in data:
        return False
    if "AWSTemplateFormatVersion" in data or any(k in data for k in _SECTIONS):
        return True
    resources = data["Resources"]
    return isinstance(resources, dict) and any(isinstance(v, dict) and "Type" in v for v in resources.values())


def read(data: Any, text: str, path: str) -> Inventory:
    return read_template(data, text, path)


def read_template(data: Any, text: str, path: str, stack: StackInfo | None = None) -> Inventory:
    """Read one template. Never raises: what cannot be read becomes an InputError and the rest is read."""
    try:
        return _Template(data, text, path, stack or StackInfo()).read()
    except RecursionError:
        return Inventory(files=[path], errors=[InputError(path, "template nested too deeply to be read")])
    except Exception as e:  # a reader bug must not cost the rest of the run; say so, never guess
        msg = f"internal error reading the template ({type(e).__name__}: {e}); please report it"
        return Inventory(files=[path], errors=[InputError(path, msg)])
