"""Fuzzing the readers and the CLI: whatever the input, a report or a message, never a traceback.

Every run must end in 0, 1 or 2 through the normal path: the last-resort handler of ``main`` (one line
starting ``mantle-lint: internal error``) counts as a failure here, because it means some input escaped the
readers' own error handling.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mantlekit.lint.cli import INTERNAL_ERROR, main
from mantlekit.lint.config import load_config
from mantlekit.lint.readers import read_paths

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_counter = itertools.count()

POLICY_KEYS = ("Version", "Id", "Statement")
STATEMENT_KEYS = (
    "Sid",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Principal",
    "NotPrincipal",
    "Condition",
)
GOOD_STATEMENT = {
    "Sid": "Use",
    "Effect": "Allow",
    "Action": ["bedrock-mantle:CreateInference", "bedrock-mantle:ListModels"],
    "Resource": "arn:aws:bedrock-mantle:us-east-1:111122223333:project/default",
    "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}},
}
GOOD_POLICY = {"Version": "2012-10-17", "Statement": [GOOD_STATEMENT]}
TEMPLATE_YAML = """AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: sts:AssumeRole
      Policies:
        - PolicyName: mantle
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - Effect: Allow
                Action: !Sub 'bedrock-mantle:${Action}'
                Resource: !GetAtt Project.Arn
  Project:
    Type: AWS::BedrockMantle::Project
