"""The minter's cold-start check on the fake chain: each set-up mistake is refused before any transaction."""

import pytest

from ecopulse.chain.readiness import MinterMisconfigured, check_minter
from tests.unit.chain.fakes import FakeChain


@pytest.fixture
def chain() -> FakeChain:
    return FakeChain()


def test_a_minter_on_the_right_chain_with_the_token_the_role_and_gas_is_ready(chain):
    check_minter(chain, chain.network_id)

    assert chain.sent == []


def test_a_node_on_another_chain_is_refused(chain):
    chain.network_id = 137

    with pytest.raises(MinterMisconfigured, match="serves chain 137, not the configured chain 80002"):
        check_minter(chain, 80002)


def test_a_token_address_without_code_is_refused(chain):
    chain.has_code = False

    with pytest.raises(MinterMisconfigured, match="no contract at the token address"):
        check_minter(chain, chain.network_id)


def test_a_key_without_minter_role_is_refused(chain):
    chain.is_minter = False

    with pytest.raises(MinterMisconfigured, match="does not hold MINTER_ROLE"):
        check_minter(chain, chain.network_id)


def test_a_key_with_nothing_to_pay_gas_with_is_refused(chain):
    chain.balance = 0

    with pytest.raises(MinterMisconfigured, match="no balance to pay gas"):
        check_minter(chain, chain.network_id)
