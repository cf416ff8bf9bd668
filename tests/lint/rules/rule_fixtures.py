"""Every rule's fixtures: ``fixtures/<ID>/`` holds a ``bad`` and a ``good`` input and ``bad.snap``, the text
report of the bad one.

An input is one file (``bad.json``: a policy, account details; ``bad.yaml``: a template) or a directory
(``bad/``): a principal configuration ``mantle-lint.toml`` with the policy files it names, or a cloud
assembly. Each runs as a user would run it, with only its rule selected, so a snapshot pins that rule alone:
``mantle-lint --select ID --no-config bad.json``, or ``--config bad/mantle-lint.toml bad`` for a
directory with a configuration. The snapshot test (test_rule_fixtures.py) and the documentation generator
(scripts/gen_rule_docs.py, whose Example and "Use instead" are these files) both read them through here.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CASES = ("bad", "good")
CONFIG = "mantle-lint.toml"
#: Files shown first in a directory input: what a reader looks at before the files it names.
FIRST = (CONFIG, "manifest.json")
LANGUAGES = {".json": "json", ".yaml": "yaml", ".yml": "yaml", ".toml": "toml"}

#: MNT010's keys were created on a fixed day long ago, so "older than 90 days" holds for good, but the
#: number of days grows daily: snapshots say <age>, and the test checks the number itself.
AGE_FROM = {"MNT010": dt.datetime(2025, 1, 6, 9, tzinfo=dt.UTC)}
_DAYS = re.compile(r"\b(\d+) days (old|ago)\b")


def rule_ids() -> list[str]:
    return sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())


def case_input(rule_id: str, case: str, base: Path = FIXTURES) -> Path:
    """The one file or directory ``fixtures/<ID>/<case>[.ext]`` (``base``: another fixtures directory)."""
    found = [p for p in (base / rule_id).iterdir() if p.name == case or (p.stem == case and p.suffix != ".snap")]
    if len(found) != 1:
        raise ValueError(f"{rule_id}: expected one {case} input, found {sorted(p.name for p in found)}")
    return found[0]


def arguments(rule_id: str, case: str, select: str | None = None, base: Path = FIXTURES) -> list[str]:
    """The command line (after ``mantle-lint``), run in ``fixtures/<ID>``; ``select``: other rules than its own."""
    path = case_input(rule_id, case, base)
    config = ["--config", f"{case}/{CONFIG}"] if (path / CONFIG).is_file() else ["--no-config"]
    return ["--select", select or rule_id, *config, path.name]


def files(rule_id: str, case: str) -> list[tuple[str, str]]:
    """(path shown, text) of the input's files, the configuration (or manifest) first."""
    path = case_input(rule_id, case)
    if path.is_file():
        return [(path.name, path.read_text(encoding="utf-8"))]
    inner = sorted(path.iterdir(), key=lambda p: (FIRST.index(p.name) if p.name in FIRST else len(FIRST), p.name))
    return [(f"{case}/{p.name}", p.read_text(encoding="utf-8")) for p in inner if p.is_file()]


def snapshot_path(rule_id: str) -> Path:
    return FIXTURES / rule_id / "bad.snap"


def redact(rule_id: str, report: str) -> tuple[str, list[int]]:
    """``report`` as its snapshot holds it, and the day counts taken out (see :data:`AGE_FROM`)."""
    if rule_id not in AGE_FROM:
        return report, []
    ages = [int(m.group(1)) for m in _DAYS.finditer(report)]
    return _DAYS.sub(r"<age> days \2", report), ages


def age_now(rule_id: str) -> int:
    return (dt.datetime.now(dt.UTC) - AGE_FROM[rule_id]).days


def language(name: str) -> str:
    return LANGUAGES.get(Path(name).suffix, "text")
