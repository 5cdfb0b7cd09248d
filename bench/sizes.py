"""Lambda artifact sizes from a `sam build` for arm64: each function's code with its layers, unzipped (Lambda's
limit is 250 MiB for a function and its layers together) and zipped (what is uploaded).

Run: .venv/bin/python bench/sizes.py [--skip-build] [--build-dir .aws-sam/bench-build]
Builds with the SAM CLI that scripts/install puts in .tools/sam: a few minutes for arm64 the first time, under a
minute from its cache in .aws-sam/cache. --skip-build measures the build already in the build folder.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from samtranslator.yaml_helper import yaml_parse
from stats import Rows, print_table

ROOT = Path(__file__).resolve().parents[1]
BUILD_DIR = ROOT / ".aws-sam" / "bench-build"
SAM = ROOT / ".tools" / "sam" / "bin" / "sam"
MIB = 2**20


def build(build_dir: Path) -> None:
    # SAM builds a python3.12 function with the python3.12 it finds on PATH: this interpreter's.
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    completed = subprocess.run(
        [SAM, "build", "--build-dir", build_dir, "--cache-dir", ROOT / ".aws-sam" / "cache", "--cached"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": path, "SAM_CLI_TELEMETRY": "0"},
    )
    if completed.returncode:
        raise RuntimeError(f"sam build failed:\n{completed.stdout[-3000:]}{completed.stderr[-3000:]}")


def unzipped_size(folder: Path) -> int:
    return sum(file.stat().st_size for file in folder.rglob("*") if file.is_file())


def zipped_size(folder: Path) -> int:
    """The folder deflated into one archive, as `sam deploy` uploads it."""
    with tempfile.TemporaryFile() as archive:
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
            for file in sorted(folder.rglob("*")):
                if file.is_file():
                    zipped.write(file, file.relative_to(folder))
        return archive.tell()


def measure(build_dir: Path = BUILD_DIR, skip_build: bool = False) -> Rows:
    """MiB per function, its code and every layer it runs with (the template's global ones included)."""
    if not skip_build:
        build(build_dir)
    template = yaml_parse((build_dir / "template.yaml").read_text())
    resources = template["Resources"]
    artifacts = {
        name: (build_dir / (properties.get("CodeUri") or properties["ContentUri"])).resolve()
        for name, resource in resources.items()
        for properties in [resource["Properties"]]
        if resource["Type"] in ("AWS::Serverless::Function", "AWS::Serverless::LayerVersion")
    }
    sizes = {name: (unzipped_size(folder), zipped_size(folder)) for name, folder in artifacts.items()}
    global_layers = [layer["Ref"] for layer in template.get("Globals", {}).get("Function", {}).get("Layers", [])]
    rows = {}
    for name, resource in resources.items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        parts = [name, *global_layers, *(layer["Ref"] for layer in resource["Properties"].get("Layers", []))]
        rows[f"{name} + layers (MiB)"] = {
            "unzipped": sum(sizes[part][0] for part in parts) / MIB,
            "zipped": sum(sizes[part][1] for part in parts) / MIB,
        }
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-build", action="store_true", help="measure the build already in --build-dir")
    parser.add_argument("--build-dir", type=Path, default=BUILD_DIR)
    args = parser.parse_args()
    print_table(measure(args.build_dir, args.skip_build), ("unzipped", "zipped"))


if __name__ == "__main__":
    main()
