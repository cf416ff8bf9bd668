"""Configuration files: discovery, every key, principals, and errors with file and line."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from mantlekit.iam.model import BOUNDARY, ENDPOINT, IDENTITY, SCP, Gate
from mantlekit.lint.config import (
    Config,
    PathIgnore,
    discover_config,
    find_config,
    load_config,
    valid_selector,
)
from mantlekit.lint.inventory import Inventory
from mantlekit.lint.runner import lint_inventory
from mantlekit.lint.toml_text import KeyLines

POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
LIMITED = "arn:aws:iam::aws:policy/AmazonBedrockLimitedAccess"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def policy_file(path: Path, doc: dict | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc or POLICY, indent=2), encoding="utf-8")
    return path


def errors(cfg: Config) -> list[tuple[int, str]]:
    return [(e.line, e.message) for e in cfg.errors]


# --- discovery --------------------------------------------------------------------------------------


def test_find_config_nearest_wins(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.mantle-lint]\nfail-on = "warning"\n')
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    assert find_config(str(sub)) == str(tmp_path / "pyproject.toml")
    write(tmp_path / "a" / ".mantle-lint.toml", 'fail-on = "info"\n')
    assert find_config(str(sub)) == str(tmp_path / "a" / ".mantle-lint.toml")
    write(tmp_path / "a" / "mantle-lint.toml", 'fail-on = "never"\n')
    assert find_config(str(sub)) == str(tmp_path / "a" / "mantle-lint.toml")
    f = policy_file(sub / "p.json")
    assert find_config(str(f)) == str(tmp_path / "a" / "mantle-lint.toml")


def test_pyproject_without_table_is_skipped(tmp_path):
    write(tmp_path / "mantle-lint.toml", 'fail-on = "info"\n')
    write(tmp_path / "proj" / "pyproject.toml", '[project]\nname = "x"\n')
    assert find_config(str(tmp_path / "proj")) == str(tmp_path / "mantle-lint.toml")


def test_discover_config_from_first_path(tmp_path, monkeypatch):
    write(tmp_path / "repo" / "mantle-lint.toml", 'fail-on = "warning"\n')
    p = policy_file(tmp_path / "repo" / "policies" / "p.json")
    monkeypatch.chdir(tmp_path)
    cfg = discover_config([str(p), "/nonexistent"])
    assert cfg.fail_on == "warning"
    assert cfg.file == "repo/mantle-lint.toml"
    assert discover_config([str(tmp_path / "repo" / "missing.json")]).fail_on == "warning"
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.chdir(empty)
    assert discover_config([]) == Config()


# --- every key ---------------------------------------------------------------------------------------


def test_full_standalone_config(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    policy_file(tmp_path / "cfg" / "keys" / "ci-bot.json")
    policy_file(tmp_path / "cfg" / "boundaries" / "dev.json")
    policy_file(tmp_path / "cfg" / "scp" / "deny-keys.json")
    policy_file(tmp_path / "cfg" / "vpce" / "mantle.json")
    path = write(
        tmp_path / "cfg" / "mantle-lint.toml",
        """
        select = ["MNT", "IAM00"]
        ignore = [{rule = "IAM007", reason = "legacy NotAction, tracked in JIRA-1"}]
        fail-on = "warning"
        severity = {MNT008 = "error"}
        per-path-ignores = [{path = "legacy/*", rules = ["IAM003"], reason = "old"}]

        [[principal]]
        name = "ci-bot"
        kind = "long-term-key"
        policies = ["keys/ci-bot.json", "arn:aws:iam::aws:policy/AmazonBedrockLimitedAccess"]
        boundary = "boundaries/dev.json"
        scps = ["scp/deny-keys.json", "FullAWSAccess"]
        endpoint-policy = "vpce/mantle.json"
        account = "111122223333"
        region = "us-east-1"
        projects = ["proj_abc123", "arn:aws:bedrock-mantle:us-east-1:111122223333:project/default"]
        needs = ["list-models", "inference"]
        tags = {team = "ml"}

        [[principal]]
        name = "runner"
        kind = "role"
        policies = ["keys/ci-bot.json"]
        """,
    )
    cfg = load_config(str(path))
    assert cfg.errors == []
    assert cfg.file == "cfg/mantle-lint.toml"
    assert cfg.select == ("MNT", "IAM00")
    assert cfg.ignore == ("IAM007",)
    assert cfg.ignore_reasons == {"IAM007": "legacy NotAction, tracked in JIRA-1"}
    assert cfg.fail_on == "warning"
    assert cfg.severity == {"MNT008": "error"}
    assert cfg.per_path_ignores == [PathIgnore("legacy/*", ("IAM003",), "old")]
    ci, runner = cfg.principals
    assert (ci.name, ci.kind, ci.account, ci.region) == ("ci-bot", "long-term-key", "111122223333", "us-east-1")
    assert ci.projects == ("proj_abc123", "arn:aws:bedrock-mantle:us-east-1:111122223333:project/default")
    assert ci.needs == ("list-models", "inference")
    assert ci.tags == {"team": "ml"}
    assert (ci.file, ci.line, ci.column) == ("cfg/mantle-lint.toml", 7, 1)
    assert (runner.file, runner.line) == ("cfg/mantle-lint.toml", 20)
    ps = ci.policies
    assert [p.source.file for p in ps.identity] == [
        "cfg/keys/ci-bot.json",
        "aws-managed:AmazonBedrockLimitedAccess (v9)",
    ]
    assert [p.kind for p in ps.identity] == [IDENTITY, IDENTITY]
    assert ps.boundary.kind == BOUNDARY and ps.boundary.source.file == "cfg/boundaries/dev.json"
    assert [p.kind for p in ps.scps] == [SCP, SCP]
    assert ps.scps[1].source.file.startswith("aws-managed:FullAWSAccess")
    assert ps.endpoint.kind == ENDPOINT and ps.endpoint.source.file == "cfg/vpce/mantle.json"
    # The same file is read once; AWS managed documents are not the user's to lint.
    assert runner.policies.identity[0] is ps.identity[0]
    assert sorted(p.source.file for p in cfg.documents) == [
        "cfg/boundaries/dev.json",
        "cfg/keys/ci-bot.json",
        "cfg/scp/deny-keys.json",
        "cfg/vpce/mantle.json",
    ]


def test_pyproject_table_and_lines(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    policy_file(tmp_path / "keys" / "k.json")
    path = write(
        tmp_path / "pyproject.toml",
        """
        [project]
        name = "demo"

        [tool.mantle-lint]
        fail-on = "info"

        [tool.mantle-lint.severity]
        MNT008 = "info"

        [[tool.mantle-lint.ignore]]
        rule = "IAM002"
        reason = "private services"

        [[tool.mantle-lint.principal]]
        name = "k"
        kind = "short-term-key"
        policies = ["keys/k.json"]

        [[tool.mantle-lint.principal]]
        name = "bad"
        kind = "long-term-key"
        region = "mars-1"

        [tool.other]
        x = 1
        """,
    )
    cfg = load_config(str(path))
    assert cfg.fail_on == "info"
    assert cfg.severity == {"MNT008": "info"}
    assert cfg.ignore == ("IAM002",)
    assert [p.name for p in cfg.principals] == ["k"]
    assert cfg.principals[0].line == 14
    assert errors(cfg)[0][0] == 22
    assert "mars-1" in errors(cfg)[0][1]
    assert all(e.file == "pyproject.toml" for e in cfg.errors)


def test_pyproject_without_table_gives_defaults(tmp_path):
    path = write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n')
    cfg = load_config(str(path))
    assert cfg == Config(file=cfg.file)


def test_pyproject_table_of_wrong_type(tmp_path):
    path = write(tmp_path / "pyproject.toml", '[tool]\nmantle-lint = "yes"\n')
    cfg = load_config(str(path))
    assert errors(cfg) == [(2, "[tool.mantle-lint] must be a table")]


# --- errors with file and line ------------------------------------------------------------------------


def test_errors_carry_file_and_line_and_the_rest_still_works(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    policy_file(tmp_path / "ok.json")
    path = write(
        tmp_path / "mantle-lint.toml",
        """
        select = ["MNT", "NOPE1"]
        ignore = ["IAM007", {rule = "IAM003", reason = ""}, {rule = "IAM002", reason = "fine"}]
        fail-on = "sometimes"
        colour = "red"
        severity = {MNT008 = "fatal", XYZ001 = "error", IAM008 = "info"}
        per-path-ignores = [{path = "legacy/*", rules = ["IAM003"]}]

        [[principal]]
        name = "good"
        kind = "role"
        policies = ["ok.json"]

        [[principal]]
        name = "bad-kind"
        kind = "robot"

        [[principal]]
        name = "bad-values"
        kind = "user"
        account = 111122223333
        region = "us-east-9"
        projects = ["proj_ABC", "default"]
        needs = ["list-models", "inferenc"]
        policies = ["missing.json", "arn:aws:iam::123456789012:policy/Mine", "arn:aws:iam::aws:policy/NotAThing"]
        extra = 1

        [[principal]]
        name = "good"
        kind = "role"
        """,
    )
    cfg = load_config(str(path))
    assert all(e.file == "mantle-lint.toml" for e in cfg.errors)
    got = errors(cfg)
    expect = [
        (1, "'NOPE1' is not a rule id"),
        (2, "ignore of 'IAM007' needs a reason"),
        (2, "ignore of IAM003 needs a non-empty reason"),
        (3, "fail-on must be one of info, warning, error, never, not 'sometimes'"),
        (4, "unknown key 'colour'"),
        (5, "severity of MNT008 must be one of"),
        (5, "severity: 'XYZ001' is not a rule id"),
        (6, "a per-path-ignores entry needs a non-empty reason"),
        (15, "principal kind must be one of long-term-key, short-term-key, role, user, not 'robot'"),
        (25, "unknown principal key 'extra'"),
        (20, "account must be a 12-digit string, not 111122223333 (quote it"),
        (21, "region 'us-east-9' has no Mantle endpoint"),
        (22, "'proj_ABC' is neither a project id"),
        (23, "unknown need 'inferenc'"),
        (24, "policy file 'missing.json' not found"),
        (24, "arn:aws:iam::123456789012:policy/Mine cannot be resolved offline"),
        (24, "AWS managed policy arn:aws:iam::aws:policy/NotAThing is not bundled"),
        (28, "principal 'good' is defined twice"),
    ]
    assert len(got) == len(expect), got
    for exp_line, exp_text in expect:
        assert any(line == exp_line and exp_text in msg for line, msg in got), (exp_line, exp_text, got)
    # What was valid still applies.
    assert cfg.select == ("MNT",)
    assert cfg.ignore == ("IAM002",)
    assert cfg.fail_on == "error"
    assert cfg.severity == {"IAM008": "info"}
    assert cfg.per_path_ignores == []
    assert [p.name for p in cfg.principals] == ["good"]


def test_bad_policy_file_points_into_the_policy_and_the_config(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "broken.json").write_text('{\n  "Version": "2012-10-17",\n  "Statement": [\n')
    (tmp_path / "list.json").write_text("[1, 2]")
    (tmp_path / "latin1.json").write_bytes(b'{"Version": "\xe9"}')
    path = write(
        tmp_path / "mantle-lint.toml",
        """
        [[principal]]
        name = "p"
        kind = "role"
        policies = ["broken.json", "list.json", "latin1.json"]
        """,
    )
    cfg = load_config(str(path))
    by_file = [(e.file, e.line) for e in cfg.errors]
    assert ("broken.json", 4) in by_file
    assert ("list.json", 1) in by_file
    assert ("mantle-lint.toml", 4) in by_file
    assert "cannot read policy file 'latin1.json': not UTF-8 text" in [e.message for e in cfg.errors]
    assert cfg.principals == []


def test_managed_policy_named_without_arn_gets_a_hint(tmp_path):
    path = write(
        tmp_path / "mantle-lint.toml",
        """
        [[principal]]
        name = "p"
        kind = "role"
        policies = ["AmazonBedrockLimitedAccess"]
        """,
    )
    (err,) = load_config(str(path)).errors
    assert err.line == 4
    assert "arn:aws:iam::aws:policy/AmazonBedrockLimitedAccess" in err.message


def test_managed_arn_not_accepted_as_scp_or_endpoint(tmp_path):
    path = write(
        tmp_path / "mantle-lint.toml",
        f"""
        [[principal]]
        name = "p"
        kind = "role"
        scps = ["{LIMITED}"]
        endpoint-policy = 7
        """,
    )
    assert [line for line, _ in errors(load_config(str(path)))] == [4, 5]


@pytest.mark.parametrize(
    ("text", "line", "col", "fragment"),
    [
        ('fail-on = "error"\nselect = [\n', 3, 1, "not valid TOML"),
        ("a = 1\nb = \n", 2, 5, "not valid TOML: Invalid value"),
        ('[[principal]]\nname = "x"\nname = "y"\n', 3, None, "not valid TOML"),
    ],
)
def test_toml_syntax_errors(tmp_path, text, line, col, fragment):
    path = tmp_path / "mantle-lint.toml"
    path.write_text(text)
    (err,) = load_config(str(path)).errors
    assert err.file.endswith("mantle-lint.toml") and err.line == line and fragment in err.message
    if col is not None:
        assert err.column == col
    assert "(at line" not in err.message


def test_unreadable_config(tmp_path):
    (tmp_path / "mantle-lint.toml").write_bytes(b"fail-on = '\xff'\n")
    (err,) = load_config(str(tmp_path / "mantle-lint.toml")).errors
    assert "not UTF-8" in err.message
    (err,) = load_config(str(tmp_path / "absent.toml")).errors
    assert "cannot read configuration" in err.message


@pytest.mark.parametrize(
    "value",
    ['"MNT"', "3", '{rule = "IAM007"}', '[{rule = 5, reason = "x"}]', '[{rule = "IAM007", reason = "x", y = 1}]'],
)
def test_ignore_shapes(tmp_path, value):
    path = write(tmp_path / "mantle-lint.toml", f"ignore = {value}\n")
    cfg = load_config(str(path))
    assert cfg.errors and all(e.line == 1 for e in cfg.errors)
    assert cfg.ignore == ()


@pytest.mark.parametrize(
    "body",
    [
        'select = "MNT"',
        "select = [1]",
        "severity = 3",
        "per-path-ignores = 3",
        'per-path-ignores = [{path = "x", rules = [], reason = "r"}]',
        'per-path-ignores = [{path = "x", rules = ["NOPE"], reason = "r"}]',
        'per-path-ignores = ["x"]',
        "principal = 3",
        "principal = [3]",
        'principal = [{kind = "role"}]',
        'principal = [{name = "x", kind = "role", policies = "p.json"}]',
        'principal = [{name = "x", kind = "role", tags = {a = 1}}]',
        'principal = [{name = "x", kind = "role", arn = "role/x"}]',
        "fail-on = true",
    ],
)
def test_wrong_types_are_errors_not_crashes(tmp_path, body):
    path = write(tmp_path / "mantle-lint.toml", body + "\n")
    cfg = load_config(str(path))
    assert cfg.errors, body
    assert all(e.line == 1 for e in cfg.errors)


def test_per_path_ignore_string_rules_and_applied(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = write(
        tmp_path / "mantle-lint.toml",
        'per-path-ignores = [{path = "legacy/*", rules = "IAM007", reason = "old"}]\n',
    )
    cfg = load_config(str(path))
    assert cfg.per_path_ignores == [PathIgnore("legacy/*", ("IAM007",), "old")]


# --- documents of principals are linted ---------------------------------------------------------------


def test_documents_outside_linted_paths_are_linted_once(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    na = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}]}
    policy_file(tmp_path / "keys" / "na.json", na)
    path = write(
        tmp_path / "mantle-lint.toml",
        """
        [[principal]]
        name = "r"
        kind = "role"
        policies = ["keys/na.json", "keys/na.json"]
        boundary = "keys/na.json"
        """,
    )
    cfg = load_config(str(path))
    cfg.select = ("IAM007",)
    assert len(cfg.documents) == 1  # one file, even used twice and as a boundary
    result = lint_inventory(Inventory(), cfg)
    assert [(f.rule, f.file) for f in result.findings] == [("IAM007", "keys/na.json")]
    # Read by the readers too (the file is under a linted path): still one finding.
    from mantlekit.lint.readers import read_paths

    result = lint_inventory(read_paths(["keys"]), cfg)
    assert [(f.rule, f.file) for f in result.findings] == [("IAM007", "keys/na.json")]


def test_documents_not_in(tmp_path, monkeypatch):
    assert Config().documents_not_in([]) == []
    assert Config().documents_not_in(["a.json", "b.json"]) == []
    monkeypatch.chdir(tmp_path)
    doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    policy_file(tmp_path / "keys" / "k.json", doc)
    (tmp_path / "linked").mkdir()
    (tmp_path / "linked" / "same.json").symlink_to(tmp_path / "keys" / "k.json")
    path = write(
        tmp_path / "mantle-lint.toml", '[[principal]]\nname = "r"\nkind = "role"\npolicies = ["keys/k.json"]\n'
    )
    cfg = load_config(str(path))
    [configured] = cfg.documents
    assert cfg.documents_not_in(["other.json", "<config>"]) == [configured]
    assert cfg.documents_not_in([str(tmp_path / "keys" / "k.json")]) == []
    assert cfg.documents_not_in(["keys/../keys/k.json"]) == []
    assert cfg.documents_not_in(["linked/same.json"]) == []  # the same file by another name


# --- helpers ----------------------------------------------------------------------------------------------


def test_key_lines():
    text = textwrap.dedent(
        """
        select = [
          "MNT",
          "BAD",
        ]
        severity = {MNT008 = "error", "IAM001" = "x"}

        [tool.other]
        needs = 1

        [[principal]]
        name = "a"

        [[principal]]  # second
        name = "b"
        needs = ["x",
                 "inferenc"]
        """
    ).lstrip("\n")
    lines = KeyLines(text)
    assert lines.line("select") == 1
    assert lines.line("select", value="BAD") == 3
    assert lines.line("severity", "IAM001") == 5
    assert lines.line("principal", 0) == 10
    assert lines.line("principal", 1) == 13
    assert lines.line("principal", 1, "needs") == 15
    assert lines.line("principal", 1, "needs", value="inferenc") == 16
    assert lines.line("principal", 5) == 10
    assert lines.line("nothing") == 1


@pytest.mark.parametrize(("s", "ok"), [("MNT", True), ("mnt001", True), ("IAM00", True), ("", False), ("X", False)])
def test_valid_selector(s, ok):
    assert valid_selector(s) is ok


def test_scp_level_with_several_scps(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    deny = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "iam:*", "Resource": "*"}]}
    policy_file(tmp_path / "scp" / "deny.json", deny)
    path = write(
        tmp_path / "mantle-lint.toml",
        """
        [[principal]]
        name = "r"
        kind = "role"
        scps = ["FullAWSAccess", ["FullAWSAccess", "scp/deny.json"]]
        """,
    )
    cfg = load_config(str(path))
    assert cfg.errors == []
    root, ou = cfg.principals[0].policies.scps
    assert root.source.file.startswith("aws-managed:FullAWSAccess")
    assert [p.source.file for p in ou] == [root.source.file, "scp/deny.json"]
    assert [p.kind for p in ou] == [SCP, SCP]
    bad = write(tmp_path / "bad.toml", '[[principal]]\nname = "r"\nkind = "role"\nscps = [[]]\n')
    assert errors(load_config(str(bad)))[0][0] == 4


def test_session_policies_rcps_and_resource_policy(tmp_path, monkeypatch):
    from mantlekit.iam.model import RCP, RESOURCE, SESSION

    monkeypatch.chdir(tmp_path)
    only_get = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "bedrock-mantle:Get*", "Resource": "*"}],
    }
    rcp = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}],
    }
    res = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "bedrock-mantle:Get*", "Resource": "*"}],
    }
    policy_file(tmp_path / "session.json", only_get)
    policy_file(tmp_path / "rcp.json", rcp)
    policy_file(tmp_path / "project-policy.json", res)
    path = write(
        tmp_path / "mantle-lint.toml",
        """
        [[principal]]
        name = "key"
        kind = "short-term-key"
        policies = ["arn:aws:iam::aws:policy/AmazonBedrockLimitedAccess"]
        session-policies = ["session.json"]
        rcps = ["rcp.json", ["rcp.json"]]
        resource-policy = "project-policy.json"
        """,
    )
    cfg = load_config(str(path))
    assert cfg.errors == []
    ps = cfg.principals[0].policies
    assert [p.kind for p in ps.session] == [SESSION]
    first, second = ps.rcps
    assert first.kind == RCP and [p.kind for p in second] == [RCP]
    assert ps.resource is not None and ps.resource.kind == RESOURCE
    # A short-term key carries exactly its session's permissions: the session policy limits it.
    from mantlekit.lint.access import evaluate_principal

    access = evaluate_principal(cfg.principals[0])
    bearer = access.bearer_token()
    assert bearer is not None and bearer.verdict.value == "implicit-deny"
    assert bearer.checks[0].decision.failed_gate is Gate.SESSION


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('session-policies = "session.json"', "session-policies must be a list of policy files"),
        ("rcps = [1]", "rcps must be a list of RCP files (or, for a level, a list of its RCP files)"),
        ("resource-policy = 3", "resource-policy must be a file name, not a number"),
    ],
)
def test_new_principal_keys_bad_input(tmp_path, monkeypatch, line, message):
    monkeypatch.chdir(tmp_path)
    bad = write(tmp_path / "bad.toml", f'[[principal]]\nname = "r"\nkind = "role"\n{line}\n')
    assert errors(load_config(str(bad))) == [(4, message)]
