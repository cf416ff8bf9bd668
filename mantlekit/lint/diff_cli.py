"""``mantle-lint diff BASE [HEAD] [-- PATH...]``: lint two versions of the project and compare them.

Each side is a directory, or a git revision of the repository the current directory is in (read with
``git archive`` into a temporary directory that is removed whatever happens; files whose content is already
in the working tree or the other side are hard links to it); HEAD defaults to the working tree. Each side is
linted the way a plain run would lint it, with its own configuration:

- with PATHs: those paths, relative to the current directory (for a revision: the same place in its tree);
  a path that exists on one side only is simply empty on the other;
- without: the directory of the side's configuration file (found from the current directory upwards, not
  above the repository or the given directory), else the current directory itself.

When the working tree is compared with a revision, files git ignores (``cdk.out``, build output) are left out
of the working tree unless a PATH names them, so that both sides hold what a commit would.

Exit status: 0 no gained access that ``--fail-on-gain`` fails on and no new finding at or above
``--fail-on``; 1 otherwise; 2 for usage errors and for input either side cannot read (then nothing is
compared: a side that fails to parse would look like every principal removed).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import stat
import subprocess
import sys
import tarfile
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, NoReturn, TextIO

from mantlekit._record import ValueRecord
from mantlekit.lint.findings import DIFF_FORMATS, EXIT_FINDINGS, EXIT_USAGE, FAIL_ON, InputError

if TYPE_CHECKING:
    from mantlekit.lint.config import Config
    from mantlekit.lint.runner import Result

EXIT_CHANGES = EXIT_FINDINGS
WORKING_TREE = "working tree"


class UsageError(Exception):
    """Bad arguments or a side that cannot be had (exit 2, one line on stderr)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def parser() -> argparse.ArgumentParser:
    from mantlekit.lint.diff import FAIL_ON_GAIN

    p = _Parser(
        prog="mantle-lint diff",
        usage="mantle-lint diff [options] BASE [HEAD] [-- PATH...]",
        description="What a change does to who can do what on Mantle: lint BASE and HEAD (git revisions or "
        "directories; HEAD defaults to the working tree) and compare every principal's access and the findings.",
        epilog="Exit status: 0 no gained access (see --fail-on-gain) and no new finding at or above --fail-on; "
        "1 otherwise; 2 usage or unreadable input.",
    )
    p.add_argument("base", metavar="BASE", help="git revision (origin/main, HEAD~1) or directory")
    p.add_argument("head", metavar="HEAD", nargs="?", help="git revision or directory (default: the working tree)")
    p.add_argument("-f", "--format", choices=DIFF_FORMATS, default="text", help="output format (default: text)")
    p.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        default=None,
        help="lowest severity of a new finding that fails the run (default: HEAD's fail-on, else error)",
    )
    p.add_argument(
        "--fail-on-gain",
        choices=FAIL_ON_GAIN,
        default=None,
        help="gained access that fails the run: never, any, or admin (project admin, fine-tuning, files, "
        "data retention, management actions); default: HEAD's fail-on-gain, else any",
    )
    p.add_argument("--config", metavar="FILE", help="configuration file, relative to each side (instead of searching)")
    p.add_argument("--no-config", action="store_true", help="ignore configuration files on both sides")
    p.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE instead of stdout")
    p.add_argument(
        "-j", "--jobs", type=int, default=0, metavar="N", help="processes per side (default 0: one per core)"
    )
    return p


# --- Sides ---------------------------------------------------------------------------------------------


