"""AWS managed policies bundled with mantlekit: resolve ``arn:aws:iam::aws:policy/NAME`` offline.

The data (``mantlekit/data/managed``) is one file per policy holding the document of its default version,
plus a manifest with versions and ARNs; see ``PROVENANCE.md`` there. Lookups read the manifest once and one
small file per policy resolved. :func:`managed_policy` is the one loader of a bundled policy as a
:class:`~mantlekit.iam.model.Policy` (the readers, the configuration and ``mantle-lint access`` all use it),
parsed once per process and kind; :func:`managed_policy_text` gives the raw text.
"""

from __future__ import annotations

import csv
import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from mantlekit.iam.model import Policy

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "managed"
MANIFEST = "aws-managed-manifest.tsv"
DISPLAY_PREFIX = "aws-managed:"

_NAME = r"[\w+=,.@-]+"
#: ``arn:<partition>:iam::aws:policy/[path/]NAME`` in any partition (aws, aws-us-gov, aws-cn, ...).
AWS_MANAGED_ARN_RE = re.compile(rf"^arn:aws(?:-[a-z0-9]+)*:iam::aws:policy/(?:{_NAME}/)*(?P<name>{_NAME})$")
_NAME_RE = re.compile(rf"^{_NAME}$")


class _Entry(NamedTuple):
    name: str
    version: str | None
    arn: str


@functools.lru_cache(maxsize=1)
def _manifest() -> dict[str, _Entry]:
    """Lower-case policy name -> manifest entry (only policies whose file is bundled)."""
    out: dict[str, _Entry] = {}
    with (DATA_DIR / MANIFEST).open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            name = row["name"]
            version = row.get("version") or ""
            out[name.lower()] = _Entry(
                name,
                version if re.fullmatch(r"v\d+", version) else None,
                row.get("arn") or f"arn:aws:iam::aws:policy/{name}",
            )
    return out


def is_aws_managed_arn(s: str) -> bool:
    """True for an AWS managed policy ARN (``arn:aws:iam::aws:policy/...`` in any partition, any path),
    whether or not the policy is bundled."""
    return isinstance(s, str) and AWS_MANAGED_ARN_RE.match(s.strip()) is not None


def _entry(arn_or_name: str) -> _Entry | None:
    s = arn_or_name.strip()
    if s.startswith("arn:"):
        m = AWS_MANAGED_ARN_RE.match(s)
        if m is None:
            return None
        name = m["name"]
    else:
        name = s.rsplit("/", 1)[-1]  # tolerate "service-role/NAME"
        if not _NAME_RE.match(name):
            return None
    # IAM policy names are unique regardless of case; the path is not checked.
    return _manifest().get(name.lower())


def managed_policy_text(arn_or_name: str) -> tuple[str, str] | None:
    """``(display name, raw JSON text)`` of a bundled AWS managed policy, e.g.
    ``("aws-managed:AmazonBedrockLimitedAccess (v9)", "{...}")``; None when it is not bundled."""
    entry = _entry(arn_or_name)
    if entry is None:
        return None
    try:
        text = (DATA_DIR / f"{entry.name}.json").read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    label = f"{DISPLAY_PREFIX}{entry.name}" + (f" ({entry.version})" if entry.version else "")
    return label, text


_PARSED: dict[tuple[str, str], Policy | None] = {}


def managed_policy(arn_or_name: str, kind: str = "identity") -> Policy | None:
    """A bundled AWS managed policy used as ``kind`` (a :data:`~mantlekit.iam.model.KINDS` value), parsed
    once per process; None when it is not bundled. Its file is the display name of
    :func:`managed_policy_text`."""
    entry = _entry(arn_or_name)
    if entry is None:
        return None
    key = (entry.name, kind)
    if key not in _PARSED:
        from mantlekit.iam.model import PolicyError
        from mantlekit.iam.parse import load_policy

        found = managed_policy_text(arn_or_name)
        try:
            _PARSED[key] = load_policy(found[1], found[0], kind, found[0]) if found is not None else None
        except PolicyError:  # pragma: no cover - the bundled texts are checked by tests/managed
            _PARSED[key] = None
    return _PARSED[key]


def managed_policy_version(arn_or_name: str) -> str | None:
    """The default version bundled (``"v9"``), None when unknown or not bundled."""
    entry = _entry(arn_or_name)
    return entry.version if entry is not None else None


def managed_policy_arn(arn_or_name: str) -> str | None:
    """The policy's ARN with its real path (``.../policy/service-role/NAME``) in the ``aws`` partition."""
    entry = _entry(arn_or_name)
    return entry.arn if entry is not None else None


def managed_policy_names() -> tuple[str, ...]:
    """Names of every bundled AWS managed policy, sorted."""
    return tuple(sorted(e.name for e in _manifest().values()))
