"""mantlekit.facts: the route and capability tables, data retention modes, access levels, CloudFormation regions.

The tables are read by the constructs, the reference app and the linter alike; these tests pin the facts
themselves and the invariants the readers rely on (every route in one capability, /openai/v1 routes
authorized like their /v1 twins, account-wide routes on "*").
"""

from __future__ import annotations

import pytest

from mantlekit import facts

# --- access levels -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["TagResource", "UntagResource"])
def test_tag_actions_are_tagging_and_write(name):
    action = facts.ACTIONS[name]
    assert action.access == "Tagging, Write"
    assert action.access_levels == ("Tagging", "Write")
    assert action.primary_access == "Tagging"


def test_catalog_overlay_records_the_primary_level_of_the_tag_actions():
    """The catalog has one level per action: facts' "Tagging, Write" becomes Tagging, and it round-trips."""
    from mantlekit.catalog.convert import facts_service
    from mantlekit.catalog.model import decode_service, encode_service

    svc = facts_service()
    assert svc.actions["tagresource"].access_level == "Tagging"
    assert svc.actions["untagresource"].access_level == "Tagging"
    again = decode_service(encode_service(svc))
    assert again.actions["tagresource"].access_level == "Tagging"


def test_other_actions_have_one_access_level():
    multi = {a.name for a in facts.ACTIONS.values() if len(a.access_levels) > 1}
    assert multi == {"TagResource", "UntagResource"}
    assert facts.ACTIONS["GetProject"].access_levels == ("Read",)