class Side(ValueRecord):
    """One version of the project, as a directory.

    ``root`` stands for the current directory on that side: a side is linted with ``root`` as the working
    directory, so its files are named as the user names them, the same on both sides. ``top`` bounds the
    configuration search (the repository's or the given directory's top)."""

    label: str
    root: str
    top: str
    #: Absolute paths git ignores in this side's tree (files, and directories ending in ``/``), left out unless
    #: a PATH names them; only for the working tree compared with a revision.
    ignored: tuple[str, ...]
    #: Absolute paths that are not on this side at all, named or not: the untracked and ignored files of the
    #: working tree when a revision that the working tree matches is read in place.
    excluded: tuple[str, ...]

    __slots__ = _fields = ("label", "root", "top", "ignored", "excluded")

    def __init__(
        self, label: str, root: str, top: str, ignored: tuple[str, ...] = (), excluded: tuple[str, ...] = ()
    ) -> None:
        self.label = label
        self.root = root
        self.top = top
        self.ignored = ignored
        self.excluded = excluded


def _git(args: Sequence[str], cwd: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    except OSError as e:
        raise UsageError(f"cannot run git: {e.strerror}") from None


def _git_message(proc: subprocess.CompletedProcess[str] | str) -> str:
    text = proc if isinstance(proc, str) else proc.stderr
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return "; ".join(lines) or "git failed"


def _repository() -> tuple[str, str] | None:
    """(top level, prefix of the current directory in it) when the current directory is in a work tree."""
    proc = _git(["rev-parse", "--show-toplevel", "--show-prefix"], os.getcwd())
    if proc.returncode != 0:
        return None
    top, _, prefix = proc.stdout.partition("\n")
    return top.strip(), prefix.strip()


#: Modes of regular files in a git tree (a symbolic link or submodule is left to ``git archive``).
_FILE_MODES = ("100644", "100755")


def _tree(rev: str, top: str) -> list[tuple[str, str, int, str]]:
    """(mode, blob, size, path) of every blob in ``rev``; a revision git does not know is a usage error."""
    proc = _git(["ls-tree", "-r", "-z", "-l", "--full-tree", rev], top)
    if proc.returncode != 0:
        raise UsageError(f"{rev}: {_git_message(proc)}")
    out = []
    for entry in proc.stdout.split("\0"):
        head, tab, path = entry.partition("\t")
        fields = head.split()
        if not tab or len(fields) != 4 or fields[1] != "blob":
            continue
        norm = os.path.normpath(path)
        if os.path.isabs(norm) or norm.startswith(".."):
            continue  # git never writes such a tree; never write outside the side
        out.append((fields[0], fields[2], int(fields[3]) if fields[3].isdigit() else -1, norm))
    return out


def working_donors(top: str) -> dict[str, str]:
    """Blob id -> file of the working tree whose content is that blob (tracked, unmodified)."""
    staged = _git(["ls-files", "-s", "-z"], top)
    changed = _git(["diff", "--name-only", "-z"], top)
    if staged.returncode != 0 or changed.returncode != 0:
        return {}
    dirty = set(changed.stdout.split("\0"))
    out: dict[str, str] = {}
    for entry in staged.stdout.split("\0"):
        head, tab, path = entry.partition("\t")
        fields = head.split()
        if tab and len(fields) == 3 and fields[0] in _FILE_MODES and fields[2] == "0" and path not in dirty:
            out.setdefault(fields[1], os.path.join(top, path))
    return out


def materialize(rev: str, top: str, dest: str, donors: dict[str, str]) -> dict[str, str]:
    """The tree of ``rev`` in ``dest``; returns blob id -> a file of ``dest`` with that content.

    A file whose content is already on this disk (in ``donors``: the working tree, the other side) is a hard
    link to it; the rest comes from ``git archive``, never from a checkout in the user's tree. Creating files
    is most of the cost of unpacking a revision (on some systems a millisecond each), and most files of two
    nearby revisions are the same. Each donor is linked once per side: the linter takes two paths to one
    inode for one file, and two equal files of a tree are two files.
    """
    entries = _tree(rev, top)
    used: set[str] = set()
    linked: set[str] = set()
    made: dict[str, str] = {}
    dirs: set[str] = {dest}
    for mode, blob, size, path in entries:
        donor = donors.get(blob)
        if mode not in _FILE_MODES or donor is None or donor in used:
            continue
        target = os.path.join(dest, path)
        try:
            st = os.lstat(donor)
            if st.st_size != size or not stat.S_ISREG(st.st_mode):
                continue  # a clean filter or line-ending conversion: let git say what the revision holds
            parent = os.path.dirname(target)
            if parent not in dirs:
                os.makedirs(parent, exist_ok=True)
                dirs.add(parent)
            os.link(donor, target)
        except OSError:
            continue  # another file system, or the donor went away: git archive writes it
        used.add(donor)
        linked.add(path)
        made.setdefault(blob, target)
    missing = [path for _m, _b, _s, path in entries if path not in linked]
    if len(missing) <= _FEW:
        # Few files: name them (literally), so git reads and sends only those.
        if missing:
            _extract(rev, top, dest, pathspecs=[f":(literal){p}" for p in missing])
    else:
        _extract(rev, top, dest, skip=frozenset(linked))
    for _mode, blob, _size, path in entries:
        if path not in linked:
            made.setdefault(blob, os.path.join(dest, path))
    return made


#: Up to this many files missing, ``git archive`` is given their paths instead of sending the whole tree.
_FEW = 500


def _extract(rev: str, top: str, dest: str, skip: frozenset[str] = frozenset(), pathspecs: Sequence[str] = ()) -> None:
    """The files of ``rev`` (those ``pathspecs`` name; not those in ``skip``) into ``dest``, by ``git archive``."""

    def member(m: tarfile.TarInfo, path: str) -> tarfile.TarInfo | None:
        if m.isfile() and os.path.normpath(m.name) in skip:
            return None
        try:  # tarfile's "data" filter, skipping (not failing on) what it refuses: a link out of the tree
            return tarfile.data_filter(m, path)
        except tarfile.FilterError:
            return None

    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            ["git", "archive", "--format=tar", rev, "--", *pathspecs], cwd=top, stdout=subprocess.PIPE, stderr=err
        )
        assert proc.stdout is not None
        failed: BaseException | None = None
        try:
            with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
                tar.extractall(dest, filter=member)
        except tarfile.TarError as e:
            failed = e
        finally:
            proc.stdout.close()
            code = proc.wait()
        if code != 0:
            err.seek(0)
            raise UsageError(f"{rev}: {_git_message(err.read().decode('utf-8', 'replace'))}")
        if failed is not None:
            raise UsageError(f"{rev}: cannot unpack git archive: {failed}")


