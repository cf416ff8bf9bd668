"""The README's headline story runs as written: its commands, in a fresh folder, print its output."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STORY = re.compile(
    r"```sh\n(?P<commands>mkdir -p keys && cp tests/fixtures/AmazonBedrockLimitedAccess-v1.json keys/ci-key.json\n"
    r"mantle-lint --no-config keys/\n)```\n\n```text\n(?P<output>.*?)```\n",
    re.DOTALL,
)


def test_limited_access_v1_story_prints_what_the_readme_says(tmp_path):
    m = STORY.search((ROOT / "README.md").read_text(encoding="utf-8"))
    assert m is not None, "the README's zero-configuration story is gone or reworded"
    (tmp_path / "tests" / "fixtures").mkdir(parents=True)
    shutil.copy(ROOT / "tests" / "fixtures" / "AmazonBedrockLimitedAccess-v1.json", tmp_path / "tests" / "fixtures")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}", "NO_COLOR": "1"}
    run = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", m["commands"]], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert (run.returncode, run.stderr) == (0, "")
    assert run.stdout == m["output"]
