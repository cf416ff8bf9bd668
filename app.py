#!/usr/bin/env python3
"""The mantlekit reference app: ``cdk synth`` / ``cdk deploy`` entry point (see README, "Reference app").

The configuration is the ``mantlekit`` context value (cdk.json holds the documented example), or
``-c mantlekit=path/to/config.json``. ``python app.py`` works too (it reads cdk.json itself). A
configuration error prints one line per problem and exits with status 1, before any stack is built.
"""

import json
import os
import sys

import aws_cdk as cdk

from mantlekit.constructs import MantleConfigError
from stacks.build import build_app
from stacks.config import CONTEXT_KEY, ConfigError, from_context

HERE = os.path.dirname(os.path.abspath(__file__))


def cdk_json_context() -> dict:
    """The context of cdk.json: the CDK CLI passes it (with any ``-c`` overrides, which win over these
    defaults); ``python app.py`` alone would otherwise see none."""
    with open(os.path.join(HERE, "cdk.json"), encoding="utf-8") as fh:
        return json.load(fh).get("context", {})


def main(outdir: str | None = None) -> int:
    app = cdk.App(context=cdk_json_context(), outdir=outdir)
    try:
        config = from_context(app.node.try_get_context(CONTEXT_KEY), base_dir=os.getcwd())
        build_app(app, config)
    except (ConfigError, MantleConfigError) as e:
        for line in str(e).splitlines():
            print(f"mantlekit configuration error: {line}", file=sys.stderr)
        return 1
    app.synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
