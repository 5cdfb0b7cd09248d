"""Rules about the people of a city that hold whatever stores them."""


class SelfDisable(Exception):
    """An admin disabling their own account would lock the city out of its own administration."""


def check_status_change(admin_id: str, user_id: str, active: bool) -> None:
    """An admin may disable anyone but themselves."""
    if user_id == admin_id and not active:
        raise SelfDisable(f"{admin_id} cannot disable their own account")
