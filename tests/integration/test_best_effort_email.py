"""E-mail is best effort: SES failing on every attempt is retried, recorded in the execution, and fails nothing."""

import json

from tests.integration.citizens import Citizen, reviewed_by_a_human
from tests.integration.photos import ambiguous_scene
from tests.integration.test_faults import Faults
from tests.support import wait_until

TENANT = "mail"


def test_ses_failing_every_email_fails_no_execution_and_the_citizen_still_hears(local_system, pipeline):
    reviewed_by_a_human(local_system, TENANT)
    citizen = Citizen(local_system, TENANT)
    citizen.me()
    faults = Faults(local_system)
    failing = faults.inject(function="EmailFunction", target="aws", effect="error", operation="SendEmail")
    try:
        submission_id = citizen.submit(ambiguous_scene())
        assert citizen.approve(submission_id).status_code == 200
        execution = pipeline.finished(submission_id, timeout=60)
        attempts = faults.hits(failing)
    finally:
        faults.clear()
    assert execution["status"] == "SUCCEEDED"
    assert json.loads(execution["output"])["email"]["Error"], "the failure is recorded in the execution"
    assert attempts > 1, "and retried before it is given up"
    (message,) = wait_until(lambda: citizen.api("GET", "/me/inbox").json()["items"], timeout=20)
    assert message["submission_id"] == submission_id
