"""Readers: turn the paths a user gives into an :class:`Inventory`.

Directories are walked recursively; files are recognised by content, not by name. Each kind of input has
a module here with ``sniff(data, path) -> bool`` and ``read(data, text, path) -> Inventory``; the first
that claims a document reads it. A cloud assembly (``cdk.out``) claims its whole directory, so its
templates are read once, with construct paths. What cannot be read becomes an :class:`InputError` and the
walk goes on.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from mantlekit._record import FrozenRecord
from mantlekit.iam.locate import JsonLocator
from mantlekit.iam.model import IDENTITY, RESOURCE, PolicyError, Source
from mantlekit.iam.parse import normalise
from mantlekit.lint.findings import InputError
from mantlekit.lint.inventory import Inventory

#: File name endings read at all; everything else is skipped quietly.
EXTENSIONS = (".json", ".yaml", ".yml", ".template", ".tf")
#: Directories never descended into when walking (they are not the user's policies).
SKIP_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", ".cache", ".tox", ".mypy_cache"}
MAX_BYTES = 20 * 1024 * 1024


class HclText(str):
    """The text of a ``.tf`` file, handed to the readers unparsed: only the Terraform reader parses HCL (and
    imports its parser only when it meets such a file)."""

    __slots__ = ()


class Reader(FrozenRecord):
    name: str
    sniff: Callable[[Any, str], bool]
    read: Callable[[Any, str, str], Inventory]

    __slots__ = _fields = ("name", "sniff", "read")

    def __init__(
        self, name: str, sniff: Callable[[Any, str], bool], read: Callable[[Any, str, str], Inventory]
    ) -> None:
        self.name = name
        self.sniff = sniff
        self.read = read


def _is_policy(data: Any, path: str) -> bool:
    return isinstance(data, dict) and "Statement" in data and "Resources" not in data


def _read_policy(data: Any, text: str, path: str) -> Inventory:
    inv = Inventory(files=[path])
    if type(data) is dict:  # from json.loads (YAML gives a dict subclass that carries its own locator)
        source = Source(path, JsonLocator(text))
    else:
        from mantlekit.lint.readers.yamlish import locator_of

        source = Source(path, locator_of(data))
    # A loose file does not say what it is attached to; a Principal element means resource-based (a
    # bucket, key, trust or VPC endpoint policy), anything else is read as identity-based.
    statements = data.get("Statement")
    items = statements if isinstance(statements, list) else [statements]
    named = any(isinstance(s, dict) and ("Principal" in s or "NotPrincipal" in s) for s in items)
    try:
        inv.documents.append(normalise(data, source, (), RESOURCE if named else IDENTITY))
    except PolicyError as e:
        inv.errors.append(InputError(e.file, e.message, e.line, e.column))
    return inv


#: Loose policy documents: the reader asked first, and the only one worker processes use.
POLICY_READER = Reader("policy", _is_policy, _read_policy)


def _lazy(modname: str) -> Reader:
    """A reader whose module is imported the first time a document gets past the policy check.

    Loose policy files, the common case in CI and pre-commit, then never pay for importing the template,
    assembly and account readers.
    """

    def module() -> Any:
        return importlib.import_module(f"mantlekit.lint.readers.{modname}")

    return Reader(modname, lambda data, path: module().sniff(data, path), lambda d, t, p: module().read(d, t, p))


def readers() -> list[Reader]:
    """Readers in the order they are asked. A policy document (``Statement``, no ``Resources``) cannot be
    mistaken for a template, an assembly manifest or account details, so it is asked first."""
    return [POLICY_READER, *(_lazy(m) for m in ("cdk_out", "cfn", "account", "terraform"))]


def _walk(path: str, errors: list[InputError]) -> Iterator[str]:
    if os.path.isfile(path):
        yield path
        return
    if not os.path.isdir(path):
        errors.append(InputError(path, "no such file or directory"))
        return

    def onerror(e: OSError) -> None:
        errors.append(InputError(e.filename or path, f"cannot read directory: {e.strerror}"))

    for root, dirs, files in os.walk(path, onerror=onerror):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        if "manifest.json" in files and _is_assembly(os.path.join(root, "manifest.json")):
            dirs[:] = []  # the cloud-assembly reader takes the whole directory
            yield os.path.join(root, "manifest.json")
            continue
        for f in sorted(files):
            if f.endswith(EXTENSIONS):
                yield os.path.join(root, f)


def _is_assembly(manifest: str) -> bool:
    try:
        with open(manifest, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError, RecursionError):
        return False
    # The assembly reader's own test, so the walk and the reader never disagree on what an assembly is.
    return importlib.import_module("mantlekit.lint.readers.cdk_out").sniff(data, manifest)


def _read_bytes(path: str) -> bytes:
    """The file's bytes, refusing more than MAX_BYTES. Plain ``os`` calls: a regular file is one open,
    one fstat and one read, about half the cost of a Python file object, which a large run feels."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        size = os.fstat(fd).st_size
        if size <= MAX_BYTES:
            data = os.read(fd, size + 1)
            if 0 < len(data) <= size:
                return data  # the whole file (a regular file is read in full or up to its end)
            parts, total = [data], len(data)
            while data and total <= MAX_BYTES:  # grown, empty by its size (a pipe, /proc) or a short read
                data = os.read(fd, 1 << 16)
                parts.append(data)
                total += len(data)
            if total <= MAX_BYTES:
                return b"".join(parts)
    finally:
        os.close(fd)
    raise InputError(path, f"file larger than {MAX_BYTES // (1024 * 1024)} MiB, not read")


