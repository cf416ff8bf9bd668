"""The reference app's configuration: read from the ``mantlekit`` context key of ``cdk.json``, checked here.

:func:`parse` is a pure function (a dict in, frozen dataclasses out, nothing imported from CDK), so every
rule below is testable without synthesizing anything. All problems are collected and reported together,
each line starting with the path of the offending key, e.g.
``environments.dev.roles[0].projects: unknown project 'x'``.

Schema (``?`` = optional, with its default)::

    environments:                         # at least one; names: lower case, digits, '-'
      <env>:
        account: "111111111111"           # 12 digits
        region: us-east-1                 # a region with the bedrock-mantle PrivateLink service and
                                          # AWS::BedrockMantle::Project in CloudFormation
        tags?: {key: value}               # on every taggable resource of the environment ({})
        cost_center?: cc-0042             # tag mantlekit:cost-center on every resource, unless a project sets its own
        vpc:                              # exactly one of create / import
          create:
            cidr: 10.10.0.0/16            # IPv4, /16 to /24
            availability_zones: [...]     # 1-6 names in the region (choose AZs that offer bedrock-mantle)
            nat_gateways?: 1              # 0 = isolated private subnets and no public subnets
          import:                         # no AWS lookup: synth stays offline
            vpc_id: vpc-...
            cidr: 10.20.0.0/16            # the VPC's CIDR (the endpoint allows 443 from it)
            availability_zones: [...]
            private_subnet_ids: [...]     # one or more per AZ, in AZ order
        endpoint?:
          api_keys?: all                  # API keys the endpoint policy lets through: all|long-term|short-term|none
          organization_id?: o-...         # allow principals of this organization (default: this account)
        projects:                         # at least one
          - name: chat                    # also the Mantle project name; lower case, digits, '-'
            tags?: {key: value}
            cost_center?: cc-1001         # tag mantlekit:cost-center, for cost allocation
            retain?: false                # true: removing it from the stack does not archive the project
        roles?:                           # MantleInferenceRole each
          - name: chat-app
            assumed_by: [...]             # account ids, IAM role/user ARNs, service principals (*.amazonaws.com)
            projects: [chat]              # names from `projects`
            models?: [...]                # bedrock-mantle:Model allowlist (any model when absent)
            short_term_keys?: false       # may use short-term API keys minted from its sessions
            endpoint_only?: false         # aws:SourceVpce = this environment's endpoint on every grant
        key_users?:                       # MantleApiKeyUser each (long-term Bedrock API key holders)
          - name: ci-bot
            projects: [chat]
            credential_age_days?: 90      # 1-36600, and at most guardrails.max_credential_age_days
            issue_key?: false             # issue the key at deploy time into a Secrets Manager secret
        guardrails?:                      # MantleKeyGuardrails; absent = none
          deny_api_keys?: none            # all|long-term|short-term|none
          max_credential_age_days?: 90    # null = no age limit
          endpoint_only?: false           # deny Mantle inference not coming through the endpoint
          attach_to_principals?: true     # attach as a deny-only policy to every role and user of the Mantle stack
          scp_target_ids?: [...]          # also as an SCP on these targets (deploy from the management account)
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mantlekit import facts

CONTEXT_KEY = "mantlekit"
#: Tag key of mantlekit's cost-allocation convention (``mantlekit.constructs.COST_CENTER_TAG_KEY``; spelled
#: here too so that this module never imports CDK; a test keeps the two equal).
COST_CENTER_TAG = "mantlekit:cost-center"
NAME_RE = re.compile(r"^[a-z][a-z0-9-]{0,38}[a-z0-9]$|^[a-z]$")
_ACCOUNT_RE = re.compile(r"^[0-9]{12}$")
_VPC_ID_RE = re.compile(r"^vpc-[0-9a-f]{8,17}$")
_SUBNET_ID_RE = re.compile(r"^subnet-[0-9a-f]{8,17}$")
_ORG_ID_RE = re.compile(r"^o-[a-z0-9]{10,32}$")
_SERVICE_PRINCIPAL_RE = re.compile(r"^[a-z0-9][a-z0-9.-]*\.amazonaws\.com$")
_IAM_PRINCIPAL_ARN_RE = re.compile(r"^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/[\w+=,.@/-]{1,512}$")
_SCP_TARGET_RE = re.compile(r"^(r-[0-9a-z]{4,32}|[0-9]{12}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$")
#: Values of ``api_keys`` / ``deny_api_keys`` (the constructs' TokenType, or None for "none").
API_KEY_CHOICES = ("all", "long-term", "short-term", "none")
MAX_AZS = 6
#: A required key that is absent: ``_Problems.mapping`` already said so, the checks stay quiet about it.
_MISSING: Any = object()


class ConfigError(ValueError):
    """The configuration is invalid; ``problems`` holds one line per problem, each naming its key."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


