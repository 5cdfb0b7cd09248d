"""Through the running system: reviewers' labels in its table, `ecopulse local train` runs the training
function, the promoted head lands in its models bucket and an admin sees it at GET /admin/verifier."""

import json
import subprocess
import sys
import uuid

import httpx
import pytest

from ecopulse.store import models
from ecopulse.store.review_labels import LabelTallyItem, ReviewLabelItem, ReviewLabelRepository
from tests.integration.conftest import TEST_OVERRIDES
from tests.unit.verification.fakes import Scenes, reviewed


@pytest.fixture
def running_table(local_system, monkeypatch):
    """The label repository pointed at the running system's table."""
    for model in (models._Item, ReviewLabelItem, LabelTallyItem):
        monkeypatch.setattr(model.Meta, "table_name", local_system.output("TableName"))
        monkeypatch.setattr(model.Meta, "host", local_system.dynamodb, raising=False)
        monkeypatch.setattr(model.Meta, "aws_access_key_id", "local", raising=False)
        monkeypatch.setattr(model.Meta, "aws_secret_access_key", "local", raising=False)
        monkeypatch.setattr(model, "_connection", None)
    return ReviewLabelRepository()


def train(local_system, *tenants: str) -> tuple[int, dict]:
    completed = subprocess.run(
        [
            sys.executable, "-m", "ecopulse_local.cli", "local", "--state-dir", str(local_system.state_dir),
            "--parameter-overrides", TEST_OVERRIDES, "train", *(part for t in tenants for part in ("--tenant", t)),
        ],
        capture_output=True, text=True, timeout=400,
    )  # fmt: skip
    return completed.returncode, json.loads(completed.stdout)


def test_labels_train_a_head_that_an_admin_sees(local_system, running_table):
    tenant = f"learn-{uuid.uuid4().hex[:6]}"
    admin = local_system.bearer("amina", "admin", tenant)
    before = httpx.get(local_system.api + "/admin/verifier", headers=admin)
    assert before.status_code == 200, before.text
    assert before.json() == {
        "current": None,
        "labels": {"total": 0, "approved": 0, "rejected": 0},
        "target_false_approval": 0.01,
        "history": [],
    }

    code, untrained = train(local_system, tenant)
    assert code == 0 and not untrained[tenant]["trained"] and "0 labels" in untrained[tenant]["reason"]

    for label in reviewed(600, 1, Scenes.make()):
        assert running_table.record(tenant, label)
    assert tenant in running_table.tenants()
    settings = httpx.get(local_system.api + "/admin/settings", headers=admin).json()
    settings["verifier_false_approval_target"] = 0.05
    assert httpx.put(local_system.api + "/admin/settings", json=settings, headers=admin).status_code == 200

    code, trained = train(local_system, tenant)
    outcome = trained[tenant]
    assert code == 0 and outcome["promoted"], outcome
    shown = httpx.get(local_system.api + "/admin/verifier", headers=admin).json()
    assert shown["current"]["version"] == outcome["candidate_version"] and shown["current"]["automates"]
    assert shown["current"]["evaluation"]["false_approval_upper"] < 0.05
    assert shown["labels"]["total"] == 600 and shown["target_false_approval"] == 0.05
    assert [entry["version"] for entry in shown["history"]] == [outcome["candidate_version"]]
    other = httpx.get(local_system.api + "/admin/verifier", headers=local_system.bearer("omar", "admin", "elsewhere"))
    assert other.json()["current"] is None, "another city's admin sees nothing of this one"

    s3 = local_system.client("s3")
    bucket = local_system.output("ModelsBucketName")
    keys = {item["Key"] for item in s3.list_objects_v2(Bucket=bucket, Prefix=f"verifier-heads/{tenant}/")["Contents"]}
    assert f"verifier-heads/{tenant}/{outcome['candidate_version']}.json" in keys

    code, again = train(local_system, tenant)
    assert code == 0 and not again[tenant]["promoted"], "the same labels give the same head, which does not beat itself"
