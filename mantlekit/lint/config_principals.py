"""The ``[[principal]]`` entries of a configuration: each checked key by key, its policy files read (or the
bundled AWS managed policy it names), and a :class:`~mantlekit.lint.inventory.Principal` or a
:class:`Declaration` made of it. The configuration's loader inherits this; apart from it because the entries
are half of what a configuration says and most of its code.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Any

from mantlekit import facts
from mantlekit._record import ValueRecord
from mantlekit.iam.model import (
    BOUNDARY,
    ENDPOINT,
    IDENTITY,
    RCP,
    RESOURCE,
    SCP,
    SESSION,
    Policy,
    PolicyError,
    PolicySet,
)
from mantlekit.lint.findings import InputError
from mantlekit.lint.inventory import PRINCIPAL_KINDS, Principal
from mantlekit.lint.toml_text import KeyLines, type_name

if TYPE_CHECKING:
    from mantlekit.lint.config import Config

PRINCIPAL_KEYS = (
    "name",
    "kind",
    "policies",
    "boundary",
    "scps",
    "endpoint-policy",
    "resource-policy",
    "session-policies",
    "rcps",
    "account",
    "region",
    "projects",
    "needs",
    "arn",
    "tags",
    "template",
    "resource",
)
#: What a principal declared on a template resource takes from the template instead of the configuration.
_FROM_TEMPLATE = ("policies", "boundary", "arn", "tags")
ACCOUNT_RE = re.compile(r"^\d{12}$")
#: The AWS managed SCP that allows everything; accepted by name or ARN in ``scps``.
FULL_AWS_ACCESS = "FullAWSAccess"
_FULL_AWS_ACCESS_ARN = "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess"
_FULL_AWS_ACCESS_TEXT = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}'


class Declaration(ValueRecord):
    """A ``[[tool.mantle-lint.principal]]`` entry that names a role or user of a template (``template`` and
    ``resource``) instead of listing policies: the template's reader builds the principal from its IAM
    resources, and the entry says what nobody can read from the template (kind, needs, projects, account,
    region, SCPs, endpoint policy)."""

    template: str  # absolute path: a template file, or a directory (a cloud assembly) holding it
    resource: str  # logical id or construct path
    principal: Principal  # what the entry declares; its policies are the entry's extra layers only
    kind_given: bool
    file: str
    line: int

    __slots__ = _fields = ("template", "resource", "principal", "kind_given", "file", "line")

    def __init__(
        self, template: str, resource: str, principal: Principal, kind_given: bool, file: str, line: int
    ) -> None:
        self.template = template
        self.resource = resource
        self.principal = principal
        self.kind_given = kind_given
        self.file = file
        self.line = line


class PrincipalEntries:
    """The part of the configuration's loader that reads principal entries (see :mod:`mantlekit.lint.config`,
    whose loader sets these attributes and gives ``error`` and ``_strings``)."""

    config: Config
    lines: KeyLines
    display: str
    base: str
    _policies: dict[tuple[str, str], Policy | None]
    _docs: dict[str, Policy]

    def error(self, message: str, *path: str | int, value: str | None = None) -> None:
        raise NotImplementedError

    def _strings(self, v: Any, what: str, *path: str | int) -> list[str] | None:
        raise NotImplementedError

    def _principal(self, raw: Any, i: int, names: set[str]) -> Principal | None:
        where: tuple[str | int, ...] = ("principal", i)
        if not isinstance(raw, dict):
            self.error(f"a principal must be a table, not {type_name(raw)}", *where)
            return None
        n_errors = len(self.config.errors)
        for k in raw:
            if k not in PRINCIPAL_KEYS:
                self.error(f"unknown principal key {k!r} (known: {', '.join(PRINCIPAL_KEYS)})", *where, k)
        name = raw.get("name")
        if not isinstance(name, str) or not name.strip():
            self.error('a principal needs name = "..."', *where)
            name = None
        elif name in names:
            self.error(f"principal {name!r} is defined twice", *where, "name")
        else:
            names.add(name)
        kind = raw.get("kind")
        if "template" in raw and kind is None:
            kind = "role"  # a placeholder: the template's resource decides (see _declaration)
        if not isinstance(kind, str) or kind not in PRINCIPAL_KINDS:
            self.error(f"principal kind must be one of {', '.join(PRINCIPAL_KINDS)}, not {kind!r}", *where, "kind")
        account = raw.get("account")
        if account is not None and (not isinstance(account, str) or not ACCOUNT_RE.match(account)):
            hint = " (quote it: account ids may start with 0)" if isinstance(account, int) else ""
            self.error(f"account must be a 12-digit string, not {account!r}{hint}", *where, "account")
        region = raw.get("region")
        if region is not None and (not isinstance(region, str) or region not in facts.REGIONS):
            self.error(
                f"region {region!r} has no Mantle endpoint (known: {', '.join(sorted(facts.REGIONS))})",
                *where,
                "region",
            )
        projects: list[str] = []
        if "projects" in raw:
            for p in self._strings(raw["projects"], "projects", *where, "projects") or ():
                if facts.PROJECT_ID_RE.match(p) or facts.PROJECT_ARN_RE.match(p):
                    projects.append(p)
                else:
                    self.error(
                        f"{p!r} is neither a project id (default, proj_...) nor a project ARN",
                        *where,
                        "projects",
                        value=p,
                    )
        needs: list[str] = []
        if "needs" in raw:
            for need in self._strings(raw["needs"], "needs", *where, "needs") or ():
                if need in facts.CAPABILITY_ROUTES:
                    needs.append(need)
                else:
                    self.error(
                        f"unknown need {need!r} (known: {', '.join(facts.CAPABILITY_ROUTES)})",
                        *where,
                        "needs",
                        value=need,
                    )
        arn = raw.get("arn")
        if arn is not None and (not isinstance(arn, str) or not arn.startswith("arn:")):
            self.error(f"arn must be an ARN string, not {arn!r}", *where, "arn")
        tags = raw.get("tags", {})
        if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
            self.error('tags must be a table of strings, e.g. {team = "ml"}', *where, "tags")
            tags = {}

        if "template" in raw:
            # The template decides these; reading them too would give one principal two sets of policies.
            for key in _FROM_TEMPLATE:
                if key in raw:
                    self.error(
                        f"{key} of a template's principal come from the template; remove {key} or template",
                        *where,
                        key,
                    )
        identity: list[Policy] = []
        if "policies" in raw and "template" not in raw:
            for ref in self._strings(raw["policies"], "policies", *where, "policies") or ():
                pol = self._policy(ref, IDENTITY, (*where, "policies"), managed=True)
                if pol is not None:
                    identity.append(pol)
        boundary = None if "template" in raw else self._single(raw, "boundary", BOUNDARY, where, managed=True)
        scps = self._levels(raw, "scps", "SCP", SCP, where)
        rcps = self._levels(raw, "rcps", "RCP", RCP, where)
        endpoint = self._single(raw, "endpoint-policy", ENDPOINT, where, managed=False)
        resource = self._single(raw, "resource-policy", RESOURCE, where, managed=False)
        session: list[Policy] = []
        if "session-policies" in raw:
            refs = raw["session-policies"]
            if not isinstance(refs, list) or not all(isinstance(x, str) for x in refs):
                self.error("session-policies must be a list of policy files", *where, "session-policies")
                refs = []
            for ref in refs:
                sp = self._policy(ref, SESSION, (*where, "session-policies"), managed=True)
                if sp is not None:
                    session.append(sp)

        if len(self.config.errors) > n_errors or name is None:
            return None
        return Principal(
            name=name,
            kind=kind,  # type: ignore[arg-type]  # a valid kind, else an error above returned None
            policies=PolicySet(
                identity=identity,
                boundary=boundary,
                scps=scps,
                endpoint=endpoint,
                resource=resource,
                session=session,
                rcps=rcps,
            ),
            account=account,
            region=region,
            projects=tuple(projects),
            needs=tuple(needs),
            file=self.display,
            line=self.lines.line(*where),
            column=1,
            arn=arn,
            tags=dict(tags),
        )

    def _declaration(self, raw: dict[str, Any], i: int, p: Principal) -> Declaration | None:
        where: tuple[str | int, ...] = ("principal", i)
        template, resource = raw.get("template"), raw.get("resource")
        ok = True
        if not isinstance(template, str) or not template.strip():
            self.error(
                'template must be the path of a template or cloud assembly, e.g. template = "cdk.out"',
                *where,
                "template",
            )
            ok = False
        if not isinstance(resource, str) or not resource.strip():
            self.error(
                'a principal with a template needs resource = "LogicalId" (or a construct path) of its role or user',
                *where,
                "resource" if "resource" in raw else "template",
            )
            ok = False
        if not ok:
            return None
        path = os.path.normpath(os.path.join(self.base, os.path.expanduser(str(template))))
        if not os.path.exists(path):
            self.error(f"template {template!r} not found (relative to {self.display})", *where, "template")
            return None
        line = self.lines.line(*where)
        return Declaration(path, str(resource).strip(), p, "kind" in raw, self.display, line)

    def _levels(
        self, raw: dict[str, Any], key: str, what: str, kind: str, where: tuple[str | int, ...]
    ) -> list[Policy | list[Policy]]:
        """Organization policy levels (``scps``, ``rcps``): each a file, or a list of the files of one level."""
        out: list[Policy | list[Policy]] = []
        if key not in raw:
            return out
        levels = raw[key]
        if not isinstance(levels, list) or not all(
            isinstance(lvl, str) or (isinstance(lvl, list) and lvl and all(isinstance(x, str) for x in lvl))
            for lvl in levels
        ):
            self.error(
                f"{key} must be a list of {what} files (or, for a level, a list of its {what} files)", *where, key
            )
            levels = []
        for level in levels:
            refs = [level] if isinstance(level, str) else level
            got = [self._policy(ref, kind, (*where, key), managed=False) for ref in refs]
            if all(p is not None for p in got):
                out.append(got[0] if isinstance(level, str) else got)  # type: ignore[arg-type]  # no None in got
        return out

    def _single(
        self, raw: dict[str, Any], key: str, kind: str, where: tuple[str | int, ...], managed: bool
    ) -> Policy | None:
        if key not in raw:
            return None
        v = raw[key]
        if not isinstance(v, str):
            self.error(f"{key} must be a file name, not {type_name(v)}", *where, key)
            return None
        return self._policy(v, kind, (*where, key), managed=managed)

    def _policy(self, ref: str, kind: str, where: tuple[str | int, ...], managed: bool) -> Policy | None:
        from mantlekit.iam.managed import is_aws_managed_arn
        from mantlekit.lint.config import display_path  # the loader's module, loaded by now
        from mantlekit.lint.policy_ref import PolicyRefError, managed_policy_ref, policy_file_text

        ref = ref.strip()
        if kind == SCP and ref in (FULL_AWS_ACCESS, _FULL_AWS_ACCESS_ARN):
            return self._parse(ref, _FULL_AWS_ACCESS_TEXT, "aws-managed:FullAWSAccess (SCP)", kind, where)
        if not managed and is_aws_managed_arn(ref):
            self.error(f"{ref} is an AWS managed policy; give a policy file here", *where, value=ref)
            return None
        try:
            found = managed_policy_ref(ref, kind)
        except PolicyRefError as e:
            self.error(e.message, *where, value=ref)
            return None
        if found is not None:
            return found
        path = os.path.normpath(os.path.join(self.base, os.path.expanduser(ref)))
        key = (os.path.realpath(path), kind)
        if key in self._policies:
            return self._policies[key]
        from mantlekit.lint.readers import MAX_BYTES

        try:
            text = policy_file_text(ref, path, self.display, self.config.max_file_size or MAX_BYTES)
        except PolicyRefError as e:
            self.error(e.message, *where, value=ref)
            self._policies[key] = None
            return None
        policy = self._parse(ref, text, display_path(path), kind, where)
        self._policies[key] = policy
        if policy is not None:
            self._docs.setdefault(key[0], policy)
        return policy

    def _parse(self, ref: str, text: str, file: str, kind: str, where: tuple[str | int, ...]) -> Policy | None:
        from mantlekit.iam.parse import load_policy

        try:
            return load_policy(text, file, kind)
        except PolicyError as e:
            # The place is in the policy file; the config line says who referred to it.
            self.config.errors.append(InputError.of(e))
            self.error(f"policy {ref!r} could not be read (see above)", *where, value=ref)
        except RecursionError:
            self.error(f"policy {ref!r} is nested too deeply to be read", *where, value=ref)
        return None
