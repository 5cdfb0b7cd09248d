"""Fault injection hits the calls a function makes through the real HTTP clients, so their own retry and error
handling runs: botocore retries a throttle, reports a refused connection, web3's requests sees a 429."""

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from pydantic import ValidationError

from ecopulse_local.faults import Fault, FaultInjected, FaultRegistry, injector
from ecopulse_local.runtime import free_port


@pytest.fixture(scope="module")
def service_url():
    port = free_port("127.0.0.1")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def endpoints(service_url, monkeypatch):
    for variable in ("AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL", "CHAIN_RPC_URL"):
        monkeypatch.setenv(variable, service_url)
    return service_url


def client(service: str, url: str, attempts: int):
    return boto3.client(
        service, endpoint_url=url, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x",
        config=Config(retries={"mode": "standard", "max_attempts": attempts}),
    )  # fmt: skip


def fault(**fields) -> dict:
    return Fault(**fields).model_dump()


def test_a_counted_throttle_is_retried_through_by_botocore(endpoints):
    dynamodb = client("dynamodb", endpoints, attempts=5)
    with injector.applied([fault(target="dynamodb", effect="throttle", operation="ListTables", count=2)]) as hits:
        assert "TableNames" in dynamodb.list_tables()
        assert "TableNames" in dynamodb.list_tables()
    assert sum(hits.values()) == 2


def test_a_lasting_throttle_surfaces_as_the_services_own_error(endpoints):
    dynamodb = client("dynamodb", endpoints, attempts=2)
    with injector.applied([fault(target="dynamodb", effect="throttle")]), pytest.raises(ClientError) as raised:
        dynamodb.list_tables()
    assert raised.value.response["Error"]["Code"] == "ThrottlingException"


def test_only_the_named_operation_is_hit(endpoints):
    dynamodb = client("dynamodb", endpoints, attempts=1)
    with injector.applied([fault(target="dynamodb", effect="error", operation="TransactWriteItems")]) as hits:
        dynamodb.list_tables()
    assert not hits


def test_an_unavailable_service_refuses_the_connection(endpoints):
    dynamodb = client("dynamodb", endpoints, attempts=1)
    with injector.applied([fault(target="dynamodb", effect="unavailable")]), pytest.raises(EndpointConnectionError):
        dynamodb.list_tables()


def test_a_query_protocol_service_throttles_in_its_own_protocol(endpoints):
    sns = client("sns", endpoints, attempts=1)
    throttled = [fault(target="aws", effect="throttle", operation="ListTopics")]
    with injector.applied(throttled), pytest.raises(ClientError) as raised:
        sns.list_topics()
    assert raised.value.response["Error"]["Code"] == "Throttling"


def test_the_chain_target_reads_the_json_rpc_method(endpoints):
    call = {"jsonrpc": "2.0", "id": 1, "method": "eth_sendRawTransaction", "params": []}
    with injector.applied([fault(target="chain", effect="throttle", operation="eth_sendRawTransaction")]) as hits:
        assert requests.post(endpoints, json=call, timeout=5).status_code == 429
        assert requests.post(endpoints, json={**call, "method": "eth_chainId"}, timeout=5).status_code != 429
    assert sum(hits.values()) == 1
    with injector.applied([fault(target="chain", effect="unavailable")]), pytest.raises(requests.ConnectionError):
        requests.post(endpoints, json=call, timeout=5)


def test_an_invocation_fault_fails_before_the_handler_runs():
    ran = []
    with pytest.raises(FaultInjected), injector.applied([fault(target="invocation", effect="error")]):
        ran.append(True)
    assert ran == [] and sum(injector.hits.values()) == 1


def test_an_invocation_can_only_be_failed_or_delayed():
    with pytest.raises(ValidationError):
        Fault(target="invocation", effect="throttle")


def test_a_counted_fault_stops_applying_once_its_hits_are_recorded():
    registry = FaultRegistry()
    added = Fault(function="MintFunction", target="chain", effect="unavailable", count=3)
    registry.add([added])
    assert registry.for_function("NotifyFunction") == []
    assert registry.for_function("MintFunction")[0]["id"] == added.id
    registry.record({added.id: 3})
    assert registry.for_function("MintFunction") == []
    assert registry.all()[0].hits == 3
