"""MNT010: a Bedrock long-term API key that never expires, is too old, or lies around inactive."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from mantlekit import facts
from mantlekit.lint.access import PrincipalAccess
from mantlekit.lint.findings import Finding
from mantlekit.lint.inventory import AGE_UNKNOWN, CREDENTIAL_AGE_DAYS, MAX_KEY_AGE_DAYS, Principal
from mantlekit.lint.rules.base import Rule


def _when(v: Any) -> dt.datetime | None:
    if isinstance(v, dt.datetime):
        d = v
    elif isinstance(v, str) and v:
        try:
            d = dt.datetime.fromisoformat(v.replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return d if d.tzinfo else d.replace(tzinfo=dt.UTC)


def _limit(v: Any) -> int:
    """The age limit in days: a positive whole number, else the default (0 or a negative limit means none
    was given)."""
    ok = isinstance(v, int) and not isinstance(v, bool) and v > 0
    return v if ok else facts.DEFAULT_MAX_KEY_AGE_DAYS


def _check(
    principal: Principal, access: PrincipalAccess, max_key_age_days: Any = facts.DEFAULT_MAX_KEY_AGE_DAYS
) -> Iterator[Finding]:
    now = dt.datetime.now(dt.UTC)
    limit = _limit(max_key_age_days)
    for cred in principal.credentials:
        if cred.get("ServiceName", facts.API_KEY_SERVICE_NAME) != facts.API_KEY_SERVICE_NAME:
            continue
        key_id = str(cred.get("ServiceSpecificCredentialId") or "?")
        created = _when(cred.get("CreateDate"))
        expires = _when(cred.get("ExpirationDate"))
        age = (now - created).days if created else None
        details = {"credential_id": key_id, "created": cred.get("CreateDate"), "expires": cred.get("ExpirationDate")}
        what = f"{principal.name}'s Bedrock API key {key_id}"
        if cred.get("Status") == "Inactive":
            yield RULE.at_principal(
                principal,
                f"{what} is inactive"
                + (f" (created {age} days ago)" if age is not None else "")
                + ": an unused key can be reactivated by anyone allowed iam:UpdateServiceSpecificCredential",
                fix=f"delete it: aws iam delete-service-specific-credential --user-name {principal.name} "
                f"--service-specific-credential-id {key_id}",
                severity="info",
                **details,
            )
            continue
        if expires is not None and expires <= now:
            continue  # expired keys no longer work
        if cred.get(AGE_UNKNOWN):
            continue  # a planned key whose lifetime is known only at apply
        planned = cred.get(CREDENTIAL_AGE_DAYS)
        if expires is None and isinstance(planned, int) and not isinstance(planned, bool):
            if planned > limit:  # a key a plan or configuration issues with credential_age_days
                yield RULE.at_principal(
                    principal,
                    f"{what} is issued for {planned} days, longer than the limit of {limit} days",
                    max_age_days=limit,
                    credential_age_days=planned,
                    **details,
                )
            continue
        if expires is None:
            yield RULE.at_principal(
                principal,
                f"{what} never expires" + (f" (created {age} days ago)" if age is not None else ""),
                **details,
            )
        if age is not None and age > limit:
            yield RULE.at_principal(
                principal,
                f"{what} is {age} days old, older than the limit of {limit} days",
                max_age_days=limit,
                **details,
            )


RULE = Rule(
    id="MNT010",
    name="stale-long-term-key",
    severity="warning",
    summary=(
        "A long-term Bedrock API key (live or saved account) never expires, is older than the age limit, or is "
        "inactive."
    ),
    rationale=(
        "A long-term key is a bearer secret: whoever holds the string can call Mantle as the user until the key "
        "expires or is deleted. IAM creates keys without an expiry unless CredentialAgeDays is given, and AWS "
        "recommends long-term keys only for exploration, rotated often. An inactive key still exists and can be "
        "switched back on. Found only where actual credentials are known: mantle-lint --live, or a file saved "
        "with --live --save."
    ),
    fix=(
        "Issue keys with --credential-age-days (at most the age limit, --max-key-age-days, default 90), rotate "
        "with a second key then delete the old one, delete inactive keys; prefer short-term keys."
    ),
    references=(
        "https://docs.aws.amazon.com/bedrock/latest/userguide/api-keys.html",
        "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateServiceSpecificCredential.html",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_bedrock.html",
    ),
    tags=("security", "mantle"),
    check_principal=_check,
    options={MAX_KEY_AGE_DAYS: facts.DEFAULT_MAX_KEY_AGE_DAYS},
)
