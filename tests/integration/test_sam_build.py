"""`sam build` builds every function and layer for arm64, within Lambda's size limit."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from samtranslator.yaml_helper import yaml_parse

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
        [sam, "build", "--build-dir", build_dir, "--cache-dir", ROOT / ".aws-sam" / "cache", "--cached"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "SAM_CLI_TELEMETRY": "0"},
        timeout=1800,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]

    built = yaml_parse((build_dir / "template.yaml").read_text())["Resources"]
    artifact = {
        name: (build_dir / (props.get("CodeUri") or props["ContentUri"])).resolve()
        for name, resource in built.items()
        for props in [resource["Properties"]]
        if resource["Type"] in ("AWS::Serverless::Function", "AWS::Serverless::LayerVersion")
    }
    assert (artifact["CoreLayer"] / "python" / "ecopulse" / "intake.py").exists()
    assert (artifact["ModelLayer"] / "efficientnet_lite0.onnx").exists()
    inference = artifact["InferenceLayer"] / "python"
    for native in (next((inference / "onnxruntime" / "capi").glob("*.so")), next(inference.glob("_pillow_heif*.so"))):
        assert "aarch64" in subprocess.run(["file", native], capture_output=True, text=True).stdout, native

    global_layers = ["CoreLayer"]
    for name, resource in built.items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        handler_module = resource["Properties"]["Handler"].rsplit(".", 1)[0]
        assert (artifact[name] / f"{handler_module}.py").exists(), name
        layers = global_layers + [ref["Ref"] for ref in resource["Properties"].get("Layers", [])]
        total = tree_size(artifact[name]) + sum(tree_size(artifact[layer]) for layer in layers)
        assert total < LAMBDA_UNZIPPED_LIMIT_BYTES, f"{name}: {total / 2**20:.0f} MB unzipped"
