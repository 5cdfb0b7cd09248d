"""Prints template.yaml as CloudFormation receives it for one samconfig environment: after the SAM transform.

checkov reads this (scripts/lint): before the transform it sees AWS::Serverless resources, not the functions,
aliases, roles and log groups that are deployed. Usage: scripts/transformed_template.py dev|prod > file.json
"""

import argparse
import json
from pathlib import Path

from ecopulse_local.runtime import samconfig_parameter_overrides
from ecopulse_local.template import transformed_template

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("environment", help="a [<environment>.deploy.parameters] section of samconfig.toml")
    environment = parser.parse_args().environment
    transformed, _ = transformed_template(ROOT / "template.yaml", samconfig_parameter_overrides(ROOT, environment))
    print(json.dumps(transformed, indent=1))


if __name__ == "__main__":
    main()
