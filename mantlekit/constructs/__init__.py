"""CDK constructs for Amazon Bedrock Mantle (``bedrock-mantle``).

Every Mantle fact (actions, ARN shapes, regions, condition keys) comes from :mod:`mantlekit.facts`.
Only this package imports aws_cdk; the linter (:mod:`mantlekit.lint`) must stay importable without it.
The CDK is the ``cdk`` extra (``pip install 'mantlekit[cdk]'``): without it, importing this package fails
with one ImportError naming that command, not with a traceback from deep inside a construct module.
"""

# First, for its side effect: one clear ImportError without the CDK, and jsii pointed at the wheel's node.
from mantlekit.constructs import _cdk  # noqa: F401  (isort keeps it first)
from mantlekit.constructs._common import TokenType, grant_bearer_token
from mantlekit.constructs.api_key_user import MantleApiKeyUser
from mantlekit.constructs.endpoint import MantleEndpoint
from mantlekit.constructs.errors import ERROR_CODES, MantleConfigError
from mantlekit.constructs.guardrails import MantleKeyGuardrails
from mantlekit.constructs.inference_role import MantleInferenceRole
from mantlekit.constructs.project import COST_CENTER_TAG_KEY, IMantleProject, MantleProject
from mantlekit.constructs.validation import MantleLintPlugin

__all__ = [
    "COST_CENTER_TAG_KEY",
    "ERROR_CODES",
    "IMantleProject",
    "MantleApiKeyUser",
    "MantleConfigError",
    "MantleEndpoint",
    "MantleInferenceRole",
    "MantleKeyGuardrails",
    "MantleLintPlugin",
    "MantleProject",
    "TokenType",
    "grant_bearer_token",
]
