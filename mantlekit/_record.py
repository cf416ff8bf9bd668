"""Small value classes without ``dataclasses``.

The linter's start-up is part of its speed (pre-commit runs it on every commit): importing ``dataclasses``
(it imports ``inspect``) and letting it generate and compile the methods of the two dozen classes a lint run
loads cost about 30 ms, a fifth of linting 800 policy files. Those classes therefore spell out ``__slots__``
and ``__init__`` (the hot part: statements and findings are made by the thousand) and take ``repr``,
equality and hashing from the bases here, driven by their ``_fields``.

When ``dataclasses`` is allowed: in modules imported only when an input needs them (the template, account,
workloads and Terraform readers, :mod:`mantlekit.lint.iamgraph`, the catalog updater), never in a module
every run imports (the CLI, configuration, model, engine, rules, reporters, the readers' package). Measured
on Python 3.11 (2 shared cores): ``import dataclasses`` 6-10 ms, generating 24 six-field classes another 10 ms;
the whole ``--version`` start-up is about 50 ms.

Three things must agree in each class and nothing but a test checks them (tests/test_record.py): the
``__init__`` parameters, ``_fields`` (and ``__slots__``, the same tuple) and the class annotations.
"""

from __future__ import annotations

from typing import Any


class Record:
    """``repr`` from ``_fields``; equality is identity (documents, statements: two equal texts in two files
    are two documents)."""

    __slots__ = ()
    #: Field names, in ``__init__`` order.
    _fields: tuple[str, ...] = ()
    #: Fields left out of ``repr`` (a back-reference that would recurse).
    _hidden: tuple[str, ...] = ()

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._fields)

    def __repr__(self) -> str:
        shown = ", ".join(f"{n}={getattr(self, n)!r}" for n in self._fields if n not in self._hidden)
        return f"{type(self).__name__}({shown})"


class ValueRecord(Record):
    """Equal when of the same class with equal fields; unhashable, since its fields may change."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    __hash__ = None  # type: ignore[assignment]  # Python's way to say unhashable


class FrozenRecord(ValueRecord):
    """A value that is not changed after ``__init__`` (by convention): equal by fields and hashable."""

    __slots__ = ()

    def __hash__(self) -> int:  # type: ignore[override]  # hashable again, after ValueRecord's None
        return hash(self._values())
