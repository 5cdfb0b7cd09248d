"""The mint function's handler on a fake chain: one transaction pays a batch, and the FIFO queue hears back
exactly the messages that must come again, in order."""

import importlib.util
import json
import time
import uuid
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
import yaml
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from pydantic import ValidationError

from ecopulse.chain.claims import MAX_BATCH_SIZE
from ecopulse.chain.minter import Minter, MinterSettings
from ecopulse.config import Settings, deployment
from ecopulse.mint_queue import QueuedMessage
from ecopulse_local.runtime import samconfig_parameter_overrides
from ecopulse_local.template import load_stack
from tests.conftest import ROOT
from tests.support import LOCAL_CHAIN_PARAMETERS
from tests.unit.chain.fakes import FakeChain, FakeClock, MemoryClaimStore


def lambda_context(remaining_seconds: float = 300) -> SimpleNamespace:
    return SimpleNamespace(
        function_name="mint",
        memory_limit_in_mb=256,
        invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:mint",
        aws_request_id="request-1",
        get_remaining_time_in_millis=lambda: int(remaining_seconds * 1000),
    )


CONTEXT = lambda_context()


@dataclass
class MemoryLedger:
    paid: dict[str, str | None] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)

    def record_payout(self, tenant: str, user_id: str, submission_id: str, tx_hash: str | None) -> bool:
        first = submission_id not in self.paid
        self.paid.setdefault(submission_id, tx_hash)
        return first

    def record_mint_failure(self, tenant: str, user_id: str, submission_id: str, reason: str) -> None:
        self.failed[submission_id] = reason


@dataclass
class RecordedCallbacks:
    resumed: dict[str, dict] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)

    def resume(self, task_token: str, output: dict) -> None:
        self.resumed[task_token] = output

    def fail(self, task_token: str, error: str, cause: str) -> None:
        self.failed[task_token] = error


@pytest.fixture
def chain() -> FakeChain:
    return FakeChain()


@pytest.fixture
def ledger() -> MemoryLedger:
    return MemoryLedger()


@pytest.fixture
def callbacks() -> RecordedCallbacks:
    return RecordedCallbacks()


@dataclass
class MemoryLease:
    """The send lease: held by ``holder`` until released, as long as ``held_by_another`` is not set."""

    held_by_another: bool = False
    holder: str | None = None
    holders: list[str] = field(default_factory=list)

    def acquire(self, owner: str, expires_at: float) -> bool:
        if self.held_by_another or self.holder not in (None, owner):
            return False
        self.holder = owner
        self.holders.append(owner)
        return True

    def release(self, owner: str) -> None:
        if self.holder == owner:
            self.holder = None


@pytest.fixture
def lease() -> MemoryLease:
    return MemoryLease()


