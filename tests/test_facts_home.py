"""One place for Mantle facts: no module but ``mantlekit/facts.py`` spells a Mantle action or condition key.

The test reads string literals with ``ast``, so comments never count. A literal that *is* an action or a key
(``"bedrock-mantle:CreateInference"``), or the ``"bedrock-mantle:"`` it would be built from, is data and must
come from :mod:`mantlekit.facts`; a sentence that names one (a docstring, a rule's rationale or example, a
message) documents and is allowed: rewriting prose through constants would make it unreadable.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import mantlekit
from mantlekit import facts

ROOT = Path(mantlekit.__file__).parent
#: A whole literal that is a Mantle action or condition key, a wildcard pattern of one, the prefix an action
#: is built from (``bedrock-mantle:``), or the bare prefix, a service name or a prefix pattern
#: (``bedrock-mantle``, ``bedrock-mantle*``: MNT005 and the inference of capabilities once spelled these).
_MANTLE = re.compile(rf"{re.escape(facts.SERVICE_PREFIX)}(?::[A-Za-z*?][A-Za-z0-9*?/_-]*|:|[*?]*)")


def _literals(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    return [(n.lineno, n.value) for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def test_no_module_but_facts_spells_a_mantle_action_or_key() -> None:
    found = [
        f"{path.relative_to(ROOT.parent)}:{line}: {value!r}"
        for path in sorted(ROOT.rglob("*.py"))
        if path != ROOT / "facts.py"
        for line, value in _literals(path)
        if _MANTLE.fullmatch(value)
    ]
    assert found == []


def test_the_check_sees_literals_not_comments(tmp_path: Path) -> None:
    f = tmp_path / "m.py"
    f.write_text('# bedrock-mantle:CreateInference\nA = "bedrock-mantle:ListModels"\nB = "see bedrock-mantle:X"\n')
    assert [v for _, v in _literals(f) if _MANTLE.fullmatch(v)] == ["bedrock-mantle:ListModels"]


def test_the_check_sees_the_prefix_alone_and_inside_f_strings(tmp_path: Path) -> None:
    f = tmp_path / "m.py"
    f.write_text(
        'A = ("bedrock", "bedrock-mantle")\nB = x == "bedrock-mantle*"\nC = f"bedrock-mantle:{n}"\n'
        'D = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_bedrock-mantle.html"\n'
        'E = "bedrock-mantle.us-east-1.api.aws"\n'
    )
    found = [v for _, v in _literals(f) if _MANTLE.fullmatch(v)]
    assert found == ["bedrock-mantle", "bedrock-mantle*", "bedrock-mantle:"]


def test_the_rule_modules_are_checked() -> None:
    """The rules spell Mantle most often; a walk that missed their package would pass on nothing."""
    checked = {p.relative_to(ROOT).as_posix() for p in ROOT.rglob("*.py")}
    assert {"lint/rules/mnt005_bearer_token_on_specific_resource.py", "lint/rules/mnt007_bad_mantle_arn.py"} <= checked