def _ignored(top: str, untracked: bool = False) -> tuple[str, ...]:
    """What git ignores in the working tree (with ``untracked``: every file no commit would hold)."""
    # Without --exclude-standard, --others lists every untracked file, ignored or not.
    args = ["ls-files", "-z", "--others", "--directory"]
    proc = _git(args if untracked else [*args, "--ignored", "--exclude-standard"], top)
    if proc.returncode != 0:
        return ()
    return tuple(os.path.join(top, p) for p in proc.stdout.split("\0") if p)


def _is_working_tree(rev: str, top: str) -> bool:
    """True when the tracked files of the working tree are exactly those of ``rev`` (then the revision is
    read in place, without its untracked and ignored files: nothing to unpack)."""
    proc = _git(["diff", "--quiet", "--no-ext-diff", "--ignore-submodules", rev, "--"], top)
    return proc.returncode == 0


class Unpacking:
    """Revisions being unpacked by a child process while this one lints a side that is ready (the
    working tree, a directory, a revision the working tree matches): unpacking is waiting on git and on
    the file system, linting is work, and the diff costs little more than the two lints. Sequential where
    there is no ``fork``."""

    def __init__(self, jobs: Sequence[tuple[str, str, str]]) -> None:
        self.pid: int | None = None
        self.pipe: int | None = None
        if not jobs:
            return
        if not hasattr(os, "fork"):
            self._run(jobs)
            return
        r, w = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child; its outcome is checked through wait()
            code = 1
            try:
                os.close(r)
                self._run(jobs)
                code = 0
            except UsageError as e:
                os.write(w, str(e).encode("utf-8", "replace"))
            except BaseException as e:
                os.write(w, f"cannot unpack: {type(e).__name__}: {e}".encode("utf-8", "replace"))
            os._exit(code)
        os.close(w)
        self.pid, self.pipe = pid, r

    @staticmethod
    def _run(jobs: Sequence[tuple[str, str, str]]) -> None:
        donors: dict[str, str] = {}
        for i, (rev, top, dest) in enumerate(jobs):
            if i == 0:
                donors.update(working_donors(top))
            for blob, path in materialize(rev, top, dest, donors).items():
                donors.setdefault(blob, path)  # the next revision may link to this one's files

    def wait(self) -> None:
        """Until the revisions are on disk; what went wrong there is a usage error here."""
        if self.pid is None or self.pipe is None:
            return
        chunks = []
        while chunk := os.read(self.pipe, 65536):
            chunks.append(chunk)
        os.close(self.pipe)
        _, status = os.waitpid(self.pid, 0)
        self.pid = self.pipe = None
        if status != 0:
            raise UsageError(b"".join(chunks).decode("utf-8", "replace") or "cannot unpack the revision")

    def stop(self) -> None:
        """End the child (an error or Ctrl-C in this process) before its tree is removed."""
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGTERM)
                os.waitpid(self.pid, 0)
            except OSError:
                pass
            self.pid = None
        if self.pipe is not None:
            os.close(self.pipe)
            self.pipe = None


