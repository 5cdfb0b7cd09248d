"""The committed EcoCoin artifact must be exactly what the pinned compiler builds."""

import shutil
import subprocess
from pathlib import Path

import pytest

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts"


def _run(*cmd: str, timeout: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=CONTRACTS.parent, capture_output=True, text=True, timeout=timeout)


@pytest.mark.slow
def test_committed_artifact_matches_fresh_compile():
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"{', '.join(missing)} not on PATH; the artifact check needs Node.js 20+")
    if not (CONTRACTS / "node_modules").is_dir():
        installed = _run("npm", "ci", "--prefix", "contracts", timeout=600)
        assert installed.returncode == 0, f"npm ci failed:\n{installed.stdout}\n{installed.stderr}"

    checked = _run("node", "contracts/compile.mjs", "--check", timeout=300)

    assert checked.returncode == 0, f"{checked.stdout}\n{checked.stderr}"
