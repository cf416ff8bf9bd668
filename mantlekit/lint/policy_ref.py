"""A policy named by a person: a policy file, or an AWS managed policy ARN resolved from the bundled copies.

``mantle-lint access`` (``--policy``, ``--boundary`` ...) and the configuration's ``[[principal]]`` entries
both take such a reference; resolving it here gives them the same answers and the same messages for a
reference that names no policy. Each caller says where the reference was written: the access CLI names its
flag, the configuration its line.
"""

from __future__ import annotations

import os

from mantlekit.iam import managed
from mantlekit.iam.model import Policy


class PolicyRefError(Exception):
    """A reference that names no policy that can be read; the message names the reference."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def managed_policy_ref(ref: str, kind: str) -> Policy | None:
    """The bundled AWS managed policy ``ref`` names, used as ``kind``; None when ``ref`` is not an ARN (a file
    name, then). Any other ARN cannot be resolved offline: :class:`PolicyRefError`."""
    if managed.is_aws_managed_arn(ref):
        found = managed.managed_policy(ref, kind)
        if found is None:
            raise PolicyRefError(f"AWS managed policy {ref} is not bundled with mantle-lint")
        return found
    if ref.startswith("arn:"):
        raise PolicyRefError(f"{ref} cannot be resolved offline: save the policy document to a file and name the file")
    return None


def policy_file_text(ref: str, path: str, relative_to: str | None = None, max_bytes: int | None = None) -> str:
    """The text of the policy file ``ref`` (at ``path``), a leading BOM dropped. A file that is missing,
    unreadable, larger than ``max_bytes`` or not UTF-8 is a :class:`PolicyRefError`; a missing one whose
    name is a bundled managed policy's says how to name that instead."""
    try:
        if max_bytes is not None and os.path.getsize(path) > max_bytes:
            from mantlekit.lint.readers import format_size

            raise PolicyRefError(
                f"cannot read policy file {ref!r}: larger than {format_size(max_bytes)} "
                "(raise the limit with max-file-size)"
            )
        with open(path, "rb") as fh:
            return fh.read().decode("utf-8-sig")
    except FileNotFoundError:
        where = f" (relative to {relative_to})" if relative_to else ""
        hint = ""
        if managed.managed_policy_text(ref) is not None:
            hint = f" (for the AWS managed policy write arn:aws:iam::aws:policy/{ref})"
        raise PolicyRefError(f"policy file {ref!r} not found{where}{hint}") from None
    except OSError as e:
        raise PolicyRefError(f"cannot read policy file {ref!r}: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise PolicyRefError(f"cannot read policy file {ref!r}: not UTF-8 text") from None
