"""Readers: turn the paths a user gives into an :class:`Inventory`.

Directories are walked recursively; files are recognised by content, not by name. Each kind of input has
a module here with ``sniff(data, path) -> bool`` and ``read(data, text, path) -> Inventory``; the first
that claims a document reads it. A cloud assembly (``cdk.out``) claims its whole directory, so its
templates are read once, with construct paths. What cannot be read becomes an :class:`InputError` and the
walk goes on.
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import json
import os
import re
import stat
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
#: The largest file read, in bytes (``--max-file-size``, ``max-file-size`` in the configuration). Sized for
#: account authorization details, the largest input people give: the fixtures and the benchmark's generated
#: account hold 2.0-2.2 KB per principal as the AWS CLI writes them (indent 4), so 5,000 principals with
#: twice that are 20 MB; 64 MiB leaves three times that for managed policies and their versions. A file
#: read costs about ten times its size in memory.
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
MAX_BYTES = DEFAULT_MAX_BYTES


@contextlib.contextmanager
def max_file_size(limit: int | None) -> Iterator[None]:
    """Read with ``limit`` bytes as the largest file (None: leave it) while the block runs. A module
    setting rather than an argument because worker processes fork from the reading process and the
    limit must reach every reader of the chain without each passing it on."""
    global MAX_BYTES
    saved = MAX_BYTES
    if limit is not None:
        MAX_BYTES = limit
    try:
        yield
    finally:
        MAX_BYTES = saved


def format_size(n: int) -> str:
    """``64 MiB``, ``1.5 KiB``, ``900 bytes``: sizes as the messages and --help show them."""
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            v = n / scale
            return f"{v:.0f} {unit}" if v == int(v) else f"{v:.1f} {unit}"
    return f"{n} bytes"


_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(b|bytes?|k|kb|kib|m|mb|mib|g|gb|gib)?\s*$", re.IGNORECASE)
_SCALES = {"": 1, "b": 1, "byte": 1, "bytes": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}


def parse_size(value: str | int) -> int | None:
    """Bytes from ``67108864``, ``"64MiB"``, ``"64 MB"``, ``"1.5G"`` (K, M and G are binary, as in the
    messages); None for anything else, zero or negative."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    m = _SIZE_RE.match(value) if isinstance(value, str) else None
    if not m:
        return None
    unit = (m[2] or "").lower()
    scale = _SCALES.get(unit, _SCALES.get(unit[:1], 1))
    n = int(float(m[1]) * scale)
    return n if n > 0 else None


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
        inv.errors.append(InputError.of(e))
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


#: Paths of descriptors a process already holds open: ``/dev/stdin`` and the ``/dev/fd/N`` of a shell's
#: process substitution (``mantle-lint <(aws iam get-account-authorization-details)``).
_OPEN_DESCRIPTORS = ("/dev/stdin", "/dev/fd/", "/proc/self/fd/")


_PIPES = "pipes given as /dev/stdin or /dev/fd/N"


def _stdin_like(path: str) -> bool:
    """Whether ``path`` names a descriptor that is already open, whose pipe therefore has a writer."""
    p = os.path.abspath(path)
    return p == "/dev/stdin" or p.startswith(_OPEN_DESCRIPTORS[1:])


