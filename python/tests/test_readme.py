"""The README's "Using raft_core from Python" example is examples/python/host_loop.py, and runs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README_SECTION = ROOT / "README.md"
EXAMPLE = ROOT / "examples" / "python" / "host_loop.py"


def test_readme_shows_the_example_verbatim() -> None:
    blocks = re.findall(r"```python\n(.*?)```", README_SECTION.read_text(), re.S)
    assert EXAMPLE.read_text() in blocks


def test_example_runs_and_converges(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-W", "error", str(EXAMPLE)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert re.match(r"After \d+ ticks Node\(id=\d, role=Role.LEADER, term=1, commit=\d+\) leads\.",
                    lines[0])
    assert lines[-1] == "Healed: every node applied the same 4 entries in the same order."
    # The run is deterministic (seeded election timeouts), so the README shows the real output.
    shown = re.search(r"Its output:\n\n```text\n(.*?)```", README_SECTION.read_text(), re.S)
    assert shown is not None
    assert shown.group(1) == result.stdout
