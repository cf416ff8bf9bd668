"""Terraform: plan and state JSON (``terraform show -json``) and configurations (``*.tf``).

A plan or state is recognised by ``format_version`` with ``planned_values`` or ``values`` (:mod:`.plan`).
A ``.tf`` file by its name and content (a ``resource``, ``data``, ``module``, ``provider``, ``variable`` or
``locals`` block); the files of one directory are one module, read together when the walk finalizes
(:mod:`.hcl`, which needs ``python-hcl2``: ``pip install 'mantlekit[terraform]'``). What is read from
either: :mod:`.resources`. Inputs without IAM resources are skipped quietly.
"""

from __future__ import annotations

import os
import re
from typing import Any

from mantlekit.lint.findings import InputError
from mantlekit.lint.inventory import Inventory

#: The key of pending ``.tf`` files in ``Inventory.pending`` (a module is its directory's files).
PENDING = "terraform"
NEEDS_HCL2 = (
    "a Terraform configuration: reading .tf files needs python-hcl2, pip install 'mantlekit[terraform]' "
    "(or lint the plan: terraform show -json PLANFILE > plan.json)"
)
_HCL_BLOCK = re.compile(r'(?m)^\s*(resource|data|module|provider|variable|locals|terraform|output)\s*("|\{)')


def sniff(data: Any, path: str) -> bool:
    from mantlekit.lint.readers import HclText

    if isinstance(data, HclText):
        return path.endswith(".tf") and _HCL_BLOCK.search(data) is not None
    from mantlekit.lint.readers.terraform import plan

    return plan.sniff(data)


def read(data: Any, text: str, path: str) -> Inventory:
    from mantlekit.lint.readers import HclText

    if isinstance(data, HclText):
        try:
            from mantlekit.lint.readers.terraform import hcl

            parsed = hcl.parse(text, path)
        except ImportError:
            return Inventory(errors=[InputError(path, NEEDS_HCL2)])
        except InputError as e:
            return Inventory(errors=[e])
        return Inventory(pending={PENDING: [parsed]})
    from mantlekit.lint.readers.terraform import plan

    try:
        return plan.read(data, text, path)
    except RecursionError:
        return Inventory(files=[path], errors=[InputError(path, "plan nested too deeply to be read")])
    except Exception as e:  # a reader bug must not cost the rest of the run; say so, never guess
        msg = f"internal error reading the Terraform plan ({type(e).__name__}: {e}); please report it"
        return Inventory(files=[path], errors=[InputError(path, msg)])


def finalize(inv: Inventory) -> None:
    """Read the ``.tf`` files gathered in this run, one module per directory."""
    files = inv.pending.pop(PENDING, [])
    if not files:
        return
    from mantlekit.lint.readers.terraform import hcl

    modules: dict[str, list[Any]] = {}
    for f in files:
        modules.setdefault(os.path.dirname(os.path.abspath(f.path)), []).append(f)
    for parsed in modules.values():
        try:
            inv.extend(hcl.build(parsed))
        except RecursionError:
            inv.errors.append(InputError(parsed[0].path, "configuration nested too deeply to be read"))
        except Exception as e:  # a reader bug must not cost the rest of the run
            msg = f"internal error reading the Terraform configuration ({type(e).__name__}: {e}); please report it"
            inv.errors.append(InputError(parsed[0].path, msg))