"""

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from(["*", "Allow", "Deny", "bedrock-mantle:*", "arn:aws:bedrock-mantle:::project/", "${aws:x}"])
)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=25,
)


def _dir(tmp_path: Path) -> Path:
    d = tmp_path / f"case{next(_counter)}"
    d.mkdir()
    return d


def _lint(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["--no-config", *args])
    out, err = capsys.readouterr()
    assert code in (0, 1, 2), code
    assert "Traceback" not in err and INTERNAL_ERROR not in err, err
    return code, out, err


def _assert_reported(code: int, out: str, err: str) -> None:
    """Exit 2 comes with a message on stderr; every run ends in the summary line."""
    if code == 2:
        assert err.strip(), "exit 2 without a message"
    assert " in " in out.splitlines()[-1]


# --- random bytes, truncation ------------------------------------------------------------------------------


@FUZZ
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".json", ".yaml", ".yml", ".template"]))
def test_random_bytes(tmp_path, capsys, data, suffix):
    d = _dir(tmp_path)
    (d / f"f{suffix}").write_bytes(data)
    code, out, err = _lint(capsys, str(d))
    _assert_reported(code, out, err)


@FUZZ
@given(cut=st.integers(min_value=0, max_value=10_000), fmt=st.sampled_from(["json", "json-indented", "yaml"]))
def test_truncated_documents(tmp_path, capsys, cut, fmt):
    if fmt == "yaml":
        text, name = TEMPLATE_YAML, "t.yaml"
    else:
        text = json.dumps(GOOD_POLICY, indent=2 if fmt == "json-indented" else None)
        name = "p.json"
    text = text[: cut % (len(text) + 1)]
    d = _dir(tmp_path)
    (d / name).write_text(text, encoding="utf-8")
    code, out, err = _lint(capsys, str(d / name))
    _assert_reported(code, out, err)


# --- wrong types in every field ----------------------------------------------------------------------------


@FUZZ
@given(key=st.sampled_from(POLICY_KEYS), value=json_values)
def test_wrong_type_in_policy_fields(tmp_path, capsys, key, value):
    doc = dict(GOOD_POLICY)
    doc[key] = value
    d = _dir(tmp_path)
    (d / "p.json").write_text(json.dumps(doc), encoding="utf-8")
    code, out, err = _lint(capsys, str(d))
    _assert_reported(code, out, err)


@FUZZ
@given(key=st.sampled_from(STATEMENT_KEYS), value=json_values, drop=st.booleans())
def test_wrong_type_in_statement_fields(tmp_path, capsys, key, value, drop):
    st_ = dict(GOOD_STATEMENT)
    if drop:
        st_.pop(key, None)
    else:
        st_[key] = value
    d = _dir(tmp_path)
    (d / "p.json").write_text(json.dumps({"Version": "2012-10-17", "Statement": [st_]}), encoding="utf-8")
    code, out, _err = _lint(capsys, str(d), "--format", "json")
    doc = json.loads(out)
    assert doc["summary"]["exit_code"] == code


@FUZZ
@given(
    path=st.lists(st.sampled_from(["Resources", "Role", "Properties", "Policies", 0, "PolicyDocument"]), max_size=6),
    value=json_values,
)
def test_wrong_types_in_templates(tmp_path, capsys, path, value):
    tpl: dict = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {"Policies": [{"PolicyName": "p", "PolicyDocument": dict(GOOD_POLICY)}]},
            }
        },
    }
    node: object = tpl
    for step in path[:-1]:
        try:
            node = node[step]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            break
    if path:
        try:
            node[path[-1]] = value  # type: ignore[index]
        except (IndexError, TypeError):
            pass
    d = _dir(tmp_path)
    (d / "template.json").write_text(json.dumps(tpl), encoding="utf-8")
    _code, out, _err = _lint(capsys, str(d), "--format", "sarif")
    assert json.loads(out)["version"] == "2.1.0"


@FUZZ
@given(doc=json_values)
def test_arbitrary_json_documents(tmp_path, capsys, doc):
    d = _dir(tmp_path)
    (d / "x.json").write_text(json.dumps(doc), encoding="utf-8")
    _lint(capsys, str(d))


# --- configuration files ----------------------------------------------------------------------------------------

config_keys = st.sampled_from(
    ["select", "ignore", "fail-on", "severity", "per-path-ignores", "principal", "unknown", "policies"]
)
principal_keys = st.sampled_from(
    ["name", "kind", "policies", "boundary", "scps", "endpoint-policy", "account", "region", "projects", "needs", "x"]
)
toml_scalars = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.booleans(),
    st.text(max_size=20),
    st.sampled_from(["MNT", "IAM007", "role", "long-term-key", "us-east-1", "111122223333", "p.json"]),
)
toml_values = st.recursive(toml_scalars, lambda c: st.lists(c, max_size=3), max_leaves=8)


def _toml(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v)  # a TOML basic string is JSON-compatible for these characters
    if isinstance(v, list):
        return "[" + ", ".join(_toml(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_toml(x)}" for k, x in v.items()) + "}"
    raise TypeError(v)


@FUZZ
@given(
    top=st.dictionaries(config_keys, toml_values, max_size=4),
    principals=st.lists(st.dictionaries(principal_keys, toml_values, max_size=6), max_size=3),
)
def test_config_values_never_crash(tmp_path, capsys, top, principals):
    d = _dir(tmp_path)
    (d / "p.json").write_text(json.dumps(GOOD_POLICY))
    lines = [f"{json.dumps(k)} = {_toml(v)}" for k, v in top.items() if k != "principal"]
    for p in principals:
        lines.append("[[principal]]")
        lines += [f"{json.dumps(k)} = {_toml(v)}" for k, v in p.items()]
    (d / "mantle-lint.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    cfg = load_config(str(d / "mantle-lint.toml"))
    assert all(e.line >= 1 for e in cfg.errors)
    code = main([str(d / "p.json")])
    _out, err = capsys.readouterr()
    assert "Traceback" not in err and INTERNAL_ERROR not in err, err
    assert code == (2 if cfg.errors else code)
    assert code in (0, 1, 2)


@FUZZ
@given(text=st.text(max_size=300))
def test_config_text_never_crashes(tmp_path, text):
    d = _dir(tmp_path)
    (d / "mantle-lint.toml").write_text(text, encoding="utf-8")
    cfg = load_config(str(d / "mantle-lint.toml"))
    assert all(e.line >= 1 and e.column >= 1 for e in cfg.errors)


# --- huge and deeply nested ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [50, 1_000, 200_000])
def test_deeply_nested(tmp_path, capsys, depth):
    (tmp_path / "arr.json").write_text("[" * depth + "]" * depth)
    nested = '{"a":' * depth + "1" + "}" * depth
    (tmp_path / "cond.json").write_text(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", '
        f'"Condition": {nested}}}]}}'
    )
    (tmp_path / "deep.yaml").write_text("a:\n" + "".join("  " * i + "- \n" for i in range(min(depth, 2000))))
    code, out, err = _lint(capsys, str(tmp_path))
    assert code in (1, 2)
    _assert_reported(code, out, err)


def test_huge_policy(tmp_path, capsys):
    statements = [
        {"Sid": f"S{i}", "Effect": "Allow", "Action": f"s3:GetObject{'' if i % 2 else '*'}", "Resource": "*"}
        for i in range(3000)
    ]
    (tmp_path / "big.json").write_text(json.dumps({"Version": "2012-10-17", "Statement": statements}, indent=1))
    _code, out, _err = _lint(capsys, str(tmp_path), "--format", "json")
    assert json.loads(out)["summary"]["files"] == 1


def test_file_over_the_size_limit(tmp_path, capsys):
    with open(tmp_path / "huge.json", "wb") as fh:
        fh.truncate(65 * 1024 * 1024)  # sparse: cheap to make
    code, _out, err = _lint(capsys, str(tmp_path))
    assert code == 2 and "larger than 64 MiB" in err


@pytest.mark.parametrize("name", ["bigint.json", "bigint.yaml"])
def test_long_integer_literal(tmp_path, capsys, name):
    # 5000 digits: more than int() converts by default.
    if name.endswith(".json"):
        text = '{"Version": "2012-10-17", "Statement": [], "Id": ' + "9" * 5000 + "}"
    else:
        text = "Version: '2012-10-17'\nStatement: []\nId: " + "9" * 5000 + "\n"
    (tmp_path / name).write_text(text)
    code, _out, err = _lint(capsys, str(tmp_path))
    assert code == 2 and f"{name}:" in err


# --- readers directly, and the command line --------------------------------------------------------------------


@FUZZ
@given(files=st.lists(st.binary(max_size=200), min_size=1, max_size=4))
def test_read_paths_never_raises(tmp_path, files):
    d = _dir(tmp_path)
    for i, data in enumerate(files):
        (d / f"f{i}.json").write_bytes(data)
    inv = read_paths([str(d)])
    assert all(e.file and e.line >= 1 for e in inv.errors)


@FUZZ
@given(
    argv=st.lists(
        st.sampled_from(
            [
                "--format",
                "json",
                "sarif",
                "--fail-on",
                "never",
                "--select",
                "MNT",
                "--ignore",
                ",",
                "--explain",
                "all",
                "--no-config",
                "-o",
                "--color",
                "x",
                "",
                "-",
                "--",
                "nope.json",
            ]
        ),
        max_size=6,
    )
)
def test_random_command_lines(tmp_path, capsys, monkeypatch, argv):
    monkeypatch.chdir(tmp_path)
    code = main(argv)
    _out, err = capsys.readouterr()
    assert code in (0, 1, 2)
    assert "Traceback" not in err and INTERNAL_ERROR not in err


def test_subprocess_on_a_nasty_tree_never_prints_a_traceback(tmp_path):
    rnd = random.Random(1234)
    for i in range(20):
        (tmp_path / f"rand{i}.json").write_bytes(bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 300))))
    text = json.dumps(GOOD_POLICY)
    for i in range(0, len(text), 7):
        (tmp_path / f"trunc{i}.json").write_text(text[:i])
    for i in range(0, len(TEMPLATE_YAML), 40):
        (tmp_path / f"trunc{i}.yaml").write_text(TEMPLATE_YAML[:i])
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (tmp_path / "nul.json").write_bytes(b"\x00" * 64)
    (tmp_path / "bom.json").write_bytes(b"\xef\xbb\xbf" + text.encode())
    (tmp_path / "utf16.json").write_text(text, encoding="utf-16")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
    for fmt in ("text", "json", "sarif", "github"):
        proc = subprocess.run(
            [sys.executable, "-m", "mantlekit.lint.cli", "--no-config", "-f", fmt, str(tmp_path)],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr and INTERNAL_ERROR not in proc.stderr, proc.stderr[-2000:]
        assert proc.stderr.count(": error: ") == len(proc.stderr.splitlines())


def test_reading_bytes_regular_empty_fifo_and_limit(tmp_path, monkeypatch):
    import threading

    from mantlekit.lint import readers

    (tmp_path / "empty.json").write_bytes(b"")
    assert readers._read_bytes(str(tmp_path / "empty.json")) == b""
    body = b'{"Statement": []}' * 5000
    (tmp_path / "p.json").write_bytes(body)
    assert readers._read_bytes(str(tmp_path / "p.json")) == body
    with pytest.raises(OSError):
        readers._read_bytes(str(tmp_path))  # a directory
    # A pipe through /dev/fd (a shell's process substitution): size 0 by fstat, but 85,000 bytes to read.
    # (A named FIFO on disk is refused instead: see tests/readers/test_hostile_input.py.)

    def pipe_of(data: bytes) -> tuple[str, threading.Thread]:
        r, w = os.pipe()

        def write() -> None:
            try:
                os.write(w, data) if len(data) < 4096 else _write_all(w, data)
            except BrokenPipeError:  # the reader stopped at the limit
                pass
            finally:
                os.close(w)

        t = threading.Thread(target=write)
        t.start()
        return f"/dev/fd/{r}", t

    def _write_all(fd: int, data: bytes) -> None:
        while data:
            data = data[os.write(fd, data) :]

    path, writer = pipe_of(body)
    assert readers._read_bytes(path) == body
    writer.join()
    os.close(int(path.rsplit("/", 1)[1]))
    monkeypatch.setattr(readers, "MAX_BYTES", 1000)
    path, writer = pipe_of(body)
    with pytest.raises(readers.InputError, match="larger than"):
        readers._read_bytes(path)
    os.close(int(path.rsplit("/", 1)[1]))  # the writer then meets a broken pipe and ends
    writer.join()
    with pytest.raises(readers.InputError, match="larger than"):
        readers._read_bytes(str(tmp_path / "p.json"))