# --- the parsed configuration -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateVpc:
    cidr: str
    availability_zones: tuple[str, ...]
    nat_gateways: int = 1


@dataclass(frozen=True)
class ImportVpc:
    vpc_id: str
    cidr: str
    availability_zones: tuple[str, ...]
    private_subnet_ids: tuple[str, ...]


@dataclass(frozen=True)
class EndpointConfig:
    api_keys: str = "all"
    organization_id: str | None = None


@dataclass(frozen=True)
class ProjectConfig:
    name: str
    tags: Mapping[str, str] = field(default_factory=dict)
    cost_center: str | None = None
    retain: bool = False


@dataclass(frozen=True)
class RoleConfig:
    name: str
    assumed_by: tuple[str, ...]
    projects: tuple[str, ...]
    models: tuple[str, ...] | None = None
    short_term_keys: bool = False
    endpoint_only: bool = False


@dataclass(frozen=True)
class KeyUserConfig:
    name: str
    projects: tuple[str, ...]
    credential_age_days: int = 90
    issue_key: bool = False


@dataclass(frozen=True)
class GuardrailsConfig:
    deny_api_keys: str = "none"
    max_credential_age_days: int | None = 90
    endpoint_only: bool = False
    attach_to_principals: bool = True
    scp_target_ids: tuple[str, ...] | None = None


@dataclass(frozen=True)
class EnvironmentConfig:
    name: str
    account: str
    region: str
    vpc: CreateVpc | ImportVpc
    projects: tuple[ProjectConfig, ...]
    tags: Mapping[str, str] = field(default_factory=dict)
    cost_center: str | None = None
    endpoint: EndpointConfig = EndpointConfig()
    roles: tuple[RoleConfig, ...] = ()
    key_users: tuple[KeyUserConfig, ...] = ()
    guardrails: GuardrailsConfig | None = None


@dataclass(frozen=True)
class AppConfig:
    environments: tuple[EnvironmentConfig, ...]

    def environment(self, name: str) -> EnvironmentConfig:
        for env in self.environments:
            if env.name == name:
                return env
        raise KeyError(name)


# --- loading ------------------------------------------------------------------------------------------------


def from_context(value: Any, base_dir: str = ".") -> AppConfig:
    """The configuration from the ``mantlekit`` context value: the config itself, or (``-c mantlekit=FILE``)
    the path of a JSON file holding it."""
    if value is None:
        raise ConfigError([f"{CONTEXT_KEY}: missing from the cdk.json context (see README, 'Reference app')"])
    if isinstance(value, str):
        path = os.path.join(base_dir, value)
        try:
            with open(path, encoding="utf-8") as fh:
                value = json.load(fh)
        except OSError as e:
            raise ConfigError([f"{CONTEXT_KEY}: cannot read {value}: {e.strerror}"]) from None
        except ValueError as e:
            raise ConfigError([f"{CONTEXT_KEY}: {value} is not valid JSON: {e}"]) from None
    return parse(value)


