"""MantleConfigError: stable codes, construct paths, and the README's list of codes kept current."""

from __future__ import annotations

import ast
import copy
import pathlib
import pickle

import aws_cdk as cdk
import pytest
from construct_helpers import new_stack

from mantlekit.constructs import ERROR_CODES, MantleConfigError, MantleProject, grant_bearer_token
from mantlekit.constructs.errors import markdown_table

ROOT = pathlib.Path(__file__).resolve().parents[2]
CONSTRUCTS = ROOT / "mantlekit" / "constructs"
#: The functions that make a MantleConfigError; every call must pass ``code=`` as a literal.
MAKERS = {"prop_error", "config_error", "MantleConfigError"}


def _raise_sites() -> list[tuple[str, int, ast.expr | None]]:
    sites = []
    for path in sorted(CONSTRUCTS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", getattr(node.func, "attr", None))
                if name in MAKERS:
                    code = next((k.value for k in node.keywords if k.arg == "code"), None)
                    sites.append((path.name, node.lineno, code))
    return sites


def test_every_raise_site_names_a_listed_code_and_every_listed_code_is_raised():
    sites = _raise_sites()
    # errors.py itself builds the error from a variable code (config_error, _rebuild): those are the plumbing.
    literal = [(f, line, c) for f, line, c in sites if f != "errors.py"]
    assert len(literal) > 40
    not_literal = [
        (f, line) for f, line, c in literal if not (isinstance(c, ast.Constant) and isinstance(c.value, str))
    ]
    assert not_literal == []
    used = {c.value for _, _, c in literal if isinstance(c, ast.Constant)}
    assert sorted(used - set(ERROR_CODES)) == []  # raised but not documented
    assert sorted(set(ERROR_CODES) - used) == []  # documented but never raised


def test_codes_are_pascal_case_and_start_with_mantle():
    bad = [c for c in ERROR_CODES if not (c.startswith("Mantle") and c.isalnum() and c[0].isupper())]
    assert bad == []


def test_readme_lists_every_code():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    begin = readme.index("<!-- error-codes:begin")
    table = readme[readme.index("-->", begin) + len("-->\n") : readme.index("<!-- error-codes:end -->")]
    assert table == markdown_table(), "regenerate the table with mantlekit.constructs.errors.markdown_table()"


def test_error_exposes_code_path_and_message_and_stays_a_value_error():
    with pytest.raises(ValueError) as err:
        MantleProject(new_stack(), "Search", name="")
    e = err.value
    assert isinstance(e, MantleConfigError)
    assert (e.code, e.construct_path) == ("MantleProjectNameLength", "Test/Search")
    assert e.message == "MantleProject: `name` must be 1-128 characters (got 0)"
    assert str(e) == "MantleProject: `name` must be 1-128 characters (got 0) [MantleProjectNameLength at Test/Search]"
    assert e.args == (e.message,)


def test_error_survives_pickle_and_copy():
    e = MantleConfigError("M: `x` is bad", code="MantleProjectNameLength", construct_path="S/P")
    for clone in (pickle.loads(pickle.dumps(e)), copy.copy(e)):
        assert (clone.message, clone.code, clone.construct_path, str(clone)) == (
            e.message,
            e.code,
            e.construct_path,
            str(e),
        )


def test_import_errors_name_the_path_the_import_would_get():
    stack = new_stack()
    with pytest.raises(MantleConfigError) as err:
        MantleProject.from_project_id(stack, "Imported", "nope")
    assert (err.value.code, err.value.construct_path) == ("MantleProjectIdInvalid", "Test/Imported")
    with pytest.raises(MantleConfigError) as err:
        MantleProject.from_project_arn(cdk.App(), "AtRoot", "nope")
    assert (err.value.code, err.value.construct_path) == ("MantleProjectArnInvalid", "AtRoot")


def test_an_error_about_no_construct_has_no_path():
    with pytest.raises(MantleConfigError) as err:
        grant_bearer_token(None, token_type="LONG_TERM")  # type: ignore[arg-type]
    assert (err.value.code, err.value.construct_path) == ("MantleTokenTypeInvalid", None)
    assert (
        str(err.value)
        == "grant_bearer_token: `token_type` must be a TokenType, got 'LONG_TERM' [MantleTokenTypeInvalid]"
    )
