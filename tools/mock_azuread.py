"""What pulumi-azuread answers for the Entra ID objects the program registers, shaped like Microsoft
Graph's: an application's object id and app (client) id are distinct GUIDs, its resource id is
``/applications/<object id>``; a service principal's ``/servicePrincipals/<object id>``; a password
``/applications/<object id>/password/<key id>`` with a value only Graph's create answer carries.
"""

from __future__ import annotations

import base64
import uuid

import pulumi

from tools.mock_values import seeded_rng

#: The tenant's initial domain, as Graph reports an application's publisher domain.
PUBLISHER_DOMAIN = "contoso.onmicrosoft.com"


def _guid(*parts: object) -> str:
    rng = seeded_rng("azuread", *parts)
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def azuread_resource(typ: str, name: str, state: dict, tenant_id: str) -> tuple[str, dict]:
    if typ == "azuread:index/application:Application":
        object_id = _guid(name, "object")
        state.update(
            objectId=object_id,
            clientId=_guid(name, "client"),
            publisherDomain=PUBLISHER_DOMAIN,
            disabledByMicrosoft="",
            logoUrl="",
            appRoleIds={},
            oauth2PermissionScopeIds={},
        )
        return f"/applications/{object_id}", state
    if typ == "azuread:index/servicePrincipal:ServicePrincipal":
        object_id = _guid(name, "object")
        state.update(
            objectId=object_id,
            applicationTenantId=tenant_id,
            displayName=state.get("displayName") or name,
            servicePrincipalNames=[state.get("clientId")],
            type="Application",
            signInAudience="AzureADMyOrg",
        )
        return f"/servicePrincipals/{object_id}", state
    if typ == "azuread:index/applicationPassword:ApplicationPassword":
        key_id = _guid(name, "key")
        # Graph's secretText: 40 characters; only the create answer carries it.
        secret = base64.b64encode(seeded_rng("azuread", name, "secret").randbytes(30)).decode()
        state.update(keyId=key_id, value=pulumi.runtime.rpc.wrap_rpc_secret(secret), startDate="2026-12-06T00:00:00Z")
        return f"{state['applicationId']}/password/{key_id}", state
    raise NotImplementedError(f"no mock for {typ}")
