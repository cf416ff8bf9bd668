"""Synth time of the reference app (``python app.py``) against the same stacks written with L1 constructs only
(``benchmarks/l1_app.py``), warm jsii cache. Prints medians; not a test.

    python benchmarks/synth_time.py [RUNS]          # default 7 runs of each, interleaved

Before timing, both apps are synthesized once (this also warms jsii's package cache) and their templates are
compared: same stacks, same resources by type and count, or the benchmark stops. Then, interleaved:

* ``app.py``: the reference app as ``cdk synth`` runs it, with cdk-nag's AwsSolutions pack and mantle-lint
  as validation plugins;
* ``app.py, no plugins``: the same app without the two plugins (the constructs' own cost);
* ``L1 app + plugins``: ``benchmarks/l1_app.py --plugins``, the same two plugins;
* ``L1 app``: ``benchmarks/l1_app.py`` (no plugins).

``app.py`` against ``L1 app + plugins`` is the like-for-like ratio; ``app.py, no plugins`` against ``L1 app``
is what the constructs cost.

Whole processes are timed (interpreter, jsii's node process, build, synth, validation). A second table times
only build + synth inside one warm process (median of RUNS after two unmeasured rounds), which isolates what
the constructs cost from the fixed start-up cost of jsii.
"""

from __future__ import annotations

import collections
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PY = sys.executable

ENV = dict(os.environ)
ENV.setdefault("JSII_RUNTIME_PACKAGE_CACHE_ROOT", os.path.join(ROOT, ".cache", "jsii"))
_NODE = os.path.join(ROOT, ".venv", "bin", "node")
if os.path.exists(_NODE):
    ENV.setdefault("JSII_NODE", _NODE)

NO_PLUGINS = f"""
import json, sys
sys.path.insert(0, {ROOT!r})
import aws_cdk as cdk
from stacks.build import build_app
from stacks.config import parse
context = json.load(open({os.path.join(ROOT, "cdk.json")!r}))["context"]
app = cdk.App(context=context)
build_app(app, parse(context["mantlekit"]), validations=False)
app.synth()
"""

IN_PROCESS = f"""
import json, statistics, sys, tempfile, time
sys.path.insert(0, {ROOT!r})
sys.path.insert(0, {HERE!r})
import aws_cdk as cdk
import l1_app
from stacks.build import build_app
from stacks.config import parse
context = json.load(open({os.path.join(ROOT, "cdk.json")!r}))["context"]
raw = context["mantlekit"]
runs = int(sys.argv[1])

def reference(plugins):
    app = cdk.App(context=context, outdir=tempfile.mkdtemp())
    build_app(app, parse(raw), validations=plugins)
    app.synth()

def l1(plugins):
    app = cdk.App(context=context, outdir=tempfile.mkdtemp())
    l1_app.build(app, raw, plugins)
    app.synth()

kinds = {{
    "app.py": lambda: reference(True),
    "app.py, no plugins": lambda: reference(False),
    "L1 app + plugins": lambda: l1(True),
    "L1 app": lambda: l1(False),
}}
times = {{k: [] for k in kinds}}
for i in range(runs + 2):
    for k, f in kinds.items():
        t = time.perf_counter()
        f()
        if i >= 2:
            times[k].append(time.perf_counter() - t)
print(json.dumps({{k: statistics.median(v) for k, v in times.items()}}))
"""


def commands() -> dict[str, list[str]]:
    return {
        "app.py": [PY, os.path.join(ROOT, "app.py")],
        "app.py, no plugins": [PY, "-c", NO_PLUGINS],
        "L1 app + plugins": [PY, os.path.join(HERE, "l1_app.py"), "--plugins"],
        "L1 app": [PY, os.path.join(HERE, "l1_app.py")],
    }


def run(cmd: list[str], outdir: str) -> float:
    env = dict(ENV, CDK_OUTDIR=outdir)
    t = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - t
    if done.returncode != 0:
        raise SystemExit(f"{cmd} failed:\n{done.stderr}")
    return elapsed


def resources_by_stack(outdir: str) -> dict[str, collections.Counter[str]]:
    out = {}
    for name in sorted(os.listdir(outdir)):
        if name.endswith(".template.json"):
            with open(os.path.join(outdir, name), encoding="utf-8") as fh:
                template = json.load(fh)
            out[name] = collections.Counter(
                r["Type"] for r in template["Resources"].values() if r["Type"] != "AWS::CDK::Metadata"
            )
    return out


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    cmds = commands()
    with tempfile.TemporaryDirectory() as work:
        outs = {k: os.path.join(work, str(i)) for i, k in enumerate(cmds)}
        for k, cmd in cmds.items():  # warm-up, and the equivalence check
            run(cmd, outs[k])
        reference, l1 = resources_by_stack(outs["app.py"]), resources_by_stack(outs["L1 app"])
        if reference != l1:
            raise SystemExit(f"the L1 app is not equivalent:\nreference {reference}\nL1 {l1}")
        total = sum(sum(c.values()) for c in reference.values())
        print(f"{len(reference)} stacks, {total} resources in each app (same types and counts per stack)\n")

        times: dict[str, list[float]] = {k: [] for k in cmds}
        for i in range(runs):
            for k, cmd in cmds.items():
                times[k].append(run(cmd, os.path.join(work, f"{k}-{i}".replace(" ", "_").replace(",", ""))))
        print(f"Whole process, median of {runs} (warm jsii cache):")
        table({k: statistics.median(v) for k, v in times.items()})

    done = subprocess.run([PY, "-c", IN_PROCESS, str(runs)], cwd=ROOT, env=ENV, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    print(f"\nBuild + synth inside one warm process, median of {runs}:")
    table(json.loads(done.stdout.strip().splitlines()[-1]))


def table(medians: dict[str, float]) -> None:
    """Markdown rows; each app against its L1 counterpart (same plugins or none)."""
    print("| app | median | vs L1 (same plugins) |\n| --- | ---: | ---: |")
    for k, m in medians.items():
        base = medians["L1 app + plugins" if k in ("app.py", "L1 app + plugins") else "L1 app"]
        print(f"| {k} | {m:.2f} s | {m / base:.2f}x |")


if __name__ == "__main__":
    main()
