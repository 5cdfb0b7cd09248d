"""Leaving through the running system: after ``DELETE /me``, every item of the table and every object version of
the uploads bucket is read, and nothing that names the citizen is left; the ledger stays under the pseudonym, and
the user pool no longer has them."""

import json
import secrets
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from eth_utils import to_checksum_address

from tests.integration.photos import clean_scene
from tests.support import wait_until

TENANT = "leaving"
STAMP = "%Y-%m-%dT%H:%M:%S.%f+0000"  # pynamodb's UTCDateTimeAttribute


class Citizen:
    """A citizen who signs in with their e-mail address, as the user pool's users do."""

    def __init__(self, system, marker: str) -> None:
        self.system = system
        self.email = f"leaver-{marker}@example.org"
        self.display_name = f"Leaver {marker}"
        self.wallet = to_checksum_address("0x" + secrets.token_hex(20))
        token = system.issuer.issue(self.email, ["citizen"], TENANT, email=self.email)
        self.headers = {"Authorization": f"Bearer {token}"}

    def __call__(self, method: str, path: str, **kwargs) -> httpx.Response:
        return httpx.request(method, self.system.api + path, headers=self.headers, timeout=30, **kwargs)

    def upload(self, form: dict) -> None:
        posted = httpx.post(
            form["url"], data=form["fields"], files={"file": ("photo.jpg", clean_scene(), "image/jpeg")}
        )
        assert posted.status_code in (200, 204), posted.text


def pushed_endpoints(system, user_id: str) -> list[dict]:
    """The SNS platform endpoints registered for the citizen's devices, as the runtime shows moto's."""
    endpoints = httpx.get(system.dashboard + "/local-runtime/sent", timeout=30).json()["push"]
    return [endpoint for endpoint in endpoints if endpoint["user_data"] == f"{TENANT}/{user_id}"]


def every_item(dynamodb, table: str) -> list[dict]:
    items: list[dict] = []
    for page in dynamodb.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
        items.extend(page["Items"])
    return items


def plain(item: dict) -> dict:
    return {name: next(iter(value.values())) for name, value in item.items()}


@pytest.fixture(scope="module")
def aws(local_system):
    return {
        "dynamodb": local_system.client("dynamodb"),
        "s3": local_system.client("s3"),
        "cognito": local_system.client("cognito-idp"),
        "table": local_system.output("TableName"),
        "bucket": local_system.output("UploadsBucketName"),
        "pool": local_system.output("UserPoolId"),
    }


def rewarded(aws, user_id: str, name: str) -> None:
    """A reward in the ledger and a place on the leaderboards, as an approved cleanup leaves them."""
    now = datetime.now(UTC)
    submission = f"sub-{uuid.uuid4().hex[:8]}"
    user_pk = f"TENANT#{TENANT}#USER#{user_id}"
    ledger = {
        "pk": user_pk, "sk": f"LEDGER#{submission}", "tenant": TENANT, "user_id": user_id, "submission_id": submission,
        "amount": 10, "reason": "cleanup approved", "state": "pending", "created_at": now.strftime(STAMP),
        "gsi3pk": f"{user_pk}#LEDGER", "gsi3sk": f"{now:%Y-%m-%dT%H:%M:%S.%fZ}#{submission}",
    }  # fmt: skip
    board = {
        "pk": f"TENANT#{TENANT}#LEADERBOARD#all", "sk": f"USER#{user_id}", "tenant": TENANT, "period": "all",
        "user_id": user_id, "username": name, "points": 10, "created_at": now.strftime(STAMP),
        "gsi2pk": f"TENANT#{TENANT}#LEADERBOARD#all", "gsi2sk": f"{10:012d}#{user_id}",
    }  # fmt: skip
    for item in (ledger, board):
        typed = {key: {"N": str(value)} if isinstance(value, int) else {"S": value} for key, value in item.items()}
        aws["dynamodb"].put_item(TableName=aws["table"], Item=typed)


