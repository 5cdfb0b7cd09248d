"""Delivery files that cannot run here are still checked: the workflow's schema and samconfig.toml."""

import subprocess
import sys
import tomllib
from pathlib import Path

from ecopulse_local.runtime import parse_parameter_overrides
from ecopulse_local.template import load_stack

ROOT = Path(__file__).resolve().parents[2]


def test_github_workflows_match_the_github_workflow_schema():
    workflows = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
    assert workflows
    completed = subprocess.run(
        [
            Path(sys.executable).parent / "check-jsonschema",
            "--builtin-schema",
            "vendor.github-workflows",
            *workflows,
        ],
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_every_samconfig_environment_names_real_parameters_and_transforms():
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    environments = {name for name, section in config.items() if isinstance(section, dict) and "deploy" in section}
    assert environments == {"dev", "prod", "local"}
    for environment in environments:
        overrides = parse_parameter_overrides(config[environment]["deploy"]["parameters"]["parameter_overrides"])
        stack = load_stack(ROOT / "template.yaml", overrides)
        assert stack.parameters["Stage"] == environment


def test_the_ci_entry_point_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    assert "scripts/test" in (ROOT / ".ci" / "run").read_text()
    assert "scripts/test" in readme and "scripts/install && .venv/bin/ecopulse local" in readme
