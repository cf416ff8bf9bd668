"""A moto CloudFormation model for ``AWS::BedrockMantle::Project``, so reference-app templates deploy in moto.

moto 5.2.5 has no Mantle support: its CloudFormation engine skips the resource type with a warning, and
then every ``Fn::GetAtt`` on a project (the ARN in each grant, the id in each output) fails the deploy.
This module teaches it the one resource type, following the CloudFormation registry schema (see
``shared/reference/mantle-facts.md``, section 2): property ``Name`` (required, 1-128 characters) and
``Tags`` (at most 200 ``{Key, Value}``); attributes ``Arn``, ``Id`` and ``CreatedAt``; ``Ref`` gives the
ARN (the primary identifier); ``Name`` and ``Tags`` update in place; deleting the resource archives the
project. Ids are ``proj_`` plus random lower-case letters and digits; ARNs come from :mod:`mantlekit.facts`.

Why moto is pinned exactly (``moto==5.2.5`` in pyproject.toml and constraints.txt): this relies on moto
internals, not on its public API. The model subclasses ``moto.core.common_models.CloudFormationModel``
*directly*, because ``moto.cloudformation.parsing.get_model_map`` discovers models through
``CloudFormationModel.__subclasses__()`` (direct subclasses only) keyed by ``cloudformation_type()``,
and caches the result with ``functools.lru_cache``: :func:`register` clears those caches. The engine
calls the ``*_from_cloudformation_json`` class methods with moto's argument names, resolves ``Ref``
through ``physical_resource_id`` and ``Fn::GetAtt`` through ``get_cfn_attribute``, which must raise
``UnformattedGetAttTemplateException`` for unknown attributes. Any of these may change in a moto release.

Created projects are kept in :data:`PROJECTS` (not in a moto backend, so ``mock_aws``'s reset does not
clear them): call :func:`reset` between deployments.
"""

from __future__ import annotations

import datetime
import string
from dataclasses import dataclass, field
from typing import Any

from moto.cloudformation import parsing
from moto.cloudformation.exceptions import UnformattedGetAttTemplateException, ValidationError
from moto.core.common_models import CloudFormationModel
from moto.moto_api._internal import mock_random

from mantlekit import facts

RESOURCE_TYPE = "AWS::BedrockMantle::Project"
ATTRIBUTES = ("Arn", "Id", "CreatedAt")
#: ``Id`` is at most 25 characters: ``proj_`` plus 20.
ID_SUFFIX_LENGTH = 20
_ALPHABET = string.ascii_lowercase + string.digits


def new_project_id() -> str:
    """``proj_`` and random lower-case letters and digits (from moto's random, which ``mock_random.seed`` fixes)."""
    return "proj_" + "".join(mock_random.choice(_ALPHABET) for _ in range(ID_SUFFIX_LENGTH))


@dataclass
class Project:
    """One Mantle project as the CloudFormation handlers would leave it."""

    account_id: str
    region: str
    name: str
    tags: dict[str, str]
    id: str = field(default_factory=new_project_id)
    created_at: str = field(default_factory=lambda: datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"))
    status: str = "active"

    @property
    def arn(self) -> str:
        return facts.project_arn(self.region, self.account_id, self.id)


#: Every project created through CloudFormation, by ARN.
PROJECTS: dict[str, Project] = {}


def reset() -> None:
    PROJECTS.clear()


def projects(account_id: str | None = None, region: str | None = None, status: str = "active") -> list[Project]:
    """The projects of ``account_id`` in ``region`` (all when None) with ``status``."""
    return [
        p
        for p in PROJECTS.values()
        if (account_id is None or p.account_id == account_id)
        and (region is None or p.region == region)
        and p.status == status
    ]


def _properties(cloudformation_json: dict[str, Any]) -> tuple[str, dict[str, str]]:
    props = cloudformation_json.get("Properties") or {}
    unknown = sorted(set(props) - {"Name", "Tags"})
    if unknown:
        raise ValidationError(message=f"{RESOURCE_TYPE}: unknown properties {unknown} (additionalProperties: false)")
    name = props.get("Name")
    if not isinstance(name, str) or not 1 <= len(name) <= 128:
        raise ValidationError(message=f"{RESOURCE_TYPE}: Name must be a string of 1-128 characters, got {name!r}")
    tags = props.get("Tags") or []
    if len(tags) > 200:
        raise ValidationError(message=f"{RESOURCE_TYPE}: at most 200 Tags, got {len(tags)}")
    out: dict[str, str] = {}
    for tag in tags:
        key, value = tag.get("Key"), tag.get("Value", "")
        if not isinstance(key, str) or not 1 <= len(key) <= 128 or not isinstance(value, str) or len(value) > 256:
            raise ValidationError(message=f"{RESOURCE_TYPE}: invalid tag {tag!r}")
        out[key] = value
    return name, out


class MantleProjectModel(CloudFormationModel):
    """The moto CloudFormation model of ``AWS::BedrockMantle::Project``."""

    def __init__(self, project: Project) -> None:
        self.project = project

    # --- what moto's template engine asks --------------------------------------------------------------

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @staticmethod
    def cloudformation_type() -> str:
        return RESOURCE_TYPE

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in ATTRIBUTES

    @property
    def physical_resource_id(self) -> str:
        return self.project.arn

    def get_cfn_attribute(self, attribute_name: str) -> str:
        if attribute_name == "Arn":
            return self.project.arn
        if attribute_name == "Id":
            return self.project.id
        if attribute_name == "CreatedAt":
            return self.project.created_at
        raise UnformattedGetAttTemplateException()

    def is_created(self) -> bool:
        return True

    def delete(self, account_id: str, region_name: str) -> None:
        """Stack deletion: the delete handler archives the project (Mantle has no hard delete)."""
        self.project.status = "archived"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[override]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> MantleProjectModel:
        name, tags = _properties(cloudformation_json)
        project = Project(account_id=account_id, region=region_name, name=name, tags=tags)
        PROJECTS[project.arn] = project
        return cls(project)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[override]
        cls,
        original_resource: MantleProjectModel,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> MantleProjectModel:
        # No createOnlyProperties in the schema: Name and Tags change in place, the id and ARN stay.
        name, tags = _properties(cloudformation_json)
        original_resource.project.name = name
        original_resource.project.tags = tags
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[override]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        # Used when moto deletes by physical id (the ARN) rather than through the instance's delete().
        project = PROJECTS.get(resource_name)
        if project is not None:
            project.status = "archived"


def register() -> None:
    """Make moto's CloudFormation engine see :class:`MantleProjectModel` (idempotent).

    Defining the class is what registers it (``__subclasses__``); moto may already have cached its model
    map from an earlier deployment, so the caches are cleared here.
    """
    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()
    assert parsing.get_model_map()[RESOURCE_TYPE] is MantleProjectModel


register()
