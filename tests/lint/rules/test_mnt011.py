"""MNT011: a Mantle project resource in a stack whose region has no AWS::BedrockMantle::Project type."""

from pathlib import Path

from mantlekit.lint.config import Config
from mantlekit.lint.readers import read_paths
from mantlekit.lint.runner import lint_inventory

READERS = Path(__file__).resolve().parents[2] / "fixtures" / "readers"
ASSEMBLY = READERS / "cdk-regions"
TEMPLATE = READERS / "cfn" / "mantle-team.yaml"


def mnt011(*paths: Path):
    result = lint_inventory(read_paths([str(p) for p in paths]), Config(select=("MNT011",)))
    return result.findings


def test_project_in_a_region_without_the_resource_type():
    (f,) = mnt011(ASSEMBLY)
    assert (f.rule, f.severity, f.file, f.line, f.column, f.principal) == (
        "MNT011",
        "error",
        str(ASSEMBLY / "ChatFrankfurt.template.json"),
        3,
        22,
        None,
    )
    assert f.message == (
        "AWS::BedrockMantle::Project ProjectC3A8A2E5 cannot be deployed in eu-central-1: CloudFormation has no "
        "AWS::BedrockMantle::Project resource type there, although Mantle serves the region; use the default "
        "project, or create the project with the Projects API (POST /v1/organization/projects) and pass its id "
        "to the stack"
    )
    assert f.details == {
        "region": "eu-central-1",
        "resource_type": "AWS::BedrockMantle::Project",
        "label": "ProjectC3A8A2E5 (ChatFrankfurt/Project)",
        "construct_path": "ChatFrankfurt/Project",
    }
    assert f.fix.startswith("Use the account's default project there")


def test_the_reader_records_project_resources_with_the_stack_region():
    got = [(r.file.rsplit("/", 1)[-1], r.logical_id, r.line, r.region) for r in read_paths([str(ASSEMBLY)]).resources]
    assert sorted(got) == [
        ("ChatAnywhere.template.json", "ProjectC3A8A2E5", 3, None),
        ("ChatFrankfurt.template.json", "ProjectC3A8A2E5", 3, "eu-central-1"),
        ("ChatVirginia.template.json", "ProjectC3A8A2E5", 3, "us-east-1"),
    ]


def test_a_bare_template_can_go_anywhere():
    (r,) = read_paths([str(TEMPLATE)]).resources
    assert (r.type, r.logical_id, r.line, r.region) == ("AWS::BedrockMantle::Project", "TeamProject", 23, None)
    assert mnt011(TEMPLATE) == []
