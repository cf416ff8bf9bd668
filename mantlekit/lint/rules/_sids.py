"""Sids as IAM013 and IAM014 read them: which policy kinds are checked strictly, and every written Sid.

A helper module, not a rule: rules import helpers, never each other, so each can be selected alone.
"""

from __future__ import annotations

from collections.abc import Iterator

from mantlekit.iam.model import BOUNDARY, IDENTITY, SCP, Policy

#: Kinds whose service rejects a duplicate (IAM for identity policies and boundaries, Organizations for
#: SCPs): "In IAM, the Sid value must be unique within a JSON policy."
#: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_sid.html
#: Resource and endpoint policies belong to many services, and the same page says only that "Some AWS
#: services (for example, Amazon SQS or Amazon SNS) might require this element and have uniqueness
#: requirements for it": there a duplicate is a warning.
REJECTING_KINDS = frozenset({IDENTITY, BOUNDARY, SCP})


def raw_sids(policy: Policy) -> Iterator[tuple[int | None, str]]:
    """(statement index, Sid) of every statement with a string Sid, read from the document itself so that
    statements left out for grammar errors count too. The index is None for a lone Statement object."""
    raw = policy.raw
    statements = raw.get("Statement") if isinstance(raw, dict) else None
    if isinstance(statements, dict):
        sid = statements.get("Sid")
        if isinstance(sid, str):
            yield None, sid
    elif isinstance(statements, list):
        for i, s in enumerate(statements):
            sid = s.get("Sid") if isinstance(s, dict) else None
            if isinstance(sid, str):
                yield i, sid


def sid_path(index: int | None) -> tuple[object, ...]:
    return ("Statement", "Sid") if index is None else ("Statement", index, "Sid")
