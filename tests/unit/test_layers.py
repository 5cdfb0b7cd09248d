"""Each layer pins exactly what pyproject.toml pins, so Lambda runs the versions the tests ran."""

import re
import tomllib
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def pins(lines: list[str]) -> dict[str, str]:
    found = {}
    for line in lines:
        match = re.match(r"^\s*([A-Za-z0-9_.-]+)(?:\[[^\]]+\])?==([^\s;]+)", line)
        if match:
            found[match.group(1).lower().replace("_", "-")] = match.group(2)
    return found


def test_layer_requirements_are_pinned_to_the_projects_versions():
    project = pins(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"])
    requirement_files = sorted(ROOT.glob("layers/*/requirements.txt"))
    assert requirement_files
    for path in requirement_files:
        layer = pins(path.read_text().splitlines())
        assert layer, path
        for name, pinned in layer.items():
            assert project.get(name) == pinned, f"{path}: {name}=={pinned}, pyproject says {project.get(name)}"
            assert version(name) == pinned, f"{name} installed at {version(name)}"


def test_every_runtime_dependency_ships_in_some_layer_or_the_lambda_runtime():
    project = pins(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"])
    shipped = {name for path in ROOT.glob("layers/*/requirements.txt") for name in pins(path.read_text().splitlines())}
    provided_by_the_runtime = {"boto3"}
    assert set(project) - shipped - provided_by_the_runtime == set()
