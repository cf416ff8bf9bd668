"""Account authorization details: the JSON of ``aws iam get-account-authorization-details``.

A file is recognised by its ``UserDetailList`` / ``GroupDetailList`` / ``RoleDetailList`` lists (or a
``Policies`` list next to ``IsTruncated`` / ``Marker``). Saved pages of one paginated call (each with
``IsTruncated`` and ``Marker``) are merged before principals are built: :func:`read` keeps the page and
:func:`finalize`, which the readers' walk calls once after every file, merges the pages found in one
directory for one account and builds everything. Entities that appear on several pages (the same ARN)
are taken once.

Completeness: a set of pages where some page says ``IsTruncated: true`` (or carries a CLI ``NextToken``)
and no page ends the set, or where a paginated set lacks a group or customer managed policy that its
entities use, is an InputError ``incomplete: ...`` and is not audited (a partial account is never
presented as complete). Missing references in a single, unpaginated file (e.g. saved with ``--filter``)
are read as unknown policies instead: verdicts that depend on them are ``conditional``.

Documents (each once): inline user, group and role policies, role trust policies (resource), and the
default version of each customer managed policy (``IsDefaultVersion``, else ``DefaultVersionId``).
Policy documents may be objects or URL-encoded JSON strings (as the raw API returns them). AWS managed
policies are taken as listed in the file, else from the bundled copy; they are evaluated but not linted
as documents (nobody can edit them).

Principals: every user and role with its inline policies, attached managed policies, group policies and
permissions boundary, at the line of its entry. Key holders: the ``mantlekit:api-key`` tag
(``long-term`` / ``short-term``; short-term also on roles); a Bedrock service-specific credential listed
under the extension key ``mantlekit:ServiceSpecificCredentials`` (written by ``mantle-lint --live
--save``; user name -> ListServiceSpecificCredentials entries), which also fills
``Principal.credentials`` for rule MNT010; or, flagged ``heuristic`` (findings at severity info), a user
with ``AmazonBedrockLimitedAccess`` attached directly or named as the Bedrock console names the users it
creates for long-term keys (``facts.CONSOLE_KEY_USER_RE``). A plain user whose own policy allows a
bearer-token action by name is taken as a key holder too (:func:`mantlekit.lint.infer.promote_key_users`).
``mantlekit:Incomplete`` (a list of messages, also written by ``--save``) becomes InputErrors.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from mantlekit import facts
from mantlekit.iam.arn import account_of
from mantlekit.iam.locate import JsonLocator, Locator, Path, RemapLocator
from mantlekit.iam.model import BOUNDARY, IDENTITY, RESOURCE, Policy, PolicyError, Source
from mantlekit.iam.parse import normalise
from mantlekit.lint import iamgraph
from mantlekit.lint.findings import InputError
from mantlekit.lint.iamgraph import aws_managed_policy, is_aws_managed, unknown_policy
from mantlekit.lint.inventory import MAX_KEY_AGE_DAYS, Inventory

USERS, GROUPS, ROLES, POLICIES = "UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"
LISTS = (USERS, GROUPS, ROLES, POLICIES)
#: Extension keys written by ``mantle-lint --live --save`` and read back here.
EXT_CREDENTIALS = "mantlekit:ServiceSpecificCredentials"
EXT_INCOMPLETE = "mantlekit:Incomplete"
#: The key age limit the saved audit ran with; read back as rule MNT010's option (``Inventory.options``).
EXT_MAX_KEY_AGE = "mantlekit:MaxKeyAgeDays"
EXT_ACCOUNT = "mantlekit:Account"


def _list(v: Any) -> list[Any]:
    """A list field as a list (anything else counts as empty: the readers never crash on odd input)."""
    return v if isinstance(v, list) else []


def sniff(data: Any, path: str) -> bool:
    if not isinstance(data, dict):
        return False
    if any(k in data for k in (USERS, GROUPS, ROLES)):
        return True
    return isinstance(data.get(POLICIES), list) and ("IsTruncated" in data or "Marker" in data)


@dataclass(slots=True)
class Page:
    """One file (or one in-memory response) of account authorization details."""

    path: str
    data: dict[str, Any]
    text: str = ""
    locator: Locator | None = None
    _entries: dict[tuple[str, int], int] | None = None

    def __post_init__(self) -> None:
        if self.locator is None and self.text.lstrip().startswith("{"):
            self.locator = _EntryLocator(self.text)

    @property
    def truncated(self) -> bool:
        return self.data.get("IsTruncated") is True or bool(self.data.get("NextToken"))

    def account(self) -> str | None:
        for key in (USERS, ROLES, GROUPS, POLICIES):
            for e in _list(self.data.get(key)):
                arn = e.get("Arn") if isinstance(e, dict) else None
                account = account_of(arn) if isinstance(arn, str) else None
                if account is not None:
                    return account
        acct = self.data.get(EXT_ACCOUNT)
        return acct if isinstance(acct, str) else None

    def where(self, path: Path) -> tuple[int, int]:
        if self.locator is None:
            return 1, 1
        try:
            if len(path) == 2 and path[0] in LISTS:  # an entry: found without a full scan of the text
                if self._entries is None:
                    self._entries = _entry_offsets(self.text)
                offset = self._entries.get(path)  # type: ignore[arg-type]  # any other path just misses
                if offset is not None and isinstance(self.locator, JsonLocator):
                    return self.locator.position(offset)
            return self.locator(path)
        except Exception:  # a locator must never turn an error into a crash
            return 1, 1


def _entry_offsets(text: str) -> dict[tuple[str, int], int]:
    """Offsets of the entries of the top-level lists, skipping everything else at C speed (json's
    raw_decode); a full positional scan of a large file is only done when a finding needs one."""
    dec = json.JSONDecoder()
    out: dict[tuple[str, int], int] = {}
    ws = " \t\n\r"

    def skip(i: int) -> int:
        while i < len(text) and text[i] in ws:
            i += 1
        return i

    i = skip(0)
    if text[i : i + 1] != "{":
        return out
    i = skip(i + 1)
    while i < len(text) and text[i] != "}":
        key, i = dec.raw_decode(text, i)
        i = skip(i)
        i = skip(i + 1)  # the colon
        if key in LISTS and text[i : i + 1] == "[":
            i = skip(i + 1)
            n = 0
            while text[i] != "]":
                out[(key, n)] = i
                _, i = dec.raw_decode(text, i)
                n += 1
                i = skip(i)
                if text[i] == ",":
                    i = skip(i + 1)
            i += 1
        else:
            _, i = dec.raw_decode(text, i)
        i = skip(i)
        if i < len(text) and text[i] == ",":
            i = skip(i + 1)
    return out


class _EntryLocator(JsonLocator):
    """A JsonLocator that places a path inside an entry of a top-level list by scanning that entry alone.

    Every document of account details lives in an entry (a user, role, group or managed policy), and a
    finding on one of them used to make the first lookup scan the whole file: on the 1,645 AWS managed
    policies saved as one 6.7 MB details file that scan was 0.45 s of a 0.72 s run, where loose files scan
    only the files with findings. The entries' offsets come from :func:`_entry_offsets` (C-speed skipping);
    an entry's own text is scanned the first time a path inside it is asked for.
    """

    __slots__ = ("_starts", "_subs")

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._starts: dict[tuple[str, int], int] | None = None
        self._subs: dict[int, JsonLocator] = {}

    def __call__(self, path: Path) -> tuple[int, int]:
        if len(path) >= 2 and path[0] in LISTS and isinstance(path[1], int):
            if self._starts is None:
                self._starts = _entry_offsets(self._text)
            start = self._starts.get((path[0], path[1]))
            if start is not None:
                sub = self._subs.get(start)
                if sub is None:
                    end = json.JSONDecoder().raw_decode(self._text, start)[1]
                    sub = self._subs[start] = JsonLocator(self._text[start:end])
                line, col = sub(tuple(path[2:]))
                base_line, base_col = self.position(start)
                return base_line + line - 1, (base_col + col - 1 if line == 1 else col)
        return super().__call__(path)


#: The key of this reader's pages in ``Inventory.pending`` (gathered per run until :func:`finalize`).
PENDING = "account"


def read(data: Any, text: str, path: str) -> Inventory:
    """Check the page's shape and hand it back pending: the run's inventory gathers the pages of every file
    (:meth:`Inventory.extend`) and :func:`finalize` builds them together."""
    inv = Inventory(files=[path])
    for key in LISTS:
        if key in data and not isinstance(data[key], list):
            inv.errors.append(InputError(path, f"not valid account authorization details: {key} must be a list"))
            return inv
    inv.pending[PENDING] = [Page(path, data, text)]
    return inv


def finalize(inv: Inventory) -> None:
    """Merge the pages of this run that ``inv`` gathered and add what they hold to it."""
    pages = inv.pending.pop(PENDING, [])
    if pages:
        inv.extend(build(pages))


def build(pages: list[Page]) -> Inventory:
    """Principals and documents of the given pages, merged per directory and account; the key age limit a
    saved audit recorded, as the inventory's option."""
    inv = Inventory()
    for page in pages:
        age = page.data.get(EXT_MAX_KEY_AGE)
        if isinstance(age, int) and not isinstance(age, bool) and age > 0:
            inv.options.setdefault(MAX_KEY_AGE_DAYS, age)
    groups: dict[tuple[str, str | None], list[Page]] = {}
    for page in pages:
        groups.setdefault((os.path.dirname(os.path.abspath(page.path)), page.account()), []).append(page)
    # Pages that name no entity at all (e.g. a last page with only policies) join their directory's account.
    for d, acct in list(groups):
        if acct is None:
            others = [k for k in groups if k[0] == d and k[1] is not None]
            if len(others) == 1:
                groups[others[0]].extend(groups.pop((d, acct)))
    for group in groups.values():
        try:
            inv.extend(_Account(group).build())
        except RecursionError:
            inv.errors.append(InputError(group[0].path, "account authorization details nested too deeply to be read"))
        except Exception as e:  # a reader bug must not cost the rest of the run; say so, never guess
            msg = f"internal error reading account authorization details ({type(e).__name__}: {e}); please report it"
            inv.errors.append(InputError(group[0].path, msg))
    return inv


