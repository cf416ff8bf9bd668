import subprocess
import sys

from mantlekit import __version__
from mantlekit.lint.cli import main


def test_version_flag(capsys):
    try:
        main(["--version"])
    except SystemExit as e:
        assert e.code == 0
    assert capsys.readouterr().out.strip() == f"mantle-lint {__version__}"


def test_console_script_help():
    out = subprocess.run(
        [sys.executable, "-m", "mantlekit.lint.cli", "--help"], capture_output=True, text=True, check=True
    )
    assert "usage: mantle-lint" in out.stdout
