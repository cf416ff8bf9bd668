"""Every value class (a ``mantlekit._record.Record``) keeps its ``__init__``, ``_fields``/``__slots__`` and
annotations in step: ``repr``, equality and hashing read ``_fields``, so a field added to ``__init__`` alone
would silently be left out of them."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterator

import mantlekit
from mantlekit._record import Record


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _records() -> list[type]:
    # The constructs import aws-cdk (seconds) and define no value classes.
    for m in pkgutil.walk_packages(mantlekit.__path__, "mantlekit."):
        if not m.name.startswith("mantlekit.constructs"):
            importlib.import_module(m.name)
    return sorted(
        (c for c in set(_subclasses(Record)) if c.__module__.startswith("mantlekit.") and c._fields),
        key=lambda c: (c.__module__, c.__qualname__),
    )


def test_records_found() -> None:
    names = {c.__qualname__ for c in _records()}
    assert {"Finding", "InputError", "Policy", "Statement", "Principal", "Arn"} <= names


def test_init_fields_slots_and_annotations_agree() -> None:
    problems = []
    for c in _records():
        where = f"{c.__module__}.{c.__qualname__}"
        params = tuple(p for p in inspect.signature(c.__init__).parameters if p != "self")
        if params != c._fields:
            problems.append(f"{where}: __init__ {params} but _fields {c._fields}")
        # An exception has a __dict__ whatever its slots, so InputError declares none.
        if not issubclass(c, BaseException) and c.__dict__.get("__slots__") != c._fields:
            problems.append(f"{where}: __slots__ {c.__dict__.get('__slots__')} but _fields {c._fields}")
        missing = [f for f in c._fields if f not in inspect.get_annotations(c)]
        if missing:
            problems.append(f"{where}: fields without an annotation: {missing}")
    assert problems == []
