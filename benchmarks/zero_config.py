"""What zero-configuration inference costs on the corpus run: the same lint with and without it.

``python benchmarks/zero_config.py [CORPUS_DIR] [ROUNDS]`` lints the AWS managed policies in-process, with
the default number of processes, alternately as shipped and with inference switched off (no key policy
recognised, no principal inferred), and prints the median of each and the ratio. The target: inference keeps
the corpus run within 5% of the run without it. Not a test: numbers go into the README by hand.
"""

from __future__ import annotations

import gc
import os
import statistics
import sys
import time

from mantlekit.lint import infer, parallel
from mantlekit.lint.config import Config
from mantlekit.lint.runner import lint_paths


def _run(corpus: str) -> tuple[float, int, int]:
    gc.collect()
    t = time.perf_counter()
    result = lint_paths([corpus], Config(), jobs=0)
    return time.perf_counter() - t, len(result.findings), len(result.access)


def main() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    corpus = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "..", "shared", "corpus", "aws-managed")
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 9
    real = (infer.key_token_type, infer.key_principals, infer.promote_key_users)
    off = (lambda policy: None, lambda documents, taken: [], lambda principals, declared=(): None)
    _run(corpus)  # warm: catalog index, imports, file cache
    times: dict[str, list[float]] = {"with inference": [], "without": []}
    counts: dict[str, tuple[int, int]] = {}
    for _ in range(rounds):
        for label, funcs in (("with inference", real), ("without", off)):
            infer.key_token_type, infer.key_principals, infer.promote_key_users = funcs
            parallel.key_token_type = funcs[0]
            seconds, findings, principals = _run(corpus)
            times[label].append(seconds)
            counts[label] = (findings, principals)
    with_, without = (statistics.median(times[k]) for k in ("with inference", "without"))
    for label in times:
        f, p = counts[label]
        print(f"{label:15} median {statistics.median(times[label]) * 1000:6.1f} ms  ({f} findings, {p} principals)")
    print(f"ratio: {with_ / without:.3f} (target: at most 1.05)")


if __name__ == "__main__":
    main()
