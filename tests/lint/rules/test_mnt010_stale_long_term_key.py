"""MNT010: which Bedrock API keys of a live or saved account are reported, at what severity, and what the
findings say. The keys' dates are relative to now (the fixture's are fixed, see rule_fixtures.AGE_FROM);
tests/readers/test_account_reader.py checks that saved account details give principals these credentials."""

from __future__ import annotations

import datetime as dt

import pytest

from mantlekit import facts
from mantlekit.lint.config import Config
from mantlekit.lint.inventory import MAX_KEY_AGE_DAYS, Inventory
from mantlekit.lint.rules import mnt010_stale_long_term_key as mnt010
from mantlekit.lint.runner import lint_inventory
from tests.lint.rules.helpers import ALLOW_KEY, ALLOW_USE, findings, policy, principal

NOW = dt.datetime.now(dt.UTC)


def key(key_id: str, *, created: int | None, expires: int | None = None, status: str = "Active", **extra) -> dict:
    """A ListServiceSpecificCredentials entry created ``created`` days ago, expiring in ``expires`` days."""
    cred = {
        "UserName": "app",
        "Status": status,
        "ServiceSpecificCredentialId": key_id,
        "ServiceName": "bedrock.amazonaws.com",
    }
    if created is not None:
        cred["CreateDate"] = (NOW - dt.timedelta(days=created)).isoformat()
    if expires is not None:
        cred["ExpirationDate"] = (NOW + dt.timedelta(days=expires)).isoformat()
    return {**cred, **extra}


def found(*creds: dict, run: dict | None = None, recorded: dict | None = None) -> list[tuple[str, str, str]]:
    """MNT010's findings on a key holder with ``creds``; ``run``: the options set for the run (the command
    line), ``recorded``: those an input recorded (a saved audit)."""
    app = principal(policy(ALLOW_KEY, ALLOW_USE), credentials=list(creds))
    config = Config(select=("MNT010",), principals=[app], options=run)
    result = lint_inventory(Inventory(options=recorded), config)
    return sorted((f.severity, f.details["credential_id"], f.message) for f in result.findings)


def test_the_limit_is_the_rules_option_under_the_name_readers_and_the_cli_set():
    assert mnt010.RULE.options == {MAX_KEY_AGE_DAYS: facts.DEFAULT_MAX_KEY_AGE_DAYS}
    assert MAX_KEY_AGE_DAYS == "max_key_age_days"


def test_the_run_sets_the_limit_over_what_an_input_recorded():
    old = key("ACCAOLD", created=100, expires=5)
    message = "bot's Bedrock API key ACCAOLD is 100 days old, older than the limit of {} days"
    assert found(old, recorded={MAX_KEY_AGE_DAYS: 30}) == [("warning", "ACCAOLD", message.format(30))]
    assert found(old, run={MAX_KEY_AGE_DAYS: 60}, recorded={MAX_KEY_AGE_DAYS: 30}) == [
        ("warning", "ACCAOLD", message.format(60))
    ]
    assert found(old, run={MAX_KEY_AGE_DAYS: 365}, recorded={MAX_KEY_AGE_DAYS: 30}) == []


def test_an_old_key_without_expiry_gets_two_warnings_at_the_account_limit():
    assert found(key("ACCAOLD", created=400), recorded={MAX_KEY_AGE_DAYS: 30}) == [
        ("warning", "ACCAOLD", "bot's Bedrock API key ACCAOLD is 400 days old, older than the limit of 30 days"),
        ("warning", "ACCAOLD", "bot's Bedrock API key ACCAOLD never expires (created 400 days ago)"),
    ]


def test_the_default_limit_is_90_days():
    assert facts.DEFAULT_MAX_KEY_AGE_DAYS == 90
    assert found(key("ACCAYOUNG", created=90, expires=10)) == []
    assert found(key("ACCAOLDER", created=91, expires=10)) == [
        ("warning", "ACCAOLDER", "bot's Bedrock API key ACCAOLDER is 91 days old, older than the limit of 90 days")
    ]


@pytest.mark.parametrize("limit", [0, -5, "30", None])
def test_a_limit_that_is_not_a_positive_number_is_the_default(limit):
    [(_, _, message)] = found(key("ACCAK", created=100, expires=5), run={MAX_KEY_AGE_DAYS: limit})
    assert message.endswith("older than the limit of 90 days")


def test_an_inactive_key_is_info_with_the_delete_command():
    app = principal(
        policy(ALLOW_KEY, ALLOW_USE), credentials=[key("ACCAOFF", created=10, expires=20, status="Inactive")]
    )
    [f] = findings("MNT010", principals=(app,))
    assert (f.severity, f.principal) == ("info", "bot")
    assert f.message == (
        "bot's Bedrock API key ACCAOFF is inactive (created 10 days ago): an unused key can be reactivated by "
        "anyone allowed iam:UpdateServiceSpecificCredential"
    )
    assert f.fix == (
        "delete it: aws iam delete-service-specific-credential --user-name bot --service-specific-credential-id ACCAOFF"
    )


def test_expired_keys_and_credentials_of_other_services_are_not_reported():
    assert found(key("ACCAGONE", created=400, expires=-1)) == []
    assert found(key("ACCAGIT", created=400, ServiceName="codecommit.amazonaws.com")) == []
    assert facts.API_KEY_SERVICE_NAME == "bedrock.amazonaws.com"


def test_a_key_without_dates_never_expires_and_has_no_age():
    assert found(key("ACCANODATE", created=None)) == [
        ("warning", "ACCANODATE", "bot's Bedrock API key ACCANODATE never expires")
    ]


def test_details_name_the_key_its_dates_and_the_limit():
    cred = key("ACCAOLD", created=400)
    app = principal(policy(ALLOW_KEY, ALLOW_USE), credentials=[cred])
    details = {f.message: f.details for f in findings("MNT010", principals=(app,))}
    dates = {"credential_id": "ACCAOLD", "created": cred["CreateDate"]}
    assert details == {
        "bot's Bedrock API key ACCAOLD never expires (created 400 days ago)": dates,
        "bot's Bedrock API key ACCAOLD is 400 days old, older than the limit of 90 days": {**dates, "max_age_days": 90},
    }
