"""What the routes work on, injected: each port's adapter behind one provider, replaced in tests through
``app.dependency_overrides[provider]``. Adapters are built once per container, on first use.

Each section belongs to one area; its alias names the port the routes see (a Protocol of the domain)."""

from functools import cache
from typing import Annotated

from fastapi import Depends

from ecopulse.fleet import Fleet
from ecopulse.store.fleet import FleetRepository

# --- fleet ---------------------------------------------------------------------------------------------------


@cache
def fleet_repository() -> Fleet:
    return FleetRepository()


Vehicles = Annotated[Fleet, Depends(fleet_repository)]

# --- reports -------------------------------------------------------------------------------------------------

# --- submissions and reviews ---------------------------------------------------------------------------------

# --- people and community ------------------------------------------------------------------------------------

# --- tenants, analytics and the verifier ---------------------------------------------------------------------
