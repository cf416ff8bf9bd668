"""Shared set-up for the reference-app tests (tests/app).

Same environment as the Makefile for a bare ``pytest`` run (jsii's package cache inside the project, the
venv's node 24), and ``app_helpers`` importable from the test modules. Each test module synthesizes one
app, in a module-scoped fixture: one jsii process serves the whole pytest run, so later synths are cheap.
"""

from __future__ import annotations

import pathlib
import sys

# jsii settings (cache, node) come from tests/conftest.py.

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
