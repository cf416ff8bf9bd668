"""Shared helpers for the construct tests.

One jsii (node) process serves the whole pytest process; every test still needs its own ``App``. Modules
that assert many things about one stack build it once in a module-scoped fixture.
"""

from __future__ import annotations

import pathlib
import sys

# jsii settings (cache, node) come from tests/conftest.py.

# Let test modules `import construct_helpers` (pytest's import mode does not put test folders on sys.path).
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