def parse(raw: Any) -> AppConfig:
    """Check ``raw`` (the decoded JSON) and return the configuration; raise :class:`ConfigError` listing
    every problem found."""
    p = _Problems()
    top = p.mapping(raw, "", required={"environments"}, optional=set())
    envs: list[EnvironmentConfig] = []
    if top is not None:
        raw_envs = p.mapping(top["environments"], "environments") if "environments" in top else None
        if raw_envs is not None:
            if not raw_envs:
                p.add("environments", "must define at least one environment")
            for name, body in raw_envs.items():
                env = _environment(p, name, body)
                if env is not None:
                    envs.append(env)
    if p.problems:
        raise ConfigError(p.problems)
    return AppConfig(tuple(envs))


# --- checks ---------------------------------------------------------------------------------------------------


class _Problems:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    def mapping(
        self,
        value: Any,
        path: str,
        required: set[str] | None = None,
        optional: set[str] | None = None,
    ) -> dict[str, Any] | None:
        """``value`` as a dict, after checking required and unknown keys (when the key sets are given)."""
        if not isinstance(value, dict):
            self.add(path or CONTEXT_KEY, f"must be an object, got {_kind(value)}")
            return None
        if required is not None and optional is not None:
            allowed = required | optional
            prefix = f"{path}." if path else ""
            for key in value:
                if key not in allowed:
                    self.add(f"{prefix}{key}", f"unknown key (expected one of: {', '.join(sorted(allowed))})")
            for key in sorted(required - value.keys()):
                self.add(f"{prefix}{key}", "is required")
        return value

    def string(self, value: Any, path: str, pattern: re.Pattern[str] | None = None, hint: str = "") -> str | None:
        if value is _MISSING:
            return None
        if not isinstance(value, str) or not value:
            self.add(path, f"must be a non-empty string, got {_kind(value)}")
            return None
        if pattern is not None and not pattern.match(value):
            self.add(path, f"{value!r} {hint}")
            return None
        return value

    def boolean(self, value: Any, path: str) -> bool | None:
        if not isinstance(value, bool):
            self.add(path, f"must be true or false, got {_kind(value)}")
            return None
        return value

    def integer(self, value: Any, path: str, low: int, high: int) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(path, f"must be a whole number, got {_kind(value)}")
            return None
        if not low <= value <= high:
            self.add(path, f"must be {low}-{high}, got {value}")
            return None
        return value

    def choice(self, value: Any, path: str, choices: tuple[str, ...]) -> str | None:
        if value not in choices:
            self.add(path, f"must be one of {', '.join(choices)}, got {value!r}")
            return None
        return value

    def strings(
        self,
        value: Any,
        path: str,
        check: Callable[[Any, str], str | None],
        min_items: int = 1,
    ) -> tuple[str, ...] | None:
        if value is _MISSING:
            return None
        if not isinstance(value, list):
            self.add(path, f"must be a list, got {_kind(value)}")
            return None
        if len(value) < min_items:
            self.add(path, "must not be empty")
            return None
        out = [check(v, f"{path}[{i}]") for i, v in enumerate(value)]
        if any(v is None for v in out):
            return None
        for v in {v for v in out if out.count(v) > 1}:
            self.add(path, f"lists {v!r} more than once")
        return tuple(out)  # type: ignore[arg-type]

    def tags(self, value: Any, path: str) -> dict[str, str] | None:
        if value is None:
            return {}
        tags = self.mapping(value, path)
        if tags is None:
            return None
        ok = True
        for key, val in tags.items():
            if not 1 <= len(key) <= 128 or key.lower().startswith("aws:"):
                self.add(f"{path}.{key}", "tag keys must be 1-128 characters and must not start with 'aws:'")
                ok = False
            elif key == COST_CENTER_TAG:
                self.add(f"{path}.{key}", "is written by `cost_center`; set that instead")
                ok = False
            elif not isinstance(val, str) or len(val) > 256:
                self.add(f"{path}.{key}", f"tag values must be strings of 0-256 characters, got {_kind(val)}")
                ok = False
        return dict(tags) if ok else None


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {value!r}" if value else "an empty string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


_NAME_HINT = "must be lower-case letters, digits and '-', starting with a letter (at most 40 characters)"


