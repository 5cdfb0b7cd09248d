"""The template's Cognito user pools, made in moto under the ids the template resolves them to.

Sign-in stays with the local JWT issuer; the pools are there for the functions that call cognito-idp's admin API
(``DELETE /me`` deletes the caller's user with AdminDeleteUser), which then reach the pool their environment names,
as in AWS. moto picks a pool's id when it makes the pool, and the runtime resolves the template before moto runs,
so the pool is made and then filed under the template's id in moto's backend (which lives in this process).
"""

from moto.cognitoidp.models import cognitoidp_backends

from ecopulse_local.template import Stack

POOL = "AWS::Cognito::UserPool"
GROUP = "AWS::Cognito::UserPoolGroup"


def create_user_pools(stack: Stack) -> list[str]:
    """Makes each user pool of the template, with its groups; returns their logical ids."""
    backend = cognitoidp_backends[stack.account][stack.region]
    made = []
    for logical_id in stack.of_type(POOL):
        properties = stack.properties(logical_id)
        name = properties.pop("UserPoolName", logical_id)
        pool = backend.create_user_pool(name, properties)
        del backend.user_pools[pool.id]
        pool.id = stack.ref(logical_id)
        pool.arn = stack.arn("cognito-idp", f"userpool/{pool.id}")
        backend.user_pools[pool.id] = pool
        made.append(logical_id)
    for logical_id in stack.of_type(GROUP):
        group = stack.properties(logical_id)
        if group["UserPoolId"] in backend.user_pools:
            backend.create_group(
                group["UserPoolId"], group["GroupName"], group.get("Description", ""), group.get("RoleArn", ""),
                group.get("Precedence", 0),
            )  # fmt: skip
            made.append(logical_id)
    return made