class Sides(ValueRecord):
    base: Side
    head: Side
    #: The sides whose tree the child is still writing.
    pending: list[Side]
    unpacking: Unpacking
    scratch: str

    __slots__ = _fields = ("base", "head", "pending", "unpacking", "scratch")

    def __init__(self, base: Side, head: Side, pending: list[Side], unpacking: Unpacking, scratch: str) -> None:
        self.base = base
        self.head = head
        self.pending = pending
        self.unpacking = unpacking
        self.scratch = scratch

    def ready(self, side: Side) -> Side:
        if side in self.pending:
            self.unpacking.wait()
            self.pending.clear()
        return side

    def unpacked(self, side: Side, name: str) -> Side:
        """``side`` (a revision read in place) unpacked after all, into its own tree."""
        self.unpacking.wait()
        self.pending.clear()
        found = _repository()
        assert found is not None
        top, prefix = found
        dest = os.path.join(self.scratch, name)
        os.mkdir(dest)
        Unpacking._run([(side.label, top, dest)])
        root = os.path.join(dest, prefix)
        os.makedirs(root, exist_ok=True)
        return Side(side.label, root, dest)


@contextmanager
def open_sides(base: str, head: str | None) -> Iterator[Sides]:
    """The two sides; temporary trees are removed on the way out, also on an error or Ctrl-C."""
    scratch = tempfile.mkdtemp(prefix="mantle-lint-diff-")
    unpacking: Unpacking | None = None
    try:
        repo: list[tuple[str, str] | None] = []

        def repository() -> tuple[str, str] | None:
            if not repo:
                repo.append(_repository())
            return repo[0]

        jobs: list[tuple[str, str, str]] = []
        pending: list[Side] = []

        def side(spec: str | None, name: str) -> tuple[Side, bool]:
            """The side and whether it is a revision."""
            if spec is None:
                found = repository()
                return Side(WORKING_TREE, os.getcwd(), found[0] if found else os.getcwd()), False
            if os.path.isdir(spec):
                root = os.path.abspath(spec)
                return Side(spec, root, root), False
            found = repository()
            if found is None:
                raise UsageError(f"{spec!r} is not a directory, and the current directory is not in a git repository")
            top, prefix = found
            # A revision git does not know is not the working tree; unpacking it says so in git's words.
            if _is_working_tree(spec, top):
                return Side(spec, os.getcwd(), top, excluded=_ignored(top, untracked=True)), True
            dest = os.path.join(scratch, name)
            os.mkdir(dest)
            jobs.append((spec, top, dest))
            root = os.path.join(dest, prefix)
            made = Side(spec, root, dest)
            pending.append(made)
            return made, True

        b, b_rev = side(base, "base")
        h, _ = side(head, "head")
        found = repository() if head is None and b_rev else None
        if found is not None:
            h = Side(h.label, h.root, h.top, _ignored(found[0]))
        unpacking = Unpacking(jobs)
        yield Sides(b, h, pending, unpacking, scratch)
        unpacking.wait()
    finally:
        if unpacking is not None:
            unpacking.stop()
        shutil.rmtree(scratch, ignore_errors=True)


