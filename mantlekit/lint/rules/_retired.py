"""How IAM002 and IAM003 report what AWS retired (shared, so the two rules say it alike without importing
each other)."""

from __future__ import annotations

#: Retired services and actions (an earlier catalog knew them, AWS's reference no longer lists them) are
#: "info": the policy was valid when written and is harmless now (the entry matches no request, and a Deny
#: naming it has nothing left to block), AWS's own current managed policies still carry such entries
#: (ReadOnlyAccess, SecurityAudit), and a warning would fail CI for everyone who runs ``fail-on = warning``.
RETIRED_SEVERITY = "info"
RETIRED_FIX = "Remove the entry when convenient: the service or action no longer exists."
