"""Hostile input to the readers (issue #13): alias bombs, duplicate keys, values JSON cannot hold, special
files. Each is an input error naming the file, line and column; the work it may cost is bounded by
counting, and a generous alarm guards against a hang (never a timing assertion)."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator

import pytest

from mantlekit.lint import readers
from mantlekit.lint.cli import main
from mantlekit.lint.findings import InputError
from mantlekit.lint.readers import load_text, read_file, read_paths


@contextlib.contextmanager
def hang_guard(seconds: int = 60) -> Iterator[None]:
    """Fail (instead of hanging the suite) if the block takes more than ``seconds``."""

    def fire(*_: object) -> None:
        raise AssertionError(f"did not finish within {seconds} s")

    old = signal.signal(signal.SIGALRM, fire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _bomb(levels: int, indent: str) -> str:
    lines = [f'{indent}a0: &a0 ["x"]']
    lines += [f"{indent}a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels + 1)]
    return "\n".join(lines)


#: 9 levels of 9 aliases: 387 million nodes once expanded, about 700 bytes written.
TEMPLATE_BOMB = f"""Resources:
  R:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: p
{_bomb(9, "      ")}
      PolicyDocument:
        Statement:
          - Effect: Allow
            Action: s3:GetObject
            Resource: *a9
"""
POLICY_BOMB = f"""Version: '2012-10-17'
{_bomb(9, "")}
Statement:
  - Effect: Allow
    Action: s3:GetObject
    Resource: *a9
"""
BOMB_MESSAGE = (
    "aliases add more than 100,000 nodes to the document by here (*a4 stands for 13,942); refused as an alias bomb"
)


@pytest.fixture
def count_events(monkeypatch):
    """How many parser events the alias check consumed (the bound on its work)."""
    import yaml

    seen = [0]
    parse = yaml.parse

    def counting(*args, **kwargs):
        for ev in parse(*args, **kwargs):
            seen[0] += 1
            yield ev

    monkeypatch.setattr(yaml, "parse", counting)
    return seen


@pytest.mark.parametrize(
    ("text", "line", "column"), [(TEMPLATE_BOMB, 11, 46), (POLICY_BOMB, 7, 40)], ids=["template", "policy"]
)
def test_an_alias_bomb_is_refused_at_the_alias_that_crosses_the_limit(tmp_path, count_events, text, line, column):
    f = tmp_path / "bomb.yaml"
    f.write_text(text)
    with hang_guard():
        inv = read_file(str(f))
    assert [(e.message, e.line, e.column) for e in inv.errors] == [(BOMB_MESSAGE, line, column)]
    assert inv.documents == [] and inv.principals == []
    assert count_events[0] < 200  # stopped at the crossing, never near the expansion


def test_aliases_within_the_limit_are_read_as_before(tmp_path):
    shared = "Tags: &tags [{Key: a, Value: b}]\n"
    f = tmp_path / "ok.yaml"
    f.write_text(
        f"Version: '2012-10-17'\n{shared}Statement:\n  - Effect: Allow\n    Action: s3:GetObject\n"
        "    Resource: '*'\nOther: *tags\n"
    )
    data, _ = load_text(str(f))
    assert data["Other"] is data["Tags"]


def test_a_cyclic_alias_is_an_error_at_the_alias(tmp_path):
    f = tmp_path / "cycle.yaml"
    f.write_text(
        "Version: '2012-10-17'\nStatement: &s\n  - Effect: Allow\n    Action: s3:GetObject\n    Resource: *s\n"
    )
    with pytest.raises(InputError) as e:
        load_text(str(f))
    assert (e.value.message, e.value.line, e.value.column) == (
        "alias *s stands for a node that contains it; a policy or template cannot be cyclic",
        5,
        15,
    )


DUP_JSON = """{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}],
  "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]
}
"""
DUP_YAML = """Version: '2012-10-17'
Statement:
  - Effect: Deny
    Action: '*'
    Resource: '*'