def _uses_excluded(config: Config, side: Side) -> bool:
    """The configuration of a revision read in place names a file no commit holds (an untracked policy, a
    declared template in ``cdk.out``): the revision must be unpacked to be read as it is."""
    if not side.excluded:
        return False
    files = [p.source.file for p in config.documents] + [d.template for d in config.declared]
    return any(_skip(f, side.excluded) for f in files)


# --- Linting one side ---------------------------------------------------------------------------------


def _under(path: str, top: str) -> bool:
    a, b = os.path.realpath(path), os.path.realpath(top)
    return a == b or a.startswith(b.rstrip(os.sep) + os.sep)


def _config(side: Side, ns: argparse.Namespace, paths: Sequence[str]) -> Config:
    from mantlekit.lint.config import Config, find_config, load_config

    if ns.no_config:
        return Config()
    if ns.config:
        if not os.path.isfile(ns.config):
            raise UsageError(f"{side.label}: configuration file {ns.config!r} not found")
        return load_config(ns.config)
    start = paths[0] if paths else None
    if start is not None and not os.path.exists(start):
        start = None
    found = find_config(start)
    return load_config(found) if found and _under(found, side.top) else Config()


def _skip(path: str, ignored: tuple[str, ...]) -> bool:
    a = os.path.abspath(path)
    return any(a == i.rstrip("/") or (i.endswith("/") and a.startswith(i)) for i in ignored)


def lint_side(side: Side, paths: Sequence[str], ns: argparse.Namespace) -> tuple[Result, Config]:
    """Lint one side as a plain run would (see the module docstring), in its root directory."""
    from mantlekit.lint.readers import walk_paths
    from mantlekit.lint.runner import lint_paths

    here = os.getcwd()
    os.chdir(side.root)
    try:
        config = _config(side, ns, paths)
        if paths:
            targets = [p for p in paths if os.path.lexists(p)]
        elif config.file:
            targets = [os.path.relpath(os.path.dirname(os.path.abspath(config.file))) or "."]
        else:
            targets = ["."]
        # Walked here so files are named as the user names them ("policies/a.json", not "./policies/a.json"
        # for the default target "."), the same on both sides and as the configuration names them.
        walk_errors: list[InputError] = []
        files = targets
        if side.ignored or side.excluded or any(t == "." or os.path.normpath(t) != t for t in targets):
            files = [os.path.normpath(f) for f in walk_paths(targets, walk_errors)]
        if side.ignored:
            # What git ignores below a target is not the project's (a target git ignores is read as named).
            named = [t for t in targets if _skip(t, side.ignored)]
            files = [f for f in files if not _skip(f, side.ignored) or any(_under(f, t) for t in named)]
        if side.excluded:
            files = [f for f in files if not _skip(f, side.excluded)]
        targets = files
        result = lint_paths(targets, config, jobs=ns.jobs) if targets else _empty(config)
        result.errors[:0] = walk_errors
        return result, config
    finally:
        os.chdir(here)


