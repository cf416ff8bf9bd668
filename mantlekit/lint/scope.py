"""``--changed-only``: the paths are the files that changed (as pre-commit passes them), not the whole project.

A configured principal says which files decide it: its policy, boundary, SCP and endpoint policy files, its
configuration file, and for a principal declared on a template resource the template (or the cloud assembly
directory holding it). A run over changed files evaluates only the principals one of those files belongs
to, so a commit that touches none of them (``package.json``) reports no principal at all, and a principal
is reported by the one run whose files decide it. Principals inferred from the files themselves (key
policies, a template's users) need no scoping: they come from the files given.

Everything else of the configuration still applies (rules, severities, ignores). What the configuration
reads for out-of-scope principals is left out with them: their policy documents (linted by the document
rules only when given) and the configuration's input errors that are about neither the configuration file
nor a file given.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterable, Sequence

from mantlekit.iam.model import Policy
from mantlekit.lint.config import Config, within
from mantlekit.lint.config_principals import Declaration
from mantlekit.lint.inventory import Principal

#: File name endings of configuration files: among changed files they put principals in scope and are not
#: linted themselves (no TOML file is a policy, template, assembly or account details).
CONFIG_SUFFIXES = (".toml",)


def lint_paths_of(paths: Sequence[str]) -> list[str]:
    """The changed paths that are linted: all but configuration files."""
    return [p for p in paths if not p.endswith(CONFIG_SUFFIXES)]


def _real(path: str) -> str:
    return os.path.realpath(path)


def _related(file: str, changed: Sequence[str]) -> bool:
    """``file`` (a file, or a directory such as a cloud assembly) is one of ``changed``, lies in one of them
    (a changed directory), or holds one of them (a changed template inside an assembly)."""
    if not file or file.startswith("<") or file.startswith("aws-managed:"):
        return False
    f = _real(file)
    return any(within(f, c) or within(c, f) for c in changed)


def _files(policies: Iterable[Policy]) -> list[str]:
    return [p.source.file for p in policies]


def _principal_files(p: Principal) -> list[str]:
    return _files(p.policies.all_policies())


def _declaration_files(d: Declaration) -> list[str]:
    return [d.template, *_principal_files(d.principal)]


def scope_to_changed(config: Config, paths: Sequence[str]) -> Config:
    """``config`` with only the configured principals (and declarations) that ``paths`` decide."""
    changed = [_real(p) for p in paths]
    config_changed = config.file is not None and _related(config.file, changed)

    def decided(files: Iterable[str]) -> bool:
        return config_changed or any(_related(f, changed) for f in files)

    principals = [p for p in config.principals if decided(_principal_files(p))]
    declared = [d for d in config.declared if decided(_declaration_files(d))]
    kept = {_real(f) for p in principals for f in _principal_files(p)}
    kept.update(_real(f) for d in declared for f in _principal_files(d.principal))
    documents = [doc for doc in config.documents if _real(doc.source.file) in kept]
    errors = [e for e in config.errors if config_changed or _related(e.file, changed)]
    scoped = copy.copy(config)  # every other setting as it is
    scoped.principals, scoped.declared, scoped.documents, scoped.errors = principals, declared, documents, errors
    return scoped