def _special(mode: int, path: str) -> str | None:
    """What a file that is not a regular file or directory is, for the message that refuses it; None for
    a file that is read.

    Read: regular files, and a pipe named through an open descriptor (``/dev/stdin``, ``/dev/fd/N``),
    which has a writer, so reading it ends when the writer does. Refused without being read: a named pipe
    (FIFO) on disk, whose ``open`` blocks until some process writes, possibly never; character and block
    devices (``/dev/null``, a terminal as ``/dev/stdin``: not a saved document, and a terminal would wait
    for typing); sockets. Save the input to a file and lint that."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        if _stdin_like(path):
            return None
        what = "a named pipe (FIFO)"
    elif stat.S_ISCHR(mode):
        what = "a character device"
    elif stat.S_ISBLK(mode):
        what = "a block device"
    elif stat.S_ISSOCK(mode):
        what = "a socket"
    else:
        what = "a file of an unknown kind"
    return f"{what}, not a regular file: not read (mantle-lint reads regular files, and {_PIPES})"


def _missing(path: str, e: OSError) -> str:
    """Why a named path cannot be looked at, said as what it is (a link loop is not "no such file")."""
    if e.errno == errno.ELOOP:
        return "a symbolic link loop: not read"
    if e.errno == errno.ENOENT:
        if os.path.islink(path):
            return f"a broken symbolic link (to {os.readlink(path)}): not read"
        return "no such file or directory"
    if e.errno == errno.ENAMETOOLONG:
        return "file name too long"
    return f"cannot read: {e.strerror or e}"


def _walk(path: str, errors: list[InputError]) -> Iterator[str]:
    try:
        st = os.stat(path)
    except (OSError, ValueError) as e:  # ValueError: a NUL in the name
        errors.append(InputError(path, _missing(path, e) if isinstance(e, OSError) else "not a valid file name"))
        return
    if not stat.S_ISDIR(st.st_mode):
        special = _special(st.st_mode, path)
        if special is not None:
            errors.append(InputError(path, special))
            return
        yield path
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
    sniff: Callable[[Any, str], bool] = importlib.import_module("mantlekit.lint.readers.cdk_out").sniff
    return sniff(data, manifest)


def _read_bytes(path: str) -> bytes:
    """The file's bytes, refusing more than MAX_BYTES. Plain ``os`` calls: a regular file is one open,
    one fstat and one read, about half the cost of a Python file object, which a large run feels.

    Opened non-blocking (except a pipe through ``/dev/fd``, which has its writer), so a FIFO met in a
    directory, or put in place after the walk, cannot hang the run; then refused (see :func:`_special`)."""
    nonblocking = 0 if _stdin_like(path) else getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0) | nonblocking)
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
        special = _special(st.st_mode, path)
        if special is not None:
            raise InputError(path, special)
        size = st.st_size
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
    raise InputError(
        path, f"file larger than {format_size(MAX_BYTES)}, not read (raise the limit with --max-file-size)"
    )


class _NotJson(ValueError):
    """Raised by the decoder's hooks: ``what`` is the message, ``kind`` tells :func:`_place` what to find."""

    def __init__(self, kind: str, what: str) -> None:
        super().__init__(what)
        self.kind, self.what = kind, what


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """The object of ``pairs``; a key written twice is an error (json.loads keeps the last, silently, where
    a reviewer reads the first). Measured on the 1,645 AWS managed policies (4.6 MB): 14 ms against 10 ms
    for json.loads without a hook, about 1% of linting them; detecting duplicates afterwards costs more
    (a walk of the result, 17 ms; a regex count of keys, 19 ms)."""
    d = dict(pairs)
    if len(d) != len(pairs):
        seen: set[str] = set()
        for k, _ in pairs:
            if k in seen:
                raise _NotJson("duplicate", k)
            seen.add(k)
    return d


def _constant(name: str) -> Any:
    raise _NotJson("constant", name)