def _empty(config: Config) -> Result:
    from mantlekit.lint.inventory import Inventory
    from mantlekit.lint.runner import lint_inventory

    return lint_inventory(Inventory(), config)


# --- The command ---------------------------------------------------------------------------------------


def _split_args(argv: Sequence[str]) -> tuple[list[str], list[str]]:
    args = list(argv)
    if "--" in args:
        i = args.index("--")
        return args[:i], args[i + 1 :]
    return args, []


def run(argv: Sequence[str], out: TextIO, err: TextIO) -> int:
    from mantlekit.lint.diff import compare
    from mantlekit.lint.report.diff_run import DiffRun, render

    opts, paths = _split_args(argv)
    ns = parser().parse_args(opts)
    if ns.jobs < 0:
        raise UsageError(f"expected a whole number of processes, 0 for one per core: {ns.jobs}")
    for p in paths:
        if os.path.isabs(p):
            raise UsageError(f"give PATHs relative to the current directory (they are read on both sides): {p}")
    with open_sides(ns.base, ns.head) as sides:
        base, head = sides.base, sides.head
        results: dict[str, tuple[Result, Config]] = {}
        # A side that is ready first: the other may still be unpacking.
        order = [("head", head), ("base", base)] if base in sides.pending else [("base", base), ("head", head)]
        for name, side in order:
            side = sides.ready(side)
            result, config = lint_side(side, paths, ns)
            if _uses_excluded(config, side):
                side = sides.unpacked(side, name)
                result, config = lint_side(side, paths, ns)
            if name == "base":
                base = side
            else:
                head = side
            results[name] = (result, config)
        if paths and not any(os.path.lexists(os.path.join(x.root, p)) for x in (base, head) for p in paths):
            raise UsageError(f"no such file or directory on either side: {', '.join(paths)}")
        (rb, _cb), (rh, ch) = results["base"], results["head"]
        errors = [(base, e) for e in rb.errors] + [(head, e) for e in rh.errors]
        fail_on = ns.fail_on or ch.fail_on
        fail_on_gain = ns.fail_on_gain or ch.fail_on_gain or "any"
        if errors:
            for side, e in errors:
                err.write(f"{side.label}: {e}\n")
            err.write("mantle-lint diff: nothing compared: a side that cannot be read would look like lost access\n")
            report = render(ns.format, DiffRun(None, fail_on, fail_on_gain, EXIT_USAGE, errors=errors))
            _write(report, ns.output, out, err)
            return EXIT_USAGE
        diff = compare(
            rb,
            rh,
            base_root=base.root,
            head_root=head.root,
            base_label=base.label,
            head_label=head.label,
            accepts=ch.accepts,
        )
    code = diff.exit_code(fail_on, fail_on_gain)
    if not _write(render(ns.format, DiffRun(diff, fail_on, fail_on_gain, code)), ns.output, out, err):
        return EXIT_USAGE
    return code


def _write(report: str, output: str | None, out: TextIO, err: TextIO) -> bool:
    if output:
        try:
            with open(output, "w", encoding="utf-8", errors="backslashreplace") as fh:
                fh.write(report)
        except OSError as e:
            err.write(f"mantle-lint diff: error: cannot write {output}: {e.strerror}\n")
            return False
    else:
        out.write(report)
        out.flush()
    return True


def _terminated(signum: int, frame: object) -> None:
    """SIGTERM (a CI job cancelled) unwinds like Ctrl-C, so the temporary trees are removed."""
    raise KeyboardInterrupt


def main(argv: Sequence[str]) -> int:
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _terminated)
    try:
        return run(argv, sys.stdout, sys.stderr)
    except SystemExit as e:  # --help
        return e.code if isinstance(e.code, int) else EXIT_USAGE
    except UsageError as e:
        sys.stderr.write("usage: mantle-lint diff [options] BASE [HEAD] [-- PATH...]\n")
        sys.stderr.write(f"mantle-lint diff: error: {e}\n")
        return EXIT_USAGE
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