def test_delete_me_leaves_nothing_personal_behind(local_system, aws):
    leaver = Citizen(local_system, uuid.uuid4().hex[:8])
    admin = httpx.Client(base_url=local_system.api, headers=local_system.bearer("amina", "admin", TENANT), timeout=30)
    aws["cognito"].admin_create_user(
        UserPoolId=aws["pool"],
        Username=leaver.email,
        UserAttributes=[{"Name": "email", "Value": leaver.email}, {"Name": "custom:tenant", "Value": TENANT}],
    )

    user_id = leaver("GET", "/me").json()["user_id"]
    assert leaver("PATCH", "/me", json={"display_name": leaver.display_name}).status_code == 200
    assert leaver("PUT", "/me/wallet", json={"address": leaver.wallet}).status_code == 200
    zone = f"z-{uuid.uuid4().hex[:6]}"
    settings = admin.get("/admin/settings").json()
    square = [[74.3, 31.5], [74.4, 31.5], [74.4, 31.6], [74.3, 31.6], [74.3, 31.5]]
    settings["zones"].append({"zone_id": zone, "name": "Canal", "area": {"type": "Polygon", "coordinates": [square]}})
    assert admin.put("/admin/settings", json=settings).status_code == 200
    assert leaver("PUT", f"/me/alerts/{zone}").status_code == 204
    assert admin.post("/admin/alerts", json={"zone": zone, "message": "Road closed"}).json()["recipients"] == 1
    form = leaver("POST", "/uploads", json={"content_type": "image/jpeg"}).json()
    leaver.upload(form)
    report = leaver("POST", "/reports", json={"waste_type": "glass", "lat": 31.5204, "lng": 74.3587,
                                              "photo_keys": [form["key"]]})  # fmt: skip
    assert report.status_code == 201, report.text
    assert leaver("POST", f"/reports/{report.json()['report_id']}/subscription").status_code == 204
    phone = f"+92300{secrets.randbelow(10**7):07d}"
    chosen = {"push": True, "email": True, "sms": True, "phone_number": phone}
    assert leaver("PUT", "/me/preferences", json=chosen).status_code == 200
    assert leaver("POST", "/me/devices", json={"platform": "apns", "token": secrets.token_hex(32)}).status_code == 201
    opened = leaver("POST", "/submissions", json={"task": "cleanup"}).json()
    submission_id = opened["submission"]["submission_id"]
    leaver.upload(opened["uploads"]["after"])
    when = {"starts_at": "2030-01-01T08:00:00Z", "ends_at": "2030-01-01T12:00:00Z"}
    event = admin.post("/events", json={"title": "Canal cleanup", "lat": 31.52, "lng": 74.36, "capacity": 9, **when})
    assert leaver("POST", f"/events/{event.json()['event_id']}/join").status_code == 200
    rewarded(aws, user_id, leaver.display_name)
    # The workflow tells the citizen its outcome before they leave: nothing is on its way to them afterwards.
    wait_until(lambda: any(m["submission_id"] == submission_id for m in leaver("GET", "/me/inbox").json()["items"]), 60)
    user_pk = f"TENANT#{TENANT}#USER#{user_id}"
    inbox = aws["dynamodb"].query(
        TableName=aws["table"], KeyConditionExpression="pk = :pk AND begins_with(sk, :inbox)",
        ExpressionAttributeValues={":pk": {"S": user_pk}, ":inbox": {"S": "INBOX#"}},
    )["Items"]  # fmt: skip
    assert len(inbox) >= 2
    a_year = (datetime.now(UTC) + timedelta(days=365)).timestamp()
    assert all(abs(int(message["expires_at"]["N"]) - a_year) < 3600 for message in inbox)
    prefix = f"uploads/{TENANT}/{user_id}/"
    stored = aws["s3"].list_object_versions(Bucket=aws["bucket"], Prefix=prefix).get("Versions", [])
    assert len(stored) == 2

    assert len(pushed_endpoints(local_system, user_id)) == 1

    assert leaver("DELETE", "/me").status_code == 204
    assert leaver("DELETE", "/me").status_code == 204

    personal = [leaver.email, leaver.display_name, leaver.wallet.lower(), phone]
    left = [plain(item) for item in every_item(aws["dynamodb"], aws["table"])]
    # Binary values (a photo's embedding) are read as their repr: no name or address hides in them.
    texts = [(item, json.dumps(item, default=str).lower()) for item in left]
    naming = [item for item, text in texts if any(value.lower() in text for value in personal)]
    assert naming == []
    own = sorted(item["sk"] for item in left if item["pk"] == user_pk)
    assert len(own) == 2 and own[0] == "DELETED" and own[1].startswith("LEDGER#")
    deleted = next(item for item in left if (item["pk"], item["sk"]) == (user_pk, "DELETED"))
    assert abs(int(deleted["expires_at"]) - (datetime.now(UTC) + timedelta(days=90)).timestamp()) < 3600
    submission = next(item for item in left if item["pk"] == f"TENANT#{TENANT}#SUBMISSION#{submission_id}"
                      and item["sk"] == "SUBMISSION")  # fmt: skip
    assert {"photo_facts", "photo_verdicts", "verdict"}.isdisjoint(submission) and submission["user_id"] == user_id
    filed = next(item for item in left if item["pk"] == f"TENANT#{TENANT}#REPORT#{report.json()['report_id']}"
                 and item["sk"] == "REPORT")  # fmt: skip
    assert "photo_keys" not in filed
    assert not [item for item in left if item["sk"] in (f"SUB#{user_id}", f"USER#{user_id}", f"FOLLOWER#{user_id}")]
    assert pushed_endpoints(local_system, user_id) == []
    versions = aws["s3"].list_object_versions(Bucket=aws["bucket"], Prefix=prefix)
    assert (versions.get("Versions", []), versions.get("DeleteMarkers", [])) == ([], [])
    with pytest.raises(aws["cognito"].exceptions.UserNotFoundException):
        aws["cognito"].admin_get_user(UserPoolId=aws["pool"], Username=leaver.email)
    refused = leaver("GET", "/me")
    assert (refused.status_code, refused.json()["error"]["code"]) == (410, "account_deleted")


def test_leaving_erases_only_the_leaver(local_system, aws):
    stayer, leaver = Citizen(local_system, uuid.uuid4().hex[:8]), Citizen(local_system, uuid.uuid4().hex[:8])
    for citizen in (stayer, leaver):
        assert citizen("PATCH", "/me", json={"display_name": citizen.display_name}).status_code == 200
        form = citizen("POST", "/uploads", json={"content_type": "image/jpeg"}).json()
        citizen.upload(form)
    assert leaver("DELETE", "/me").status_code == 204
    assert stayer("GET", "/me").json()["display_name"] == stayer.display_name
    stayer_id = stayer("GET", "/me").json()["user_id"]
    prefix = f"uploads/{TENANT}/{stayer_id}/"
    assert len(aws["s3"].list_object_versions(Bucket=aws["bucket"], Prefix=prefix).get("Versions", [])) == 1
