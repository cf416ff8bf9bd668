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
