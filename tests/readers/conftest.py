"""Shared setup for the reader tests: helpers on sys.path, and jsii settings for the one CDK synth."""

from __future__ import annotations

import os
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
# Let test modules `import reader_helpers` (pytest's import mode does not put test folders on sys.path).
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

# Same settings as the Makefile, for a bare `pytest` run (see tests/constructs/conftest.py).
os.environ.setdefault("JSII_RUNTIME_PACKAGE_CACHE_ROOT", str(ROOT / ".cache" / "jsii"))
_VENV_NODE = ROOT / ".venv" / "bin" / "node"
if _VENV_NODE.exists():
    os.environ.setdefault("JSII_NODE", str(_VENV_NODE))