def _environment(p: _Problems, name: str, raw: Any) -> EnvironmentConfig | None:
    path = f"environments.{name}"
    before = len(p.problems)
    if not NAME_RE.match(name):
        p.add(path, f"environment names {_NAME_HINT}")
    body = p.mapping(
        raw,
        path,
        required={"account", "region", "vpc", "projects"},
        optional={"tags", "cost_center", "endpoint", "roles", "key_users", "guardrails"},
    )
    if body is None:
        return None
    account = p.string(
        body.get("account", _MISSING), f"{path}.account", _ACCOUNT_RE, "is not a 12-digit AWS account id"
    )
    region = _region(p, body.get("region", _MISSING), f"{path}.region")
    tags = p.tags(body.get("tags"), f"{path}.tags")
    cost_center = _cost_center(p, body.get("cost_center"), f"{path}.cost_center")
    vpc = _vpc(p, body["vpc"], f"{path}.vpc", region) if "vpc" in body else None
    endpoint = _endpoint(p, body.get("endpoint"), f"{path}.endpoint")
    projects = _list(p, body.get("projects", _MISSING), f"{path}.projects", _project, min_items=1)
    project_names = {pr.name for pr in projects or ()}
    roles = _list(p, body.get("roles", []), f"{path}.roles", _role)
    key_users = _list(p, body.get("key_users", []), f"{path}.key_users", _key_user)
    guardrails = _guardrails(p, body.get("guardrails"), f"{path}.guardrails")

    for kind, items in (("projects", projects), ("roles", roles), ("key_users", key_users)):
        _unique_names(p, f"{path}.{kind}", items or ())
    for kind, items in (("roles", roles), ("key_users", key_users)):
        for i, item in enumerate(items or ()):
            for ref in item.projects:
                if ref not in project_names and projects is not None:
                    p.add(f"{path}.{kind}[{i}].projects", f"unknown project {ref!r}")
    if guardrails is not None:
        _guardrail_conflicts(p, path, guardrails, roles or (), key_users or ())

    env_tags = tags or {}
    for i, project in enumerate(projects or ()):
        for key, value in project.tags.items():
            if key in env_tags and env_tags[key] != value:
                p.add(f"{path}.projects[{i}].tags.{key}", f"conflicts with {path}.tags.{key} ({env_tags[key]!r})")

    if len(p.problems) > before or None in (account, region, tags, vpc, endpoint, projects, roles, key_users):
        return None
    return EnvironmentConfig(
        name=name,
        account=account,  # type: ignore[arg-type]
        region=region,  # type: ignore[arg-type]
        vpc=vpc,  # type: ignore[arg-type]
        projects=projects,  # type: ignore[arg-type]
        tags=tags,  # type: ignore[arg-type]
        cost_center=cost_center,
        endpoint=endpoint,  # type: ignore[arg-type]
        roles=roles,  # type: ignore[arg-type]
        key_users=key_users,  # type: ignore[arg-type]
        guardrails=guardrails,
    )


def _region(p: _Problems, value: Any, path: str) -> str | None:
    region = p.string(value, path)
    if region is None:
        return None
    if region not in facts.PRIVATELINK_REGIONS:
        p.add(
            path,
            f"{region!r} has no {facts.SERVICE_PREFIX} PrivateLink endpoint "
            f"(supported: {', '.join(sorted(facts.PRIVATELINK_REGIONS))})",
        )
        return None
    if region in facts.CFN_PROJECT_UNSUPPORTED_REGIONS:
        # The app creates every configured project as AWS::BedrockMantle::Project, which CloudFormation
        # does not offer there although Mantle does.
        usable = ", ".join(sorted(facts.CFN_PROJECT_REGIONS & facts.PRIVATELINK_REGIONS))
        p.add(
            path,
            f"{region!r} has no {facts.PROJECT_RESOURCE_TYPE} in CloudFormation although Mantle serves there, "
            f"and this app creates its projects with it (usable regions: {usable}); in {region} use the default "
            "project, or create projects through the Projects API (POST /v1/organization/projects)",
        )
        return None
    return region


