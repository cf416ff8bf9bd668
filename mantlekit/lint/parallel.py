"""Linting many loose policy files on several cores.

A directory of policy files is the one input whose files are independent of each other: each is read,
normalised and checked by the document rules alone. Everything that looks across files (templates,
cloud assemblies, account details, principals, the capability matrix) stays in the main process.

Workers are forked (POSIX) after the rules and the catalog index are loaded, so they start with nothing
to import. Each takes every ``jobs``-th file and sends back, per file, only what the report needs: its
findings, its read errors and whether it was a policy. A file that is not a loose policy comes back as
``None`` and the main process reads it with the full reader chain, in walk order, so the result is the
same as a sequential run. A worker that fails for any reason has its share done again in the main
process: parallelism may save time, never change an answer.
"""

from __future__ import annotations

import os
import pickle
import signal
from collections.abc import Sequence
from dataclasses import dataclass

from mantlekit.lint.findings import Finding, InputError
from mantlekit.lint.rules.base import Rule

#: Below this many files per extra worker a fork costs more than it saves.
MIN_FILES_PER_JOB = 50


@dataclass(slots=True)
class FileResult:
    """What linting one loose file produced."""

    findings: list[Finding]
    errors: list[InputError]
    #: True when the file was a policy document (counted in the summary's files).
    recognised: bool


def lint_loose_file(path: str, rules: Sequence[Rule]) -> FileResult | None:
    """Read ``path`` and, if it is a loose policy document, apply the document ``rules`` to it.

    None when another reader must handle the file (a template, an assembly, account details).
    """
    from mantlekit.lint.readers import is_policy, load_text, read_policy

    try:
        data, text = load_text(path)
    except InputError as e:
        return FileResult([], [e], False)
    try:
        if not is_policy(data, path):
            return None
        inv = read_policy(data, text, path)
        findings = [f for doc in inv.documents for r in rules for f in r.check_document(doc)]  # type: ignore[misc]
    except RecursionError:
        return FileResult([], [InputError(path, "nested too deeply to be read")], False)
    return FileResult(findings, inv.errors, True)


def usable_jobs(requested: int, files: int) -> int:
    """How many processes to use: ``requested`` (0 = one per available core), fewer when there are too
    few files to be worth a fork, 1 where ``os.fork`` does not exist."""
    if not hasattr(os, "fork"):
        return 1
    if requested <= 0:
        try:
            requested = len(os.sched_getaffinity(0))
        except (AttributeError, OSError):
            requested = os.cpu_count() or 1
    return max(1, min(requested, files // MIN_FILES_PER_JOB))


def lint_files(paths: Sequence[str], rules: Sequence[Rule], jobs: int) -> list[FileResult | None]:
    """:func:`lint_loose_file` for every path, on up to ``jobs`` processes; results in the order of
    ``paths``."""
    if jobs <= 1:
        return [lint_loose_file(p, rules) for p in paths]
    shares = [range(i, len(paths), jobs) for i in range(jobs)]
    results: list[FileResult | None] = [None] * len(paths)
    children: list[tuple[int, int, range]] = []
    try:
        for share in shares[1:]:
            children.append(_fork(paths, rules, share))
        for i in shares[0]:
            results[i] = lint_loose_file(paths[i], rules)
        while children:
            pid, fd, share = children[0]
            part = _collect(pid, fd, len(share))
            children.pop(0)
            if part is None:  # the worker failed: its share is done here
                part = [lint_loose_file(paths[i], rules) for i in share]
            for i, res in zip(share, part, strict=True):
                results[i] = res
    finally:
        for pid, fd, _ in children:  # only after an exception (e.g. Ctrl-C) in this process
            _stop(pid, fd)
    return results


def _fork(paths: Sequence[str], rules: Sequence[Rule], share: range) -> tuple[int, int, range]:
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker: never returns, never runs the parent's exit handlers or flushes its buffers
        code = 1
        try:
            os.close(read_fd)
            payload = pickle.dumps([lint_loose_file(paths[i], rules) for i in share], pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_fd, "wb") as out:
                out.write(payload)
            code = 0
        except BaseException:  # the parent redoes the share; nothing may escape a fork
            pass
        os._exit(code)
    os.close(write_fd)
    return pid, read_fd, share


def _collect(pid: int, fd: int, expected: int) -> list[FileResult | None] | None:
    """A worker's results, or None when it did not deliver a complete, well-formed answer."""
    with os.fdopen(fd, "rb") as src:
        payload = src.read()
    _, status = os.waitpid(pid, 0)
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        return None
    try:
        part = pickle.loads(payload)
    except Exception:  # a truncated or corrupt answer is redone, not trusted
        return None
    if not isinstance(part, list) or len(part) != expected:
        return None
    return part


def _stop(pid: int, fd: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
    try:
        os.waitpid(pid, 0)
    except OSError:
        pass
    try:
        os.close(fd)
    except OSError:
        pass
