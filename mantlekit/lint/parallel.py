"""Linting many loose policy files on several cores.

A directory of policy files is the one input whose files are independent of each other: each is read,
normalised and checked by the document rules alone. Everything that looks across files (templates,
cloud assemblies, account details, principals, the capability matrix) stays in the main process.

Workers are forked (POSIX) after the rules and the catalog's action set are loaded, so they start with
nothing to import. Each takes chunks of consecutive files from a shared queue (see :func:`lint_files`) and
sends back, per file, only what the report needs: its findings, its read errors and whether it was a policy.
A file that is not a loose policy comes back as ``None`` and the main process reads it with the full reader
chain, in walk order, so the result is the same as a sequential run. What a worker fails to deliver, for any
reason, is done again in the main process: parallelism may save time, never change an answer.
"""

from __future__ import annotations

import os
import pickle
import signal
from collections.abc import Sequence

from mantlekit._record import ValueRecord
from mantlekit.lint.findings import Finding, InputError
from mantlekit.lint.infer import key_token_type
from mantlekit.lint.readers import POLICY_READER, read_file
from mantlekit.lint.rules.base import Rule
from mantlekit.lint.runner import Boundaries, as_used

#: Below this many files per extra worker a fork costs more than it saves.
MIN_FILES_PER_JOB = 50


class FileResult(ValueRecord):
    """What linting one loose file produced."""

    findings: list[Finding]
    errors: list[InputError]
    #: True when the file was a policy document (counted in the summary's files).
    recognised: bool
    #: True when the document is a Bedrock API-key policy (:func:`mantlekit.lint.infer.key_token_type`): the
    #: main process reads it again to infer its key principal.
    key_policy: bool

    __slots__ = _fields = ("findings", "errors", "recognised", "key_policy")

    def __init__(
        self, findings: list[Finding], errors: list[InputError], recognised: bool, key_policy: bool = False
    ) -> None:
        self.findings = findings
        self.errors = errors
        self.recognised = recognised
        self.key_policy = key_policy


#: Files read, then normalised, then checked together: phase by phase over a few dozen files keeps each
#: phase's code and data hot, about 15% faster than finishing one file before starting the next.
BATCH = 64
#: Workers read loose policy documents only; anything else goes back to the main process's full chain.
_POLICY_ONLY = [POLICY_READER]


def lint_loose_files(
    paths: Sequence[str], rules: Sequence[Rule], boundaries: Boundaries | None = None
) -> list[FileResult | None]:
    """For each path, a :class:`FileResult` if it is a loose policy document (read, normalised and
    checked by the document ``rules``) or could not be read; None when another reader must handle the
    file (a template, an assembly, account details). ``boundaries``: documents the configuration uses as
    permissions boundaries (see :func:`mantlekit.lint.runner.boundary_documents`)."""
    out: list[FileResult | None] = []
    for start in range(0, len(paths), BATCH):
        batch = paths[start : start + BATCH]
        for path, inv in zip(batch, [read_file(p, _POLICY_ONLY) for p in batch], strict=True):
            if not inv.files and not inv.errors:
                out.append(None)  # not a loose policy: another reader's
                continue
            try:
                docs = as_used(inv.documents, boundaries or {})
                findings = [f for doc in docs for r in rules for f in r.check_document(doc)]  # type: ignore[misc]  # rules with one
            except RecursionError:
                out.append(FileResult([], [InputError(path, "nested too deeply to be read")], False))
            else:
                keyed = any(key_token_type(doc) is not None for doc in inv.documents)
                out.append(FileResult(findings, inv.errors, bool(inv.files), keyed))
    return out


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