#: json.loads with the two checks above (the same C scanner; NaN and Infinity are not JSON).
_DECODER = json.JSONDecoder(object_pairs_hook=_pairs, parse_constant=_constant)
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\],:]|[^\s{}\[\],:"]+')


def _position(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _place(text: str, e: _NotJson) -> tuple[str, int, int]:
    """The message and place of what the decoder refused: a scan of the tokens (only on this error path)."""
    if e.kind == "duplicate":
        frames: list[dict[str, int] | None] = []  # keys seen in each open object (None: an array)
        expecting = False
        for m in _TOKEN.finditer(text):
            tok = m.group()
            if tok == "{":
                frames.append({})
                expecting = True
            elif tok == "[":
                frames.append(None)
            elif tok in "}]":
                if frames:
                    frames.pop()
                expecting = False
            elif tok == ",":
                expecting = bool(frames) and frames[-1] is not None
            elif tok == ":":
                expecting = False
            elif expecting and frames and frames[-1] is not None:
                try:
                    key = json.loads(tok)
                except ValueError:
                    key = tok
                keys = frames[-1]
                if key == e.what and key in keys:
                    first = _position(text, keys[key])[0]
                    return (f'duplicate key "{key}" (first at line {first})', *_position(text, m.start()))
                keys.setdefault(key, m.start())
                expecting = False
        return f'duplicate key "{e.what}"', 1, 1
    if e.kind == "constant":
        for m in _TOKEN.finditer(text):
            if m.group() == e.what:
                message = f"{e.what} is not JSON (IAM and CloudFormation read JSON numbers only)"
                return message, *_position(text, m.start())
    return f"{e.what} is not JSON", 1, 1


def _long_number(text: str) -> tuple[str, int, int]:
    """The message and place of the first number longer than Python converts (sys.get_int_max_str_digits)."""
    limit = sys.get_int_max_str_digits() if hasattr(sys, "get_int_max_str_digits") else 4300
    for m in _TOKEN.finditer(text):
        tok = m.group()
        digits = sum(c.isdigit() for c in tok) if tok[0] in "-0123456789" else 0
        if digits > limit:
            return f"a number of {digits:,} digits, longer than any IAM value", *_position(text, m.start())
    return "a number too long to read", 1, 1


def _looks_like_toml(text: str) -> bool:
    """``[table]`` headers or ``key = value`` lines: a TOML file (say so, rather than "not valid YAML")."""
    return bool(re.search(r"^\s*\[[A-Za-z0-9_.\"' -]+\]\s*$", text, re.M)) or bool(
        re.search(r"^\s*[A-Za-z0-9_\"-]+\s*=\s*\S", text, re.M)
    )


#: Words one of the inputs has in its text even when cut short: a policy's ``Version`` (its first key, and
#: in ``AWSTemplateFormatVersion``) and ``Statement``, a template's ``Resources``, an assembly manifest's
#: ``artifacts``, the lists and the paging of account authorization details.
CONTENT_MARKERS = (
    "Version",
    "Statement",
    "Resources",
    "artifacts",
    "UserDetailList",
    "GroupDetailList",
    "RoleDetailList",
    "IsTruncated",
)


def looks_like_input(text: str) -> bool:
    """Whether text that does not parse could still be meant as a policy, template, assembly or account
    details. A file that is neither (``tsconfig.json`` with comments, a Helm chart's templated YAML) is no
    business of this linter, so a parse error in it would only fail a pre-commit run for nothing."""
    return any(m in text for m in CONTENT_MARKERS)


def load_text(path: str, strict: bool = True) -> tuple[Any, str]:
    """Read and decode one file (JSON, or YAML with CloudFormation short forms). Raises InputError.

    ``strict=False`` (files found by walking or named on the command line): a file that does not parse and
    does not look like any input by its text (:func:`looks_like_input`) gives ``(None, text)``, which no
    reader claims, instead of an error. A file another input names (an assembly's template) is always
    strict: it is meant to be one.
    """
    try:
        raw = _read_bytes(path)
    except OSError as e:
        gone = e.errno in (errno.ELOOP, errno.ENOENT)
        raise InputError(path, _missing(path, e) if gone else f"cannot read: {e.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(path, f"not UTF-8 text (byte {e.start})") from None
    if path.endswith(".tf"):
        return HclText(text), text
    try:
        return _parse(text, path)
    except InputError:
        if strict or looks_like_input(text):
            raise
        return None, text


def _parse(text: str, path: str) -> tuple[Any, str]:
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")) or path.endswith(".json"):
        try:
            return _DECODER.decode(text), text
        except json.JSONDecodeError as e:
            if path.endswith(".json") or stripped.startswith("{"):
                raise InputError(path, f"not valid JSON: {e.msg}", e.lineno, e.colno) from None
        except _NotJson as e:
            raise InputError(path, *_place(text, e)) from None
        except RecursionError:
            raise InputError(path, "nested too deeply to be read") from None
        except ValueError as e:  # an integer literal longer than Python converts
            if "digits" in str(e):
                raise InputError(path, *_long_number(text)) from None
            raise InputError(path, f"not readable as JSON: {e}") from None
    from mantlekit.lint.readers import yamlish

    try:
        return yamlish.load(text, path), text
    except InputError as e:
        if e.message.startswith("not valid YAML") and (path.endswith(".toml") or _looks_like_toml(text)):
            message = (
                "a TOML file, not JSON or YAML: mantle-lint lints policies, templates and account details "
                "(a configuration file is given with --config)"
            )
            raise InputError(path, message) from None
        raise


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
        data, text = load_text(path, strict=False)
    except InputError as e:
        return Inventory(errors=[e])
    for reader in chain or readers():
        try:
            if reader.sniff(data, path):
                return reader.read(data, text, path)
        except RecursionError:
            return Inventory(errors=[InputError(path, "nested too deeply to be read")])
    return Inventory()
