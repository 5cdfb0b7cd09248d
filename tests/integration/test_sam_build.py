"""`sam build` builds every function and layer for arm64, within Lambda's size limit."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ecopulse_local.template import load_stack

ROOT = Path(__file__).resolve().parents[2]
LAMBDA_UNZIPPED_LIMIT_BYTES = 250 * 1024 * 1024


def tree_size(path: Path) -> int:
    return sum(file.stat().st_size for file in path.rglob("*") if file.is_file())


@pytest.mark.slow
def test_sam_build_produces_every_artifact_for_arm64(tmp_path):
    sam = shutil.which("sam")
    assert sam, "scripts/install puts the SAM CLI in .tools/sam/bin"
    build_dir = tmp_path / "build"
    completed = subprocess.run(
        [
            sam,
            "build",
            "--build-dir",
            str(build_dir),
            "--cache-dir",
            str(ROOT / ".aws-sam" / "cache"),
            "--cached",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "SAM_CLI_TELEMETRY": "0"},
        timeout=1800,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]

    stack = load_stack(ROOT / "template.yaml", {"Stage": "dev"})
    functions = stack.of_type("AWS::Lambda::Function")
    layers = {name for name in (build_dir).iterdir() if name.is_dir()} - {
        build_dir / name for name in functions
    }
    assert {path.name for path in layers} == {"CoreLayer", "ApiLayer"}
    assert (build_dir / "CoreLayer" / "python" / "ecopulse" / "intake.py").exists()
    native = next((build_dir / "CoreLayer" / "python" / "pydantic_core").glob("*.so"))
    assert "aarch64" in native.name, native.name

    for logical_id, resource in functions.items():
        handler_module = resource["Properties"]["Handler"].rsplit(".", 1)[0]
        assert (build_dir / logical_id / f"{handler_module}.py").exists(), logical_id
        layer_names = {
            ref["Ref"].rstrip("0123456789abcdef") for ref in resource["Properties"].get("Layers", [])
        }
        total = tree_size(build_dir / logical_id) + sum(
            tree_size(path) for path in layers if path.name in layer_names
        )
        assert total < LAMBDA_UNZIPPED_LIMIT_BYTES, f"{logical_id}: {total / 2**20:.0f} MB unzipped"
