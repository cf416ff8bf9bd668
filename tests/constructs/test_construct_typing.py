"""The constructs' public API as Python tools see it: ``help()``/``inspect.signature`` show the real keyword
arguments (not jsii's metaclass ``(*args, **kwargs)``), ``__init__`` does not inherit ``aws_cdk.Resource``'s
docs, no prop is ``Any``, and the boundary goes where an ``IManagedPolicy`` is expected. (``make test``
also runs ``mypy --strict`` over the constructs and the README's examples.)"""

from __future__ import annotations

import inspect
import pydoc
import typing

import pytest
from aws_cdk import aws_iam as iam
from construct_helpers import new_stack

from mantlekit import constructs as mk

CONSTRUCTS = [mk.MantleProject, mk.MantleEndpoint, mk.MantleInferenceRole, mk.MantleApiKeyUser, mk.MantleKeyGuardrails]


def test_mantle_project_signature_and_doc():
    sig = inspect.signature(mk.MantleProject)
    assert [(p.name, p.kind.name, p.default) for p in sig.parameters.values()] == [
        ("scope", "POSITIONAL_OR_KEYWORD", inspect.Parameter.empty),
        ("id", "POSITIONAL_OR_KEYWORD", inspect.Parameter.empty),
        ("name", "KEYWORD_ONLY", inspect.Parameter.empty),
        ("tags", "KEYWORD_ONLY", None),
        ("cost_center", "KEYWORD_ONLY", None),
        ("removal_policy", "KEYWORD_ONLY", None),
    ]
    assert mk.MantleProject.__doc__.startswith("A Mantle project (``AWS::BedrockMantle::Project``).\n")
    for prop in ("name:", "tags:", "cost_center:", "removal_policy:"):
        assert f"\n        {prop} " in mk.MantleProject.__doc__
    assert inspect.getdoc(mk.MantleProject.__init__) == (
        "Define a MantleProject in ``scope`` as ``id``; the keyword arguments are documented on the class."
    )
    page = pydoc.render_doc(mk.MantleProject, renderer=pydoc.plaintext)
    assert "MantleProject(scope: 'Construct', id: 'str', *, name: 'str', tags: " in page
    assert "*args: Any" not in page and ":param account:" not in page


@pytest.mark.parametrize("cls", CONSTRUCTS, ids=lambda c: c.__name__)
def test_every_construct_shows_its_own_keyword_arguments(cls):
    own = list(inspect.signature(cls.__dict__["__init__"]).parameters)[1:]
    assert list(inspect.signature(cls).parameters) == own
    assert own[:2] == ["scope", "id"] and len(own) > 2
    assert "Creates a new construct node" not in inspect.getdoc(cls.__init__)


@pytest.mark.parametrize("cls", CONSTRUCTS, ids=lambda c: c.__name__)
def test_no_construct_prop_is_any(cls):
    hints = typing.get_type_hints(cls.__dict__["__init__"], vars(inspect.getmodule(cls)))
    assert [name for name, hint in hints.items() if "Any" in repr(hint)] == []


def test_boundary_is_a_managed_policy():
    stack = new_stack()
    guardrails = mk.MantleKeyGuardrails(stack, "Guardrails", permissions_boundary=True)
    assert guardrails.has_boundary and isinstance(guardrails.boundary, iam.ManagedPolicy)
    role = iam.Role(stack, "Role", assumed_by=iam.AccountRootPrincipal())
    iam.PermissionsBoundary.of(role).apply(guardrails.boundary)  # as README's example does
    hints = typing.get_type_hints(mk.MantleKeyGuardrails.boundary.fget)
    assert hints["return"] is iam.ManagedPolicy