@pytest.fixture
def mint_app(monkeypatch, chain, ledger, callbacks, lease):
    """The function's module, loaded under a name of its own, with the chain, the stores and the workflows
    swapped for the fakes; its own ``minter()`` still builds and checks the minter."""
    spec = importlib.util.spec_from_file_location("mint_app", ROOT / "functions" / "mint" / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setenv("CHAIN_ID", str(chain.network_id))
    deployment.cache_clear()
    monkeypatch.setattr(module, "chain", lambda: chain)
    monkeypatch.setattr(module, "DynamoDBClaimStore", MemoryClaimStore)
    monkeypatch.setattr(module, "ledger", ledger)
    monkeypatch.setattr(module, "callbacks", callbacks)
    monkeypatch.setattr(module.metrics, "namespace", "EcoPulseTest")
    monkeypatch.setattr(module, "send_lease", lambda: lease)
    yield module
    deployment.cache_clear()


@pytest.fixture
def mint(monkeypatch, mint_app, chain):
    """The function with a minter on the fake chain whose waits take no time."""
    clock = FakeClock()
    minter = Minter(chain, MemoryClaimStore(), clock=clock, sleep=clock.sleep)
    monkeypatch.setattr(mint_app, "minter", lambda: minter)
    return mint_app


def emitted_metrics(output: str) -> dict[str, list[float]]:
    """The metrics of the CloudWatch embedded-metric-format lines Powertools printed."""
    values: dict[str, list[float]] = {}
    for line in output.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            document = json.loads(line)
            for directive in document["_aws"]["CloudWatchMetrics"]:
                for metric in directive["Metrics"]:
                    values[metric["Name"]] = document[metric["Name"]]
    return values


def request(index: int) -> dict:
    return {
        "tenant": "lahore",
        "user_id": f"user-{index}",
        "submission_id": str(uuid.uuid4()),
        "wallet": "0x" + f"{index + 1:040x}",
        "amount": index + 1,
        "task_token": f"token-{index}",
    }


def record(body: dict | str) -> dict:
    return {
        "messageId": str(uuid.uuid4()),
        "receiptHandle": "handle",
        "body": body if isinstance(body, str) else json.dumps(body),
        "attributes": {"MessageGroupId": "minter", "MessageDeduplicationId": str(uuid.uuid4())},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:mint.fifo",
        "awsRegion": "us-east-1",
    }


def failures(response: dict) -> list[str]:
    return [item["itemIdentifier"] for item in response["batchItemFailures"]]


def test_a_good_batch_is_paid_in_one_transaction_and_reports_no_failures(mint, chain, ledger, callbacks):
    bodies = [request(i) for i in range(3)]

    response = mint.handler({"Records": [record(body) for body in bodies]}, CONTEXT)

    assert failures(response) == []
    assert len(chain.sent) == 1
    assert set(ledger.paid) == {body["submission_id"] for body in bodies}
    assert {output["outcome"] for output in callbacks.resumed.values()} == {"minted"}


def test_the_minters_gas_balance_is_a_metric_with_each_batch(mint, chain, capsys):
    chain.balance = 3 * 10**18 // 2

    mint.handler({"Records": [record(request(0))]}, CONTEXT)

    assert emitted_metrics(capsys.readouterr().out)["MinterGasBalance"] == [1.5]


def test_a_poison_message_comes_back_with_every_message_after_it(mint, chain, ledger):
    before, after = request(0), request(1)
    records = [record(before), record("{not json"), record(after)]

    response = mint.handler({"Records": records}, CONTEXT)

    assert failures(response) == [records[1]["messageId"], records[2]["messageId"]]
    assert set(ledger.paid) == {before["submission_id"]}
    assert "0x" + f"{2:040x}" not in {key.lower() for key in chain.balances}


def test_a_redelivered_batch_is_not_paid_twice(mint, chain, ledger, callbacks):
    event = {"Records": [record(request(i)) for i in range(2)]}

    mint.handler(event, CONTEXT)
    again = mint.handler(event, CONTEXT)

    assert failures(again) == []
    assert len(chain.sent) == 1
    assert sorted(chain.balances.values()) == [10**18, 2 * 10**18]


def test_a_request_that_can_never_be_paid_fails_its_workflow_and_is_not_retried(mint, ledger, callbacks):
    unpayable = request(0) | {"wallet": "not-a-wallet"}
    records = [record(unpayable), record(request(1))]

    response = mint.handler({"Records": records}, CONTEXT)

    assert failures(response) == []
    assert unpayable["submission_id"] in ledger.failed
    assert callbacks.failed == {"token-0": "MintFailed"}


def test_the_chain_down_sends_the_whole_batch_back_and_it_is_paid_once_when_it_returns(mint, chain, ledger):
    event = {"Records": [record(request(i)) for i in range(2)]}
    chain.down = True

    with pytest.raises(BatchProcessingError):
        mint.handler(event, CONTEXT)
    assert ledger.paid == {} and chain.sent == []

    chain.down = False
    assert failures(mint.handler(event, CONTEXT)) == []
    assert len(ledger.paid) == 2 and len(chain.sent) == 1


def test_a_batch_whose_transaction_is_not_final_comes_back_and_is_not_recorded_paid(mint, chain, ledger, monkeypatch):
    """The chain mines nothing at the minter's fees and no replacement is allowed: the claims stay submitted."""
    chain.inclusion_fee = 10**9
    clock = FakeClock()
    stuck = Minter(chain, MemoryClaimStore(), MinterSettings(max_replacements=0), clock=clock, sleep=clock.sleep)
    monkeypatch.setattr(mint, "minter", lambda: stuck)

    with pytest.raises(BatchProcessingError):
        mint.handler({"Records": [record(request(i)) for i in range(2)]}, CONTEXT)
    assert ledger.paid == {} and len(chain.sent) == 1


def test_a_minter_without_minter_role_sends_nothing_reports_it_and_pays_once_the_role_is_granted(
    mint_app, chain, ledger, capsys, monkeypatch
):
    chain.is_minter = False
    event = {"Records": [record(request(i)) for i in range(2)]}
    errors: list[dict] = []
    monkeypatch.setattr(mint_app.logger, "error", lambda message, extra: errors.append(extra))

    with pytest.raises(BatchProcessingError):
        mint_app.handler(event, CONTEXT)

    assert chain.sent == [] and ledger.paid == {}
    assert emitted_metrics(capsys.readouterr().out)["MinterMisconfigured"] == [1.0]
    assert [error["reason"] for error in errors] == ["the minter key does not hold MINTER_ROLE on the token"]
    chain.is_minter = True
    assert failures(mint_app.handler(event, CONTEXT)) == []
    assert len(chain.sent) == 1 and len(ledger.paid) == 2


def test_a_node_on_another_chain_is_refused_before_any_transaction(mint_app, chain, capsys):
    chain.network_id = 137

    with pytest.raises(BatchProcessingError):
        mint_app.handler({"Records": [record(request(0))]}, CONTEXT)

    assert chain.sent == []
    assert emitted_metrics(capsys.readouterr().out)["MinterMisconfigured"] == [1.0]


def test_a_batch_is_not_sent_when_the_invocation_could_not_wait_for_its_receipt(mint, monkeypatch, chain, ledger):
    clock = FakeClock(now=time.monotonic())
    settings = MinterSettings(receipt_timeout=30)
    monkeypatch.setattr(mint, "minter", lambda: Minter(chain, MemoryClaimStore(), settings, clock, clock.sleep))
    short = lambda_context(remaining_seconds=mint.FINISHING_SECONDS + settings.receipt_timeout - 1)

    with pytest.raises(BatchProcessingError):
        mint.handler({"Records": [record(request(i)) for i in range(2)]}, short)

    assert chain.sent == [] and ledger.paid == {}


def test_every_variable_the_template_gives_the_mint_function_is_a_setting():
    stack = load_stack(ROOT / "template.yaml", {"Stage": "local", **LOCAL_CHAIN_PARAMETERS})
    variables = stack.resources["MintFunction"]["Properties"]["Environment"]["Variables"]
    ours = [name for name in variables if not name.startswith(("POWERTOOLS_", "AWS_"))]
    assert "MINT_MAX_BATCH" in ours
    assert [name for name in ours if name.lower() not in Settings.model_fields] == []


def test_the_mint_settings_are_read_from_the_environment_with_their_types(monkeypatch):
    monkeypatch.setenv("CHAIN_ID", "31337")
    monkeypatch.setenv("CHAIN_FINALITY", "latest")
    monkeypatch.setenv("MINT_MAX_BATCH", "25")
    monkeypatch.setenv("MINT_RECEIPT_TIMEOUT_SECONDS", "120")

    read = deployment.__wrapped__()

    assert (read.chain_id, read.chain_finality, read.mint_max_batch) == (31337, "latest", 25)
    assert read.mint_receipt_timeout_seconds == 120.0


def test_settings_refuse_a_mint_batch_or_finality_the_minter_cannot_use():
    assert Settings(mint_max_batch=MAX_BATCH_SIZE).mint_max_batch == MAX_BATCH_SIZE
    for size in (0, MAX_BATCH_SIZE + 1):
        with pytest.raises(ValidationError):
            Settings(mint_max_batch=size)
    with pytest.raises(ValidationError):
        Settings(chain_finality="pending")


def test_no_chain_parameter_has_a_default_and_dev_pays_on_polygon_amoy():
    template = yaml.load((ROOT / "template.yaml").read_text(), Loader=yaml.BaseLoader)
    chain_parameters = {"ChainRpcUrl", "ChainId", "TokenAddress", "ChainFinality", "ChainMinPriorityFeeWei"}

    assert [name for name in chain_parameters if "Default" in template["Parameters"][name]] == []
    dev = samconfig_parameter_overrides(ROOT, "dev")
    assert (dev["ChainId"], dev["ChainRpcUrl"]) == ("80002", "https://rpc-amoy.polygon.technology")
    assert samconfig_parameter_overrides(ROOT, "prod")["ChainId"] == "137"


@dataclass
class FakeMintQueue:
    """Messages waiting in the queue beyond the delivery, and what the handler did with those it took."""

    waiting: list = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    released: list[str] = field(default_factory=list)

    def take(self, count: int) -> list:
        taken, self.waiting = self.waiting[:count], self.waiting[count:]
        return taken

    def delete(self, messages: list) -> None:
        self.deleted += [message.message_id for message in messages]

    def release(self, messages: list) -> None:
        self.released += [message.message_id for message in messages]


def queued(body: dict | str, group: str = "karachi") -> QueuedMessage:
    return QueuedMessage(str(uuid.uuid4()), "handle", group, body if isinstance(body, str) else json.dumps(body))


@pytest.fixture
def waiting(monkeypatch, mint) -> FakeMintQueue:
    fake = FakeMintQueue()
    monkeypatch.setattr(mint, "queue", lambda: fake)
    return fake


def test_claims_waiting_beyond_the_delivery_are_paid_in_the_same_transaction_and_deleted(mint, chain, ledger, waiting):
    delivered = [request(i) for i in range(2)]
    waiting.waiting = [queued(request(i)) for i in range(2, 6)]

    response = mint.handler({"Records": [record(body) for body in delivered]}, CONTEXT)

    assert failures(response) == []
    assert len(chain.sent) == 1 and len(chain._calls[chain.sent[0].tx_hash]) == 6
    assert len(ledger.paid) == 6
    assert len(waiting.deleted) == 4 and waiting.released == []


def test_no_more_claims_are_taken_than_a_batch_holds(monkeypatch, mint, waiting):
    monkeypatch.setenv("MINT_MAX_BATCH", "5")
    deployment.cache_clear()
    waiting.waiting = [queued(request(i)) for i in range(2, 12)]

    mint.handler({"Records": [record(request(i)) for i in range(2)]}, CONTEXT)

    assert len(waiting.deleted) == 3 and len(waiting.waiting) == 7


def test_a_taken_message_that_is_unreadable_or_unpaid_is_released_with_the_rest_of_its_group(
    mint, chain, ledger, waiting
):
    poison = queued("not json", group="karachi")
    after_poison = queued(request(3), group="karachi")
    other_city = queued(request(4), group="quetta")
    waiting.waiting = [poison, after_poison, other_city]

    mint.handler({"Records": [record(request(1))]}, CONTEXT)

    assert waiting.released == [poison.message_id, after_poison.message_id]
    assert waiting.deleted == [other_city.message_id]


def test_taken_claims_come_back_when_the_chain_is_down(mint, chain, ledger, waiting):
    chain.down = True
    waiting.waiting = [queued(request(i)) for i in range(2, 4)]

    with pytest.raises(BatchProcessingError):
        mint.handler({"Records": [record(request(1))]}, CONTEXT)

    assert len(waiting.released) == 2 and waiting.deleted == [] and ledger.paid == {}


def test_the_batch_is_sent_holding_the_keys_send_lease_which_is_released_after(mint, chain, lease):
    response = mint.handler({"Records": [record(request(i)) for i in range(2)]}, CONTEXT)

    assert failures(response) == [] and len(chain.sent) == 1
    assert lease.holders == [CONTEXT.aws_request_id] and lease.holder is None


def test_nothing_is_sent_while_another_invocation_holds_the_send_lease(monkeypatch, mint, chain, ledger, lease):
    lease.held_by_another = True
    monkeypatch.setattr(mint, "LEASE_POLL_SECONDS", 0.01)
    event = {"Records": [record(request(i)) for i in range(2)]}

    with pytest.raises(BatchProcessingError):
        mint.handler(event, lambda_context(remaining_seconds=mint.FINISHING_SECONDS + 0.05))
    assert chain.sent == [] and ledger.paid == {}

    lease.held_by_another = False
    assert failures(mint.handler(event, CONTEXT)) == []
    assert len(ledger.paid) == 2