def load_text(path: str) -> tuple[Any, str]:
    """Read and decode one file (JSON, or YAML with CloudFormation short forms). Raises InputError."""
    try:
        raw = _read_bytes(path)
    except OSError as e:
        raise InputError(path, f"cannot read: {e.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(path, f"not UTF-8 text (byte {e.start})") from None
    if path.endswith(".tf"):
        return HclText(text), text
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")) or path.endswith(".json"):
        try:
            return json.loads(text), text
        except json.JSONDecodeError as e:
            if path.endswith(".json") or stripped.startswith("{"):
                raise InputError(path, f"not valid JSON: {e.msg}", e.lineno, e.colno) from None
        except RecursionError:
            raise InputError(path, "nested too deeply to be read") from None
        except ValueError as e:  # e.g. an integer literal longer than Python converts
            raise InputError(path, f"not readable as JSON: {e}") from None
    from mantlekit.lint.readers import yamlish

    return yamlish.load(text, path), text


def walk_paths(paths: Sequence[str], errors: list[InputError]) -> list[str]:
    """Every file to read under ``paths``, in walk order, each once (by absolute path). What cannot be
    walked is added to ``errors``."""
    if len(paths) == 1:  # one walk never yields a file twice (symbolic links to directories are not followed)
        return list(_walk(paths[0], errors))
    out: list[str] = []
    seen: set[str] = set()
    for top in paths:
        for path in _walk(top, errors):
            real = os.path.abspath(path)
            if real not in seen:
                seen.add(real)
                out.append(path)
    return out


def read_paths(paths: Sequence[str]) -> Inventory:
    """Read every recognised document under ``paths``."""
    inv = Inventory()
    return read_files(walk_paths(paths, inv.errors), inv)


def read_files(files: Sequence[str], inv: Inventory) -> Inventory:
    """Read ``files`` (already walked) into ``inv``, then let the readers finish; returns ``inv``."""
    chain = readers()
    try:
        for path in files:
            inv.extend(read_file(path, chain))
    finally:
        finalize(inv)
    return inv


def finalize(inv: Inventory) -> None:
    """After every file: let readers that gather across files (paginated account details) finish."""
    for modname in ("cdk_out", "cfn", "account", "terraform"):
        mod = sys.modules.get(f"mantlekit.lint.readers.{modname}")
        hook = getattr(mod, "finalize", None)
        if hook is not None:
            hook(inv)


def read_file(path: str, chain: list[Reader] | None = None) -> Inventory:
    """Read one file with the first reader that recognises it; unrecognised files give an empty result."""
    try:
        data, text = load_text(path)
    except InputError as e:
        return Inventory(errors=[e])
    for reader in chain or readers():
        try:
            if reader.sniff(data, path):
                return reader.read(data, text, path)
        except RecursionError:
            return Inventory(errors=[InputError(path, "nested too deeply to be read")])
    return Inventory()
