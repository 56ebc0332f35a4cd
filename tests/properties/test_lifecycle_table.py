"""The lifecycle table the stateful tests check timelines against names exactly the states
each resource kind's events declare: a state added to the domain must be added there."""

from __future__ import annotations

import pytest
from linkledger.domain.hosted_connection import HostedConnection
from linkledger.domain.port import Port
from linkledger.domain.private_connect import PrivateConnect

from tests.properties.lifecycle import declared_states, states_in_table


@pytest.mark.parametrize("kind", [Port, PrivateConnect, HostedConnection], ids=lambda k: k.KIND)
def test_the_lifecycle_table_names_every_state_the_domain_declares(kind):
    assert states_in_table(kind.KIND) == declared_states(kind)