Statement:
  - Effect: Allow
    Action: s3:GetObject
    Resource: '*'
"""


@pytest.mark.parametrize(
    ("name", "text", "where"),
    [("dup.json", DUP_JSON, (4, 3)), ("dup.yaml", DUP_YAML, (6, 1)), ("dup.template", DUP_JSON, (4, 3))],
)
def test_a_duplicate_key_names_both_lines(tmp_path, name, text, where):
    f = tmp_path / name
    f.write_text(text)
    inv = read_file(str(f))
    first = 3 if text is DUP_JSON else 2
    assert [(e.message, e.line, e.column) for e in inv.errors] == [
        (f'duplicate key "Statement" (first at line {first})', *where)
    ]
    assert inv.documents == []


def test_a_nested_duplicate_key_and_keys_repeated_in_sibling_objects(tmp_path):
    f = tmp_path / "p.json"
    f.write_text(
        '{"Version": "2012-10-17", "Statement": [\n'
        '  {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},\n'
        '  {"Effect": "Allow", "Action": "s3:PutObject",\n'
        '   "Resource": "*", "Effect": "Deny"}]}\n'
    )
    with pytest.raises(InputError) as e:
        load_text(str(f))
    assert (e.value.message, e.value.line, e.value.column) == ('duplicate key "Effect" (first at line 3)', 4, 21)


def test_yaml_merge_keys_may_be_overridden_but_not_written_twice(tmp_path):
    f = tmp_path / "m.yaml"
    f.write_text("base: &b {Effect: Allow, Action: s3:GetObject}\nst:\n  <<: *b\n  Effect: Deny\n")
    data, _ = load_text(str(f))
    assert data["st"] == {"Effect": "Deny", "Action": "s3:GetObject"}


@pytest.mark.parametrize(
    ("name", "text", "message", "where"),
    [
        (
            "nan.json",
            '{"Version": "2012-10-17", "Id": NaN, "Statement": []}',
            "NaN is not JSON (IAM and CloudFormation read JSON numbers only)",
            (1, 33),
        ),
        (
            "inf.json",
            '{"Version": "2012-10-17",\n "Id": -Infinity, "Statement": []}',
            "-Infinity is not JSON (IAM and CloudFormation read JSON numbers only)",
            (2, 8),
        ),
        (
            "inf.yaml",
            "Version: '2012-10-17'\nId: .inf\nStatement: []\n",
            "'.inf' (float) is not a value JSON can hold",
            (2, 5),
        ),
        (
            "nan.yaml",
            "Version: '2012-10-17'\nId: .NaN\nStatement: []\n",
            "'.NaN' (float) is not a value JSON can hold",
            (2, 5),
        ),
        (
            "bin.yaml",
            "Version: '2012-10-17'\nId: !!binary aGVsbG8=\nStatement: []\n",
            "'aGVsbG8=' (binary) is not a value JSON can hold",
            (2, 5),
        ),
        (
            "long.json",
            '{"Version": "2012-10-17",\n "Id": ' + "9" * 5000 + ', "Statement": []}',
            "a number of 5,000 digits, longer than any IAM value",
            (2, 8),
        ),
        (
            "long.yaml",
            "Version: '2012-10-17'\nStatement: []\nId: " + "9" * 5000 + "\n",
            "a number of 5,000 digits, longer than any IAM value",
            (3, 5),
        ),
    ],
)
def test_values_json_cannot_hold_are_input_errors(tmp_path, name, text, message, where):
    f = tmp_path / name
    f.write_text(text)
    with pytest.raises(InputError) as e:
        load_text(str(f))
    assert (e.value.message, e.value.line, e.value.column) == (message, *where)
    assert "set_int_max_str_digits" not in e.value.message


def test_a_toml_file_is_called_toml(tmp_path, capsys):
    """Named on the command line, a TOML file is not an input (skipped, and listed as such on stderr); where
    an input is required, it is called TOML, not broken YAML."""
    f = tmp_path / "mantle-lint.toml"
    f.write_text('[tool.mantle-lint]\nselect = ["MNT"]\n')
    with pytest.raises(InputError) as e:
        load_text(str(f), strict=True)
    assert (e.value.message, e.value.line) == (
        "a TOML file, not JSON or YAML: mantle-lint lints policies, templates and account details "
        "(a configuration file is given with --config)",
        1,
    )
    assert read_paths([str(f)]).errors == []
    assert main(["--no-config", str(f)]) == 0
    assert capsys.readouterr().err == (
        "mantle-lint: linted 0 files: not a policy, template, cloud assembly or account details: "
        f"{f} (a configuration file is given with --config)\n"
    )


# --- special files --------------------------------------------------------------------------------------

REFUSED = "not a regular file: not read (mantle-lint reads regular files, and pipes given as /dev/stdin or /dev/fd/N)"


def test_special_files_named_on_the_command_line_say_what_they_are(tmp_path):
    (tmp_path / "loop1.json").symlink_to(tmp_path / "loop2.json")
    (tmp_path / "loop2.json").symlink_to(tmp_path / "loop1.json")
    (tmp_path / "gone.json").symlink_to(tmp_path / "nowhere.json")
    os.mkfifo(tmp_path / "fifo.json")  # no writer: opening it for reading would block for ever
    paths = [str(tmp_path / n) for n in ("loop1.json", "gone.json", "fifo.json")] + ["/dev/null"]
    with hang_guard():
        inv = read_paths(paths)
    assert [(os.path.basename(e.file), e.message) for e in inv.errors] == [
        ("loop1.json", "a symbolic link loop: not read"),
        ("gone.json", f"a broken symbolic link (to {tmp_path / 'nowhere.json'}): not read"),
        ("fifo.json", f"a named pipe (FIFO), {REFUSED}"),
        ("null", f"a character device, {REFUSED}"),
    ]


def test_a_fifo_inside_a_walked_directory_is_reported_not_waited_for(tmp_path):
    (tmp_path / "p.json").write_text('{"Version": "2012-10-17", "Statement": []}')
    os.mkfifo(tmp_path / "q.json")
    with hang_guard():
        inv = read_paths([str(tmp_path)])
    assert [(os.path.basename(e.file), e.message) for e in inv.errors] == [
        ("q.json", f"a named pipe (FIFO), {REFUSED}")
    ]
    assert inv.files == [str(tmp_path / "p.json")]


def test_a_pipe_given_as_dev_fd_is_read_to_its_end(tmp_path):
    body = b'{"Version": "2012-10-17", "Statement": []}'
    r, w = os.pipe()

    def write() -> None:
        with os.fdopen(w, "wb") as fh:
            fh.write(body)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        with hang_guard():
            inv = read_paths([f"/dev/fd/{r}"])
    finally:
        writer.join()
        os.close(r)
    assert inv.errors == [] and inv.files == [f"/dev/fd/{r}"]


def test_the_size_limit_is_settable_and_named_in_the_message(tmp_path):
    f = tmp_path / "p.json"
    f.write_text('{"Version": "2012-10-17", "Statement": []}' + " " * 2000)
    with readers.max_file_size(1024):
        inv = read_paths([str(f)])
    assert [e.message for e in inv.errors] == [
        "file larger than 1 KiB, not read (raise the limit with --max-file-size)"
    ]
    assert readers.MAX_BYTES == readers.DEFAULT_MAX_BYTES == 64 * 1024 * 1024
    assert read_paths([str(f)]).errors == []


@pytest.mark.parametrize(
    ("value", "size"),
    [(1000, 1000), ("64MiB", 64 << 20), ("64 MB", 64 << 20), ("1.5G", 3 << 29), ("20m", 20 << 20), ("512", 512)],
)
def test_sizes_are_read_in_binary_units(value, size):
    assert readers.parse_size(value) == size


@pytest.mark.parametrize("value", [0, -1, True, "", "lots", "5 TB", "-3M"])
def test_sizes_that_are_not_sizes(value):
    assert readers.parse_size(value) is None
