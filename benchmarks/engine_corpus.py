"""Engine benchmark: every AWS managed policy asked "bedrock-mantle:ListModels on project/default?".

Run as a whole process (``python benchmarks/engine_corpus.py [CORPUS_DIR]``); prints the verdict counts,
the time to read and parse, the time for the decisions and the per-decision figure. Not a test: numbers
go into the README by hand.
"""

from __future__ import annotations

import collections
import os
import sys
import time

T0 = time.perf_counter()

from mantlekit import facts  # noqa: E402
from mantlekit.catalog import get_catalog  # noqa: E402
from mantlekit.iam.evaluate import Request, decide  # noqa: E402
from mantlekit.iam.match import Context  # noqa: E402
from mantlekit.iam.model import PolicySet  # noqa: E402
from mantlekit.iam.parse import load_policy  # noqa: E402


def main() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    corpus = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "..", "shared", "corpus", "aws-managed")
    cat = get_catalog()
    cat.action("bedrock-mantle:ListModels")
    t_read = time.perf_counter()
    policies = []
    for name in sorted(os.listdir(corpus)):
        if name.endswith(".json"):
            with open(os.path.join(corpus, name), encoding="utf-8") as fh:
                policies.append(load_policy(fh.read(), name))
    t_decide = time.perf_counter()
    request = Request(
        "bedrock-mantle:ListModels",
        facts.project_arn("us-east-1", "123456789012"),
        Context({"aws:RequestedRegion": "us-east-1", "aws:PrincipalAccount": "123456789012"}),
    )
    verdicts = collections.Counter(decide(PolicySet([p]), request).verdict.value for p in policies)
    t_end = time.perf_counter()
    n = len(policies)
    print(f"policies: {n}  verdicts: {dict(sorted(verdicts.items()))}")
    print(f"start-up and catalog: {(t_read - T0) * 1000:.0f} ms")
    print(f"read and parse:       {(t_decide - t_read) * 1000:.0f} ms")
    print(f"decisions:            {(t_end - t_decide) * 1000:.0f} ms ({(t_end - t_decide) / n * 1e6:.1f} µs each)")
    print(f"in-process total:     {(t_end - T0) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
