"""``mantle-lint diff --format json``: the comparison for machines (schema: README, "mantle-lint diff").

Top level: ``version`` (:data:`mantlekit.lint.diff.JSON_VERSION`), ``base``, ``head`` (the sides' labels),
``changes[]`` (one per principal × project × capability whose verdict changed), ``principals[]`` (those with
changes, or only on one side), ``findings: {new[], fixed[]}`` (as in the lint report), ``summary`` and
``errors[]`` (input errors; when there are any nothing was compared and ``changes`` is empty).
"""

from __future__ import annotations

import json
from typing import Any

from mantlekit.lint.diff import JSON_VERSION
from mantlekit.lint.report.diff_run import DiffRun


def document(run: DiffRun) -> dict[str, Any]:
    diff = run.diff
    return {
        "version": JSON_VERSION,
        "base": diff.base_label if diff else None,
        "head": diff.head_label if diff else None,
        "changes": [c.to_json() for c in diff.changes] if diff else [],
        "principals": [p.to_json() for p in diff.principals] if diff else [],
        "findings": {
            "new": [f.to_json() for f in diff.new_findings] if diff else [],
            "fixed": [f.to_json() for f in diff.fixed_findings] if diff else [],
        },
        "summary": run.summary(),
        "errors": [
            {"side": side.label, "file": e.file, "line": e.line, "column": e.column, "message": e.message}
            for side, e in run.errors
        ],
    }


def render(run: DiffRun) -> str:
    return json.dumps(document(run), indent=2, ensure_ascii=False) + "\n"