def _list(p: _Problems, value: Any, path: str, item: Callable[..., Any], min_items: int = 0) -> tuple[Any, ...] | None:
    if value is _MISSING:
        return None
    if not isinstance(value, list):
        p.add(path, f"must be a list, got {_kind(value)}")
        return None
    if len(value) < min_items:
        p.add(path, "must not be empty")
        return None
    out = [item(p, v, f"{path}[{i}]") for i, v in enumerate(value)]
    return None if any(v is None for v in out) else tuple(out)


def _unique_names(p: _Problems, path: str, items: tuple[Any, ...]) -> None:
    seen: dict[str, int] = {}
    ids: dict[str, str] = {}
    for i, item in enumerate(items):
        if item.name in seen:
            p.add(f"{path}[{i}].name", f"{item.name!r} is already the name of {path}[{seen[item.name]}]")
            continue
        seen[item.name] = i
        ident = construct_id(item.name)
        if ident in ids:
            p.add(f"{path}[{i}].name", f"{item.name!r} and {ids[ident]!r} give the same construct id {ident!r}")
        ids[ident] = item.name


def construct_id(name: str) -> str:
    """``chat-app`` -> ``ChatApp``: the construct id (and output id prefix) of a configured item."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("-"))


def _name(p: _Problems, value: Any, path: str) -> str | None:
    return p.string(value, path, NAME_RE, _NAME_HINT)


def _cidr(p: _Problems, value: Any, path: str, smallest: int = 28) -> str | None:
    text = p.string(value, path)
    if text is None:
        return None
    try:
        net = ipaddress.IPv4Network(text, strict=True)
    except ValueError:
        p.add(path, f"{text!r} is not an IPv4 network in CIDR notation (like 10.10.0.0/16)")
        return None
    if not 16 <= net.prefixlen <= smallest:
        p.add(path, f"{text!r} must have a prefix length of /16 to /{smallest}")
        return None
    return text


def _azs(p: _Problems, value: Any, path: str, region: str | None) -> tuple[str, ...] | None:
    def az(v: Any, at: str) -> str | None:
        name = p.string(v, at)
        if name is not None and region is not None and not re.fullmatch(re.escape(region) + r"[a-z]", name):
            p.add(at, f"{name!r} is not an availability zone of {region}")
            return None
        return name

    azs = p.strings(value, path, az)
    if azs is not None and len(azs) > MAX_AZS:
        p.add(path, f"must list at most {MAX_AZS} availability zones")
        return None
    return azs


def _vpc(p: _Problems, value: Any, path: str, region: str | None) -> CreateVpc | ImportVpc | None:
    body = p.mapping(value, path, required=set(), optional={"create", "import"})
    if body is None:
        return None
    if len(body.keys() & {"create", "import"}) != 1:
        p.add(path, "must have exactly one of `create` or `import`")
        return None
    if "create" in body:
        at = f"{path}.create"
        create = p.mapping(body["create"], at, required={"cidr", "availability_zones"}, optional={"nat_gateways"})
        if create is None:
            return None
        cidr = _cidr(p, create.get("cidr", _MISSING), f"{at}.cidr", smallest=24)
        azs = _azs(p, create.get("availability_zones", _MISSING), f"{at}.availability_zones", region)
        nat = p.integer(create.get("nat_gateways", 1), f"{at}.nat_gateways", 0, MAX_AZS)
        if azs is not None and nat is not None and nat > len(azs):
            p.add(f"{at}.nat_gateways", f"must be at most the number of availability zones ({len(azs)})")
            return None
        if None in (cidr, azs, nat):
            return None
        return CreateVpc(cidr, azs, nat)  # type: ignore[arg-type]
    at = f"{path}.import"
    imp = p.mapping(
        body["import"], at, required={"vpc_id", "cidr", "availability_zones", "private_subnet_ids"}, optional=set()
    )
    if imp is None:
        return None
    vpc_id = p.string(imp.get("vpc_id", _MISSING), f"{at}.vpc_id", _VPC_ID_RE, "is not a VPC id (vpc-...)")
    cidr = _cidr(p, imp.get("cidr", _MISSING), f"{at}.cidr")
    azs = _azs(p, imp.get("availability_zones", _MISSING), f"{at}.availability_zones", region)
    subnets = p.strings(
        imp.get("private_subnet_ids", _MISSING),
        f"{at}.private_subnet_ids",
        lambda v, a: p.string(v, a, _SUBNET_ID_RE, "is not a subnet id (subnet-...)"),
    )
    if azs is not None and subnets is not None and len(subnets) % len(azs) != 0:
        p.add(
            f"{at}.private_subnet_ids",
            f"must list the same number of subnets in each availability zone ({len(subnets)} subnets, {len(azs)} AZs)",
        )
        return None
    if None in (vpc_id, cidr, azs, subnets):
        return None
    return ImportVpc(vpc_id, cidr, azs, subnets)  # type: ignore[arg-type]


def _endpoint(p: _Problems, value: Any, path: str) -> EndpointConfig | None:
    if value is None:
        return EndpointConfig()
    body = p.mapping(value, path, required=set(), optional={"api_keys", "organization_id"})
    if body is None:
        return None
    api_keys = p.choice(body.get("api_keys", "all"), f"{path}.api_keys", API_KEY_CHOICES)
    org = body.get("organization_id")
    if org is not None:
        org = p.string(org, f"{path}.organization_id", _ORG_ID_RE, "is not an organization id (o-...)")
        if org is None:
            return None
    if api_keys is None:
        return None
    return EndpointConfig(api_keys, org)


def _project(p: _Problems, value: Any, path: str) -> ProjectConfig | None:
    body = p.mapping(value, path, required={"name"}, optional={"tags", "cost_center", "retain"})
    if body is None:
        return None
    name = _name(p, body.get("name", _MISSING), f"{path}.name")
    tags = p.tags(body.get("tags"), f"{path}.tags")
    cost_center = _cost_center(p, body.get("cost_center"), f"{path}.cost_center")
    if body.get("cost_center") is not None and cost_center is None:
        return None
    retain = p.boolean(body.get("retain", False), f"{path}.retain")
    if None in (name, tags, retain):
        return None
    return ProjectConfig(name, tags, cost_center, retain)  # type: ignore[arg-type]


def _cost_center(p: _Problems, value: Any, path: str) -> str | None:
    if value is None:
        return None
    text = p.string(value, path)
    if text is not None and len(text) > 256:
        p.add(path, "must be at most 256 characters (it becomes a tag value)")
        return None
    return text


def _principal(p: _Problems, value: Any, path: str) -> str | None:
    text = p.string(value, path)
    if text is None:
        return None
    if _ACCOUNT_RE.match(text) or _IAM_PRINCIPAL_ARN_RE.match(text) or _SERVICE_PRINCIPAL_RE.match(text):
        return text
    p.add(path, f"{text!r} is not an account id, an IAM role/user ARN or a service principal (*.amazonaws.com)")
    return None


def _role(p: _Problems, value: Any, path: str) -> RoleConfig | None:
    body = p.mapping(
        value,
        path,
        required={"name", "assumed_by", "projects"},
        optional={"models", "short_term_keys", "endpoint_only"},
    )
    if body is None:
        return None
    name = _name(p, body.get("name", _MISSING), f"{path}.name")
    assumed_by = p.strings(body.get("assumed_by", _MISSING), f"{path}.assumed_by", lambda v, a: _principal(p, v, a))
    projects = p.strings(body.get("projects", _MISSING), f"{path}.projects", lambda v, a: p.string(v, a))
    models = None
    if body.get("models") is not None:
        models = p.strings(body["models"], f"{path}.models", lambda v, a: p.string(v, a))
        if models is None:
            return None
    short = p.boolean(body.get("short_term_keys", False), f"{path}.short_term_keys")
    endpoint_only = p.boolean(body.get("endpoint_only", False), f"{path}.endpoint_only")
    if None in (name, assumed_by, projects, short, endpoint_only):
        return None
    return RoleConfig(name, assumed_by, projects, models, short, endpoint_only)  # type: ignore[arg-type]


def _key_user(p: _Problems, value: Any, path: str) -> KeyUserConfig | None:
    body = p.mapping(value, path, required={"name", "projects"}, optional={"credential_age_days", "issue_key"})
    if body is None:
        return None
    low, high = facts.API_KEY_AGE_DAYS_RANGE
    name = _name(p, body.get("name", _MISSING), f"{path}.name")
    projects = p.strings(body.get("projects", _MISSING), f"{path}.projects", lambda v, a: p.string(v, a))
    age = p.integer(body.get("credential_age_days", 90), f"{path}.credential_age_days", low, high)
    issue = p.boolean(body.get("issue_key", False), f"{path}.issue_key")
    if None in (name, projects, age, issue):
        return None
    return KeyUserConfig(name, projects, age, issue)  # type: ignore[arg-type]


def _guardrails(p: _Problems, value: Any, path: str) -> GuardrailsConfig | None:
    if value is None:
        return None
    body = p.mapping(
        value,
        path,
        required=set(),
        optional={
            "deny_api_keys",
            "max_credential_age_days",
            "endpoint_only",
            "attach_to_principals",
            "scp_target_ids",
        },
    )
    if body is None:
        return None
    deny = p.choice(body.get("deny_api_keys", "none"), f"{path}.deny_api_keys", API_KEY_CHOICES)
    low, high = facts.API_KEY_AGE_DAYS_RANGE
    raw_age = body.get("max_credential_age_days", 90)
    max_age = None if raw_age is None else p.integer(raw_age, f"{path}.max_credential_age_days", low, high)
    endpoint_only = p.boolean(body.get("endpoint_only", False), f"{path}.endpoint_only")
    attach = p.boolean(body.get("attach_to_principals", True), f"{path}.attach_to_principals")
    targets = None
    if body.get("scp_target_ids") is not None:
        targets = p.strings(
            body["scp_target_ids"],
            f"{path}.scp_target_ids",
            lambda v, a: p.string(v, a, _SCP_TARGET_RE, "is not a root (r-...), OU (ou-...) or account id"),
        )
    failed = None in (deny, endpoint_only, attach) or (raw_age is not None and max_age is None)
    if failed or (body.get("scp_target_ids") is not None and targets is None):
        return None
    if deny == "none" and max_age is None and not endpoint_only:
        p.add(path, "enforces nothing: set deny_api_keys, max_credential_age_days or endpoint_only")
        return None
    if not attach and targets is None:
        p.add(path, "is applied nowhere: set attach_to_principals or scp_target_ids")
        return None
    return GuardrailsConfig(deny, max_age, endpoint_only, attach, targets)  # type: ignore[arg-type]


def _guardrail_conflicts(
    p: _Problems,
    path: str,
    g: GuardrailsConfig,
    roles: tuple[RoleConfig, ...],
    key_users: tuple[KeyUserConfig, ...],
) -> None:
    """Guardrails that would break principals of the same environment are configuration errors."""
    if g.deny_api_keys in ("all", "long-term"):
        for i, _ in enumerate(key_users):
            p.add(
                f"{path}.key_users[{i}]",
                f"holds a long-term API key, but guardrails.deny_api_keys is {g.deny_api_keys!r}",
            )
    if g.deny_api_keys in ("all", "short-term"):
        for i, role in enumerate(roles):
            if role.short_term_keys:
                p.add(
                    f"{path}.roles[{i}].short_term_keys",
                    f"is true, but guardrails.deny_api_keys is {g.deny_api_keys!r}",
                )
    if g.max_credential_age_days is not None:
        for i, user in enumerate(key_users):
            if user.credential_age_days > g.max_credential_age_days:
                p.add(
                    f"{path}.key_users[{i}].credential_age_days",
                    f"{user.credential_age_days} exceeds guardrails.max_credential_age_days "
                    f"({g.max_credential_age_days})",
                )
