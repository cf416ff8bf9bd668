"""ARNs taken apart in one place: ``arn:partition:service:region:account:resource``.

The engine, the readers and the rules all need the account or the service of an ARN; each used to split the
string itself, with small differences (``split(":")`` cut a resource that holds a colon, some checked for
``arn:`` and some did not, some took any digits as an account). :func:`parse_arn` is the one split of a
whole ARN and :func:`arn_fields` of a pattern that may stop short; :func:`account_of`, :func:`service_of`,
:func:`is_account_id` and :func:`is_wild` are the tests they repeated. Only ``re`` is imported: this module is
on the linter's start-up path.
"""

from __future__ import annotations

import re

from mantlekit._record import FrozenRecord

#: A wildcard (``*``, ``?``) or a policy variable (``${...}``): a part that is a pattern, not a value.
_WILD = re.compile(r"[*?]|\$\{")


class Arn(FrozenRecord):
    """The six fields of an ARN; ``resource`` keeps any colons and slashes of its own."""

    partition: str
    service: str
    region: str
    account: str
    resource: str

    __slots__ = _fields = ("partition", "service", "region", "account", "resource")

    def __init__(self, partition: str, service: str, region: str, account: str, resource: str) -> None:
        self.partition = partition
        self.service = service
        self.region = region
        self.account = account
        self.resource = resource


def parse_arn(text: str) -> Arn | None:
    """The fields of ``text``, or None unless it starts with ``arn:`` and has the five colons of an ARN."""
    parts = text.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return None
    return Arn(parts[1], parts[2], parts[3], parts[4], parts[5])


def arn_fields(text: str) -> list[str] | None:
    """The colon-separated fields of an ARN pattern, at most six (the resource keeps its own colons), or None
    unless it starts with ``arn:``.

    Fewer than six for a pattern cut short, which :func:`parse_arn` refuses: an open-ended one that IAM
    completes (``arn:aws:bedrock:*``) or a malformed one. The ARN-shape rules must tell the two apart, so they
    need the fields that are there.
    """
    return text.split(":", 5) if text.startswith("arn:") else None


def service_of(text: str) -> str | None:
    """The service field of an ARN pattern, also of one cut short after it (``arn:aws:bedrock-mantle:*``);
    None when ``text`` is not an ARN or stops before its service."""
    fields = arn_fields(text)
    return fields[2] if fields is not None and len(fields) > 2 else None


def account_of(text: str) -> str | None:
    """The account of a concrete ARN (12 digits in the fifth field), else None (``aws``, empty, a pattern)."""
    a = parse_arn(text)
    return a.account if a is not None and is_account_id(a.account) else None


def is_account_id(part: str) -> bool:
    """True for an AWS account id: exactly 12 ASCII digits. ``str.isdigit`` alone takes other scripts'
    digits, and a ``^...$`` regex a trailing newline."""
    return len(part) == 12 and part.isascii() and part.isdigit()


def is_wild(part: str) -> bool:
    """True when ``part`` (an ARN or one field of it) holds a wildcard or a policy variable."""
    return _WILD.search(part) is not None
