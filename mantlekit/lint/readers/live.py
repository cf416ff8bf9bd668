"""Live accounts (``mantle-lint --live``): read IAM through the AWS API, read-only, and audit it.

Calls, and the IAM actions they need (``policies/mantle-lint-live-readonly.json`` grants exactly these):

* ``sts:GetCallerIdentity`` (needs no permission): whose account this is, and whether the credentials
  work at all;
* ``iam:GetAccountAuthorizationDetails``, every page (``Marker``): users, groups, roles, policies;
* ``iam:ListServiceSpecificCredentials`` with ``ServiceName=bedrock.amazonaws.com`` for each user: the
  long-term Bedrock API keys that actually exist (tags come with the authorization details, so no
  ``iam:GetUser`` is needed).

What was read is audited exactly as a saved file would be (:mod:`.account` builds the principals), so a
``--save FILE`` run writes the account-authorization-details format plus ``mantlekit:*`` extension keys
(credentials, account, key age limit, what could not be read) and ``mantle-lint FILE`` repeats the audit
offline with the same findings at the lines of that file. A user with a Bedrock credential is a
``long-term-key`` principal whose ``credentials`` rule MNT010 checks (never expires, older than
``--max-key-age-days``, inactive).

Throttling is retried: botocore's ``standard`` retry mode on every client, and on top of that an explicit
exponential backoff with jitter (:data:`MAX_ATTEMPTS`, :data:`BASE_DELAY`) for throttling errors that
still come through. Credentials that do not work, or an AccessDenied, become an InputError naming the API
call (file ``aws://<account>``); a failed ``ListServiceSpecificCredentials`` leaves the other users
audited and is recorded as incomplete. Authorization details that cannot be read completely are not
audited at all. boto3 is imported only inside these functions.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from mantlekit import facts

if TYPE_CHECKING:
    from mantlekit.lint.inventory import Inventory

THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottled",
        "RequestThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "SlowDown",
        "RequestThrottledError",
    }
)
MAX_ATTEMPTS = 6
BASE_DELAY = 0.5
MAX_DELAY = 20.0
#: botocore's own retries per call (standard mode: throttling and transient errors, with backoff).
BOTOCORE_MAX_ATTEMPTS = 5
#: botocore errors that mean AWS was never reached (no network, a proxy, DNS, a firewall), not that the
#: credentials were refused: "the credentials do not work" would send the user to the wrong place.
UNREACHABLE_CODES = frozenset(
    {
        "EndpointConnectionError",
        "ConnectTimeoutError",
        "ReadTimeoutError",
        "ConnectionClosedError",
        "ProxyConnectionError",
        "SSLError",
        "HTTPClientError",
        "ConnectionError",
    }
)
#: botocore errors that mean no credentials were found at all.
NO_CREDENTIALS_CODES = frozenset({"NoCredentialsError", "PartialCredentialsError", "CredentialRetrievalError"})
#: Seam for tests: how the explicit backoff waits.
sleep = time.sleep


class ApiError(Exception):
    def __init__(self, api: str, code: str, message: str) -> None:
        super().__init__(f"{api} failed: {code}: {message}")
        self.api, self.code, self.message = api, code, message


def _call(client: Any, method: str, api: str, **kwargs: Any) -> dict[str, Any]:
    """One API call, retried with exponential backoff and jitter while it is throttled."""
    from botocore.exceptions import BotoCoreError, ClientError

    for attempt in range(MAX_ATTEMPTS):
        try:
            response: dict[str, Any] = getattr(client, method)(**kwargs)  # boto3 is untyped: its JSON reply
            return response
        except ClientError as e:
            err = e.response.get("Error", {}) if isinstance(e.response, dict) else {}
            code = str(err.get("Code") or "ClientError")
            if code in THROTTLING_CODES and attempt < MAX_ATTEMPTS - 1:
                import random

                sleep(min(MAX_DELAY, BASE_DELAY * 2**attempt) * (0.5 + random.random() / 2))
                continue
            raise ApiError(api, code, str(err.get("Message") or e)) from None
        except BotoCoreError as e:
            raise ApiError(api, type(e).__name__, str(e)) from None
    raise AssertionError("unreachable")  # pragma: no cover


def _jsonable(v: Any) -> Any:
    import datetime as _dt

    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items() if k != "ResponseMetadata"}
    if isinstance(v, list | tuple):
        return [_jsonable(x) for x in v]
    if isinstance(v, _dt.datetime | _dt.date):
        return v.isoformat()
    return v


def audit(
    session: Any = None,
    profile: str | None = None,
    region: str | None = None,
    save: str | None = None,
    max_key_age_days: int | None = None,
) -> Inventory:
    """Read the account behind ``session`` (or a new boto3 Session) and build its principals. The key age
    limit ``max_key_age_days`` (None or 0: :data:`facts.DEFAULT_MAX_KEY_AGE_DAYS`) is recorded with what
    was read, as a saved file records it, so the inventory carries it as rule MNT010's option."""
    import datetime

    from mantlekit.lint.findings import InputError
    from mantlekit.lint.inventory import Inventory
    from mantlekit.lint.readers import account

    max_key_age_days = max_key_age_days or facts.DEFAULT_MAX_KEY_AGE_DAYS

    inv = Inventory()
    where = "aws://live"
    try:
        import boto3
        from botocore.config import Config
        from botocore.exceptions import BotoCoreError
    except ImportError:  # boto3 is the optional ``live`` extra: pip install mantlekit alone has no AWS SDK
        inv.errors.append(
            InputError("--live", "--live needs boto3, which is not installed: pip install 'mantlekit[live]'")
        )
        return inv
    try:
        session = session or boto3.Session(profile_name=profile, region_name=region)
        config = Config(
            retries={"mode": "standard", "max_attempts": BOTOCORE_MAX_ATTEMPTS},
            connect_timeout=10,
            read_timeout=60,
            user_agent_extra="mantle-lint",
        )
        client_region = region or session.region_name or "us-east-1"
        sts = session.client("sts", region_name=client_region, config=config)
        iam = session.client("iam", region_name=client_region, config=config)
    except BotoCoreError as e:  # e.g. ProfileNotFound
        inv.errors.append(InputError("--profile" if profile else "--live", f"cannot start an AWS session: {e}"))
        return inv

    try:
        caller = _call(sts, "get_caller_identity", "sts:GetCallerIdentity")
    except ApiError as e:
        if e.code in UNREACHABLE_CODES:
            why = "AWS could not be reached (check the network, a proxy or AWS_ENDPOINT_URL)"
        elif e.code in NO_CREDENTIALS_CODES:
            why = "no AWS credentials were found (give --profile, or set AWS_PROFILE or AWS_ACCESS_KEY_ID)"
        else:
            why = "the credentials do not work"
        inv.errors.append(InputError(where, f"{e}; {why}, nothing was audited"))
        return inv
    account_id = str(caller.get("Account") or "unknown")
    where = f"aws://{account_id}"

    details: dict[str, Any] = {k: [] for k in account.LISTS}
    marker = None
    while True:
        kwargs: dict[str, Any] = {"MaxItems": 1000}
        if marker:
            kwargs["Marker"] = marker
        try:
            page = _call(iam, "get_account_authorization_details", "iam:GetAccountAuthorizationDetails", **kwargs)
        except ApiError as e:
            read = "" if marker is None else " after some pages (incomplete)"
            inv.errors.append(InputError(where, f"{e}{read}; the account was not audited"))
            return inv
        for k in account.LISTS:
            details[k].extend(page.get(k) or ())
        if not page.get("IsTruncated"):
            break
        marker = page.get("Marker")
        if not marker:
            inv.errors.append(
                InputError(where, "incomplete: iam:GetAccountAuthorizationDetails said IsTruncated without a Marker")
            )
            return inv

    credentials: dict[str, list[Any]] = {}
    failed: dict[tuple[str, str], list[str]] = {}
    for user in details[account.USERS]:
        name = user.get("UserName")
        if not isinstance(name, str):
            continue
        try:
            credentials[name] = _credentials(iam, name)
        except ApiError as e:
            failed.setdefault((e.code, e.message), []).append(name)
    incomplete = []
    for (code, message), users in failed.items():
        shown = ", ".join(users[:5]) + (f" and {len(users) - 5} more" if len(users) > 5 else "")
        incomplete.append(
            f"iam:ListServiceSpecificCredentials failed for {len(users)} user(s) ({shown}): {code}: {message}; "
            "their Bedrock API keys are unknown"
        )

    data = _jsonable(details)
    data.update(
        {
            "IsTruncated": False,
            account.EXT_ACCOUNT: account_id,
            account.EXT_MAX_KEY_AGE: max_key_age_days,
            account.EXT_CREDENTIALS: _jsonable(credentials),
            "mantlekit:ReadAt": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        }
    )
    if incomplete:
        data[account.EXT_INCOMPLETE] = incomplete
    page_obj = account.Page(where, data)
    if save:
        text = json.dumps(data, indent=2) + "\n"
        try:
            with open(save, "w", encoding="utf-8") as fh:
                fh.write(text)
        except OSError as e:
            inv.errors.append(InputError(save, f"cannot write: {e.strerror or e}"))
        else:
            page_obj = account.Page(save, data, text)
            inv.files.append(save)
    inv.extend(account.build([page_obj]))
    return inv


def _credentials(iam: Any, user: str) -> list[dict[str, Any]]:
    from mantlekit import facts

    out: list[dict[str, Any]] = []
    marker = None
    while True:
        kwargs: dict[str, Any] = {"UserName": user, "ServiceName": facts.API_KEY_SERVICE_NAME}
        if marker:
            kwargs["Marker"] = marker
        resp = _call(iam, "list_service_specific_credentials", "iam:ListServiceSpecificCredentials", **kwargs)
        out.extend(c for c in resp.get("ServiceSpecificCredentials") or () if isinstance(c, dict))
        marker = resp.get("Marker") if resp.get("IsTruncated") else None
        if not marker:
            return out
