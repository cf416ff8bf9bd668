"""Paths shared by the reader tests (conftest.py puts this folder on sys.path)."""

from __future__ import annotations

import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "readers"
