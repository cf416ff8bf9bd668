"""MNT008 (management power on a key or inference principal) and MNT009 (declared capability missing)."""

from tests.lint.rules.helpers import ALLOW_KEY, ALLOW_USE, PROJECT, findings, managed, policy, principal


def test_full_access_key_gets_mnt008_naming_actions_and_statement():
    p = principal(managed("AmazonBedrockMantleFullAccess"))
    [f] = findings("MNT008", principals=(p,))
    assert f.severity == "warning"
    assert "CreateProject" in f.message and "PutAccountDataRetention" in f.message
    assert "(Sid BedrockMantleAll)" in f.message
    assert len(f.details["management_actions"]) == 15


def test_inference_access_key_is_clean():
    assert findings("MNT008", principals=(principal(managed("AmazonBedrockMantleInferenceAccess")),)) == []


def test_role_with_admin_need_is_not_flagged_but_inference_role_is():
    admin = policy({"Effect": "Allow", "Action": "bedrock-mantle:*", "Resource": "*"})
    assert findings("MNT008", principals=(principal(admin, kind="role", needs=("projects-admin",)),)) == []
    assert findings("MNT008", principals=(principal(admin, kind="role"),)) == []  # no declared needs: no judgement
    [f] = findings("MNT008", principals=(principal(admin, kind="role", needs=("inference",)),))
    assert f.principal == "bot"


def test_fine_tuning_need_excludes_its_actions():
    ft = policy(
        {"Effect": "Allow", "Action": ["bedrock-mantle:*FineTuningJob*", "bedrock-mantle:*File*"], "Resource": PROJECT}
    )
    p = principal(ft, policy(ALLOW_KEY), needs=("fine-tuning",))
    assert findings("MNT008", principals=(p,)) == []


def test_missing_declared_capability():
    p = principal(policy(ALLOW_KEY, ALLOW_USE), needs=("list-models", "inference", "responses-state", "files"))
    got = findings("MNT009", principals=(p,))
    assert [(f.details["capability"], f.details["route"]) for f in got] == [
        ("files", "GET /v1/files"),
        ("responses-state", "GET /v1/responses/{response_id}"),
    ]
    assert findings("MNT009", principals=(principal(managed("AmazonBedrockMantleFullAccess"), needs=("files",)),)) == []


READ_PROJECTS = {
    "Effect": "Allow",
    "Action": ["bedrock-mantle:Get*", "bedrock-mantle:List*"],
    "Resource": "arn:aws:bedrock-mantle:*:*:project/*",
}


def test_account_wide_retention_read_is_judged_on_star_once_whatever_the_projects():
    """GetAccountDataRetention has no resource type: Get* on project/* (AmazonBedrockMantleReadOnly's shape)
    does not grant it, and the finding is about the account, not each project."""
    p = principal(
        policy(READ_PROJECTS), kind="role", projects=("proj_abc123", "proj_other9"), needs=("retention-read",)
    )
    [f] = findings("MNT009", principals=(p,))
    assert f.message == (
        "bot cannot use retention-read in the account (GET /v1/data_retention → "
        "bedrock-mantle:GetAccountDataRetention): no statement in the identity-based policies allows it"
    )
    assert (f.details["route"], f.details["resource"]) == ("GET /v1/data_retention", "*")
    assert f.details["suggested_statement"] == {
        "Effect": "Allow",
        "Action": "bedrock-mantle:GetAccountDataRetention",
        "Resource": "*",
    }
    star = policy({"Effect": "Allow", "Action": "bedrock-mantle:GetAccountDataRetention", "Resource": "*"})
    assert findings("MNT009", principals=(principal(star, kind="role", needs=("retention-read",)),)) == []


def test_reading_the_retention_mode_is_use_so_management_power_is_still_flagged():
    admin = policy({"Effect": "Allow", "Action": "bedrock-mantle:*", "Resource": "*"})
    [f] = findings("MNT008", principals=(principal(admin, kind="role", needs=("inference", "retention-read")),))
    assert "PutAccountDataRetention" in f.message