def lint_files(
    paths: Sequence[str], rules: Sequence[Rule], jobs: int, boundaries: Boundaries | None = None
) -> list[FileResult | None]:
    """:func:`lint_loose_files` on up to ``jobs`` processes; results in the order of ``paths``.

    The files are cut into chunks, and every process (this one included) takes the next chunk number
    from a pipe until none is left: each ``read`` of a pipe is atomic, so no chunk is taken twice, and
    a process that meets heavy files simply takes fewer chunks. The largest chunks are handed out first,
    so the run does not end waiting on one big file. A chunk whose answer does not come back is linted
    here.
    """
    if jobs <= 1:
        return lint_loose_files(paths, rules, boundaries)
    chunks, order = _chunks(paths, jobs)
    queue_r, queue_w = os.pipe()
    try:
        os.write(queue_w, b"".join(i.to_bytes(_TOKEN, "big") for i in order))
    finally:
        os.close(queue_w)  # no writer left: a drained queue reads as end of file
    done: dict[int, list[FileResult | None]] = {}
    children: list[tuple[int, int]] = []
    try:
        for _ in range(jobs - 1):
            children.append(_fork(paths, rules, chunks, queue_r, boundaries))
        done.update(_work(paths, rules, chunks, queue_r, boundaries))
        while children:
            pid, fd = children[0]
            done.update(_collect(pid, fd, chunks))
            children.pop(0)
    finally:
        os.close(queue_r)
        for pid, fd in children:  # only after an exception (e.g. Ctrl-C) in this process
            _stop(pid, fd)
    results: list[FileResult | None] = []
    for k, chunk in enumerate(chunks):
        part = done.get(k)
        results += part if part is not None else lint_loose_files(paths[chunk.start : chunk.stop], rules, boundaries)
    return results


#: Bytes per chunk number in the queue pipe (far fewer than PIPE_BUF, so every read and write is atomic).
_TOKEN = 4
#: At most this many chunks, so that all their numbers fit in an empty pipe's buffer (4 KiB here; Linux
#: and macOS give at least that) and the one write that fills the queue never blocks.
_MAX_CHUNKS = 1024


def _chunks(paths: Sequence[str], jobs: int) -> tuple[list[range], list[int]]:
    """Consecutive runs of files of about equal size in bytes, about two dozen per process, and the order
    to hand them out in (largest first).

    Small enough to even out the end of a run, large enough that neighbouring files (often of one
    service) meet in one process, which then checks their shared actions once (rules memoise per
    process). A file that cannot be sized counts as small; reading it will say what is wrong.
    """
    sizes = []
    for p in paths:
        try:
            sizes.append(os.stat(p).st_size + 256)  # + a fixed cost per file
        except (OSError, ValueError):
            sizes.append(256)
    count = min(jobs * 24, _MAX_CHUNKS, -(-len(paths) // 8)) or 1
    target = sum(sizes) / count
    chunks: list[range] = []
    start, acc = 0, 0
    for i, size in enumerate(sizes):
        acc += size
        if acc >= target and len(chunks) < count - 1:
            chunks.append(range(start, i + 1))
            start, acc = i + 1, 0
    if start < len(paths) or not chunks:
        chunks.append(range(start, len(paths)))
    weight = [sum(sizes[c.start : c.stop]) for c in chunks]
    return chunks, sorted(range(len(chunks)), key=lambda k: -weight[k])


def _work(
    paths: Sequence[str], rules: Sequence[Rule], chunks: list[range], queue: int, boundaries: Boundaries | None
) -> dict[int, list[FileResult | None]]:
    """Take chunk numbers from the queue until it is empty; lint each chunk."""
    out: dict[int, list[FileResult | None]] = {}
    while True:
        token = os.read(queue, _TOKEN)
        if len(token) != _TOKEN:
            return out
        k = int.from_bytes(token, "big")
        out[k] = lint_loose_files(paths[chunks[k].start : chunks[k].stop], rules, boundaries)


def _fork(
    paths: Sequence[str], rules: Sequence[Rule], chunks: list[range], queue: int, boundaries: Boundaries | None
) -> tuple[int, int]:
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker: never returns, never runs the parent's exit handlers or flushes its buffers
        code = 1
        try:
            os.close(read_fd)
            payload = pickle.dumps(_work(paths, rules, chunks, queue, boundaries), pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_fd, "wb") as out:
                out.write(payload)
            code = 0
        except BaseException:  # the parent redoes what is missing; nothing may escape a fork
            pass
        os._exit(code)
    os.close(write_fd)
    return pid, read_fd


def _collect(pid: int, fd: int, chunks: list[range]) -> dict[int, list[FileResult | None]]:
    """A worker's results by chunk: only the chunks it answered completely and well-formed."""
    with os.fdopen(fd, "rb") as src:
        payload = src.read()
    _, status = os.waitpid(pid, 0)
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        return {}
    try:
        part = pickle.loads(payload)
    except Exception:  # a truncated or corrupt answer is redone, not trusted
        return {}
    if not isinstance(part, dict):
        return {}
    return {
        k: v
        for k, v in part.items()
        if isinstance(k, int) and 0 <= k < len(chunks) and isinstance(v, list) and len(v) == len(chunks[k])
    }


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
