"""Mantle workloads in Terraform: ``aws_lambda_function`` (``environment.variables``, role ``role``) and
``aws_ecs_task_definition`` (``container_definitions`` JSON, each container's ``environment`` Name/Value
pairs, role ``task_role_arn``; not ``execution_role_arn``, the ECS agent's). The evidence and what the role
then needs are those of the template reader (:mod:`mantlekit.lint.readers.workloads`)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from mantlekit.iam.locate import Path
from mantlekit.lint.inventory import DEFAULT_ACCOUNT
from mantlekit.lint.readers.workloads import RoleUse, _Variable, _workload

if TYPE_CHECKING:
    from mantlekit.lint.readers.terraform.resources import Builder, TfResource

_ROLE_ATTR = {"aws_lambda_function": "role", "aws_ecs_task_definition": "task_role_arn"}


def configuration(r: TfResource) -> tuple[TfResource, str, list[_Variable]] | None:
    """(resource, role attribute, variables) of a workload resource."""
    variables: list[_Variable] = []
    if r.type == "aws_lambda_function":
        for i, env in enumerate(_list(r.values.get("environment"))):
            values = env.get("variables") if isinstance(env, dict) else None
            for name, v in (values or {}).items() if isinstance(values, dict) else ():
                if isinstance(v, str):
                    variables.append(_Variable(str(name), v, r.at("environment", i, "variables", name)))
    elif r.type == "aws_ecs_task_definition":
        raw = r.values.get("container_definitions")
        try:
            defs = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            defs = None
        for cdef in defs if isinstance(defs, list) else ():
            for pair in _list(cdef.get("environment") if isinstance(cdef, dict) else None):
                if isinstance(pair, dict) and isinstance(pair.get("name"), str) and isinstance(pair.get("value"), str):
                    variables.append(_Variable(pair["name"], pair["value"], r.at("container_definitions")))
    if not variables:
        return None
    return r, _ROLE_ATTR[r.type], variables


def _list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else [v] if isinstance(v, dict) else []


def roles(b: Builder, found: list[tuple[TfResource, str, list[_Variable]]]) -> dict[str, RoleUse]:
    """Role address -> the Mantle workloads that run with it."""
    out: dict[str, RoleUse] = {}
    for r, attr, variables in found:
        for role in b.targets(r, attr, ("aws_iam_role",)):
            w = _workload(None, r.address, r.type, role.address, variables)
            if w is not None:
                w.file = r.file
                out.setdefault(role.address, RoleUse()).workloads.append(w)
    return out


class Place:
    """What :meth:`RoleUse.apply` asks of a template, for a Terraform input."""

    def __init__(self, b: Builder, use: RoleUse) -> None:
        self.b = b
        self.use = use
        self.pseudo = {"AWS::Region": b.region, "AWS::AccountId": DEFAULT_ACCOUNT}
        self.pinned = {"AWS::Region": b.config.region is not None}

    def where(self, path: Path) -> tuple[int, int]:
        w = self.use.workloads[0]
        r = self.b.by_address[w.logical_id]
        return self.b.where(r, path)