@dataclass(slots=True)
class _Entry:
    data: dict[str, Any]
    page: Page
    path: Path


@dataclass(slots=True)
class _Account:
    pages: list[Page]
    inv: Inventory = field(default_factory=Inventory)
    entries: dict[str, dict[str, _Entry]] = field(default_factory=dict)  # list key -> id -> entry
    _managed: dict[str, Policy | None] = field(default_factory=dict)
    inline: dict[tuple[str, str], list[Policy]] = field(default_factory=dict)

    def build(self) -> Inventory:
        pages = sorted(self.pages, key=lambda p: p.path)
        names = ", ".join(p.path for p in pages)
        if any(p.truncated for p in pages) and all(p.truncated for p in pages):
            first = next(p for p in pages if p.truncated)
            marker = first.data.get("Marker") or first.data.get("NextToken")
            more = f" (next Marker {str(marker)[:40]})" if marker else ""
            self.inv.errors.append(
                InputError(
                    first.path,
                    f"incomplete: account authorization details say IsTruncated true{more} and no page ends the "
                    f"set (pages read: {names}); save every page (or use mantle-lint --live --save); these "
                    "principals were not audited",
                    *first.where(("IsTruncated",)),
                )
            )
            return self.inv
        for page in pages:
            for msg in _list(page.data.get(EXT_INCOMPLETE)):
                self.inv.errors.append(InputError(page.path, f"incomplete: {msg}"))
        self._merge(pages)
        if len(pages) > 1 or any(p.truncated for p in pages):
            missing = self._missing_references()
            if missing:
                self.inv.errors.append(
                    InputError(
                        pages[0].path,
                        f"incomplete: the pages of these account authorization details ({names}) lack "
                        f"{', '.join(missing[:5])}{' and more' if len(missing) > 5 else ''}; a page is missing, so "
                        "these principals were not audited",
                    )
                )
                return self.inv
        self._documents()
        self._principals()
        return self.inv

    # --- merging ------------------------------------------------------------------------------------------

    def _merge(self, pages: list[Page]) -> None:
        for key in LISTS:
            self.entries[key] = {}
        for page in pages:
            for key in LISTS:
                for i, e in enumerate(_list(page.data.get(key))):
                    if not isinstance(e, dict):
                        line, col = page.where((key, i))
                        self.inv.errors.append(InputError(page.path, f"an entry of {key} must be an object", line, col))
                        continue
                    ident = e.get("Arn") or e.get("UserName") or e.get("GroupName") or e.get("RoleName")
                    ident = str(ident) if ident is not None else f"{page.path}#{key}{i}"
                    self.entries[key].setdefault(ident, _Entry(e, page, (key, i)))
            if page.path.startswith("<") or "://" in page.path:  # in-memory (live) pages; files were recorded
                self.inv.files.append(page.path)

    def _group_by_name(self) -> dict[str, _Entry]:
        return {str(e.data.get("GroupName")): e for e in self.entries[GROUPS].values()}

    def _missing_references(self) -> list[str]:
        groups = self._group_by_name()
        out: list[str] = []
        for e in self.entries[USERS].values():
            for g in _list(e.data.get("GroupList")):
                if str(g) not in groups:
                    out.append(f"group {g} (of user {e.data.get('UserName')})")
        for key in (USERS, GROUPS, ROLES):
            for e in self.entries[key].values():
                for att in _list(e.data.get("AttachedManagedPolicies")):
                    arn = att.get("PolicyArn") if isinstance(att, dict) else None
                    if isinstance(arn, str) and not is_aws_managed(arn) and arn not in self.entries[POLICIES]:
                        out.append(f"policy {arn}")
        return sorted(set(out))

    # --- documents --------------------------------------------------------------------------------------------

    def _parse(self, doc: Any, page: Page, path: Path, kind: str, name: str, label: str | None) -> Policy | None:
        clamp = None
        if isinstance(doc, str):
            s = doc.strip()
            try:
                doc = json.loads(s if s.startswith("{") else unquote(s))
            except ValueError:
                line, col = page.where(path)
                self.inv.errors.append(InputError(page.path, f"{name}: the policy document is not JSON", line, col))
                return None
            clamp = path
        source = Source(page.path, RemapLocator(page.locator, {}, clamp), label)
        try:
            return normalise(doc, source, path, kind, name)
        except PolicyError as e:
            self.inv.errors.append(InputError.of(e, page.path, f"{name}: "))
            return None

    def _inline(self, e: _Entry, list_key: str, owner: str) -> list[Policy]:
        out = []
        for j, item in enumerate(_list(e.data.get(list_key))):
            if not isinstance(item, dict) or "PolicyDocument" not in item:
                continue
            name = str(item.get("PolicyName") or f"{owner} inline policy {j}")
            p = self._parse(
                item["PolicyDocument"], e.page, (*e.path, list_key, j, "PolicyDocument"), IDENTITY, name, owner
            )
            if p is not None:
                out.append(p)
        return out

    def _documents(self) -> None:
        for key, list_key, name_key in (
            (USERS, "UserPolicyList", "UserName"),
            (GROUPS, "GroupPolicyList", "GroupName"),
            (ROLES, "RolePolicyList", "RoleName"),
        ):
            for ident, e in self.entries[key].items():
                owner = str(e.data.get(name_key) or ident)
                docs = self._inline(e, list_key, owner)
                self.inline[(key, ident)] = docs
                self.inv.documents.extend(docs)
                if key == ROLES and "AssumeRolePolicyDocument" in e.data:
                    trust = self._parse(
                        e.data["AssumeRolePolicyDocument"],
                        e.page,
                        (*e.path, "AssumeRolePolicyDocument"),
                        RESOURCE,
                        f"{owner} trust policy",
                        owner,
                    )
                    if trust is not None:
                        self.inv.documents.append(trust)
        for arn in self.entries[POLICIES]:
            policy = self.managed(arn)
            if policy is not None and not is_aws_managed(arn):
                self.inv.documents.append(policy)

    def managed(self, arn: str) -> Policy | None:
        """The default version of a managed policy listed in the details (parsed once), or None."""
        if arn in self._managed:
            return self._managed[arn]
        policy = None
        e = self.entries[POLICIES].get(arn)
        if e is not None:
            versions = _list(e.data.get("PolicyVersionList"))
            default = e.data.get("DefaultVersionId")
            chosen = [v for v in versions if isinstance(v, dict) and v.get("IsDefaultVersion") is True]
            if not chosen:
                chosen = [v for v in versions if isinstance(v, dict) and default and v.get("VersionId") == default]
            if not chosen and len(versions) == 1 and isinstance(versions[0], dict):
                chosen = versions[:1]
            if chosen and "Document" in chosen[0]:
                j = versions.index(chosen[0])
                name = str(e.data.get("PolicyName") or arn.rsplit("/", 1)[-1])
                policy = self._parse(
                    chosen[0]["Document"], e.page, (*e.path, "PolicyVersionList", j, "Document"), IDENTITY, name, arn
                )
        self._managed[arn] = policy
        return policy

    def attached(self, e: _Entry, owner: str) -> list[Policy]:
        out = []
        for j, att in enumerate(_list(e.data.get("AttachedManagedPolicies"))):
            arn = att.get("PolicyArn") if isinstance(att, dict) else None
            if not isinstance(arn, str):
                continue
            out.append(self._resolve(arn, e.page, (*e.path, "AttachedManagedPolicies", j), owner))
        return out

    def _resolve(self, arn: str, page: Page, path: Path, owner: str) -> Policy:
        policy = self.managed(arn)
        if policy is None and is_aws_managed(arn):
            policy = aws_managed_policy(arn)
        if policy is None:
            policy = unknown_policy(arn, Source(page.path, page.locator, owner), path)
        return policy

    # --- principals -------------------------------------------------------------------------------------------

    def _credentials(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for page in self.pages:
            ext = page.data.get(EXT_CREDENTIALS)
            if isinstance(ext, dict):
                for user, creds in ext.items():
                    if isinstance(creds, list):
                        out.setdefault(str(user), []).extend(c for c in creds if isinstance(c, dict))
        return out

    def _principals(self) -> None:
        graph = iamgraph.Graph()
        by_name = {str(e.data.get("GroupName")): ident for ident, e in self.entries[GROUPS].items()}
        for ident, e in self.entries[GROUPS].items():
            name = str(e.data.get("GroupName") or ident)
            policies = self.inline.get((GROUPS, ident), []) + self.attached(e, name)
            graph.add(iamgraph.Entity(ident, iamgraph.GROUP, name, e.page.path, policies=policies))
        credentials = self._credentials()
        for key, name_key, kind in ((USERS, "UserName", iamgraph.USER), (ROLES, "RoleName", iamgraph.ROLE)):
            for ident, e in self.entries[key].items():
                d = e.data
                name = str(d.get(name_key) or ident)
                identity = list(self.inline.get((key, ident), [])) + self.attached(e, name)
                memberships = []
                if kind == iamgraph.USER:
                    for g in _list(d.get("GroupList")):
                        gid = by_name.get(str(g))
                        if gid is None:
                            stand_in = unknown_policy(
                                f"group {g}", Source(e.page.path, e.page.locator, name), (*e.path, "GroupList")
                            )
                            memberships.append(iamgraph.Membership(None, stand_in=stand_in))
                        else:
                            memberships.append(iamgraph.Membership(gid))
                boundary = None
                pb = d.get("PermissionsBoundary")
                if isinstance(pb, dict) and isinstance(pb.get("PermissionsBoundaryArn"), str):
                    boundary = self._resolve(
                        pb["PermissionsBoundaryArn"], e.page, (*e.path, "PermissionsBoundary"), name
                    ).with_kind(BOUNDARY)
                tags = {
                    str(t.get("Key")): str(t.get("Value"))
                    for t in _list(d.get("Tags"))
                    if isinstance(t, dict) and t.get("Key") is not None
                }
                creds = []
                if kind == iamgraph.USER:
                    creds = [
                        c
                        for c in credentials.get(name, [])
                        if c.get("ServiceName", facts.API_KEY_SERVICE_NAME) == facts.API_KEY_SERVICE_NAME
                    ]
                arn = d.get("Arn") if isinstance(d.get("Arn"), str) else None
                account = account_of(arn) if arn else None
                line, col = e.page.where(e.path)
                graph.add(
                    iamgraph.Entity(
                        f"{key}#{ident}",
                        kind,
                        name,
                        e.page.path,
                        line,
                        col,
                        label=arn or name,
                        arn=arn,
                        account=account,
                        policies=identity,
                        memberships=memberships,
                        boundary=boundary,
                        tags=tags,
                        credentials=creds,
                        key_guess=kind == iamgraph.USER and self._console_key(d),
                    )
                )
        self.inv.principals.extend(iamgraph.principals(graph))

    @staticmethod
    def _console_key(d: dict[str, Any]) -> bool:
        """A user the Bedrock console made for a long-term key: AmazonBedrockLimitedAccess attached directly,
        or the console's naming (whatever policies it has now). A guess: findings at severity info."""
        for att in _list(d.get("AttachedManagedPolicies")):
            arn = att.get("PolicyArn", "") if isinstance(att, dict) else ""
            if isinstance(arn, str) and is_aws_managed(arn) and arn.rsplit("/", 1)[-1] == facts.CONSOLE_KEY_POLICY:
                return True
        name = d.get("UserName")
        return isinstance(name, str) and facts.CONSOLE_KEY_USER_RE.match(name) is not None
