"""The rule registry: every module of this package is a rule, found by listing the package.

Like cfn-lint, the registry lists the package's modules instead of keeping a list by hand: a rule is one
self-contained module ``<id>_<name>.py`` defining ``RULE``, and adding the file is all it takes to run it.
Modules whose names start with ``_``, and ``base``, are helpers that rules share. A rule module that fails
to import is an error of the whole run, never skipped: a security rule must not vanish silently.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import os
from functools import lru_cache

from mantlekit.lint.rules.base import Rule

#: Modules of this package that are not rules (besides those starting with ``_``).
HELPERS = frozenset({"base"})


def rule_module_names() -> tuple[str, ...]:
    """The rule modules of this package (``iam001_policy_structure``, ...), sorted.

    What :func:`pkgutil.iter_modules` finds, without its cost on the lint path: for a directory it imports
    :mod:`inspect` (4 ms, 2% of a one-file run) to strip file suffixes, which this does with the import
    system's own list. Anything but a directory (a zip) is left to pkgutil.
    """
    suffixes = sorted(importlib.machinery.all_suffixes(), key=len, reverse=True)
    names: set[str] = set()
    for entry in __path__:
        try:
            files = os.listdir(entry)
        except OSError:
            import pkgutil

            names.update(m.name for m in pkgutil.iter_modules([entry]) if not m.ispkg)
            continue
        for file in files:
            suffix = next((s for s in suffixes if file.endswith(s)), None)
            if suffix is not None and file[: -len(suffix)].isidentifier():
                names.add(file[: -len(suffix)])
    return tuple(sorted(n for n in names if not n.startswith("_") and n not in HELPERS))


@lru_cache(maxsize=1)
def all_rules() -> tuple[Rule, ...]:
    """Every rule, ordered by id: the order of ``--explain all``, SARIF's rule list and docs/rules.md."""
    rules = []
    for name in rule_module_names():
        module = importlib.import_module(f"{__name__}.{name}")
        rule = getattr(module, "RULE", None)
        if not isinstance(rule, Rule):
            raise ImportError(f"rule module {module.__name__} defines no RULE", name=module.__name__)
        rules.append(rule)
    return tuple(sorted(rules, key=lambda r: r.id))


def rule_by_id(rule_id: str) -> Rule | None:
    for r in all_rules():
        if r.id.lower() == rule_id.lower():
            return r
    return None
