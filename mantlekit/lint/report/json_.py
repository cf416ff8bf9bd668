"""``--format json``: one JSON document (schema in the README, ``version`` 1)."""

from __future__ import annotations

import json
from typing import Any

from mantlekit.lint.report import Run

SCHEMA_VERSION = 1


def document(run: Run) -> dict[str, Any]:
    return {
        "version": SCHEMA_VERSION,
        "findings": [f.to_json() for f in run.result.findings],
        "summary": run.summary(),
        "errors": [
            {"file": e.file, "line": e.line, "column": e.column, "message": e.message} for e in run.result.errors
        ],
    }


def render(run: Run) -> str:
    return json.dumps(document(run), indent=2, ensure_ascii=False, default=str) + "\n"
