"""Pulumi mocks that answer the way the real providers do.

Every computed output a component reads (FQDNs, the kubelet identity, the OIDC issuer URL,
the kubeconfig returned by the credentials call, random results) is shaped like the real
provider's answer, so a mistake in reading it fails here rather than in ``pulumi up``.
Values derive from the resource's name, so two runs of the same stack give the same plan.

``PlatformMocks(updating=...)`` also answers, on a preview run, the way azure-native previews an
UPDATE of an existing resource of those types (provider ``Update`` with ``preview``, after
pulumi-azure-native PRs #282, #408 and #478): an output with the name of an input takes the
input's value, nested objects likewise field by field, ``name`` and ``location`` keep the old
state's value, the resource's ID stays, and every other output is unknown. An updated pulumi-aws
resource answers with Terraform's planned state as data/aws-update-preview.yaml records it
(tools/aws_update_preview.py); a type not on record gets the azure-native answer above.
"""

from __future__ import annotations

import base64
import importlib
import string
import uuid
from collections.abc import Collection

import pulumi

from tools import mock_aws_eks, mock_aws_monitoring
from tools.aws_update_preview import planned_update
from tools.mock_aws import aws_call, aws_resource
from tools.mock_azuread import azuread_resource
from tools.mock_monitoring import EXTENSION_RESOURCES, OUTPUTS
from tools.mock_names import AZURE_NAMES
from tools.mock_values import entra_kubeconfig, kubeconfig, random_bytes, random_id, random_password, seeded_rng

#: The modules whose ``@computes`` answers join tools/mock_aws.py's when they are imported.
AWS_ANSWERS = (mock_aws_eks, mock_aws_monitoring)
SUBSCRIPTION_ID = "2f3b6c1e-8d4a-4c57-9b0e-5a1d7e9c3f42"
TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CLIENT_OBJECT_ID = "0b1d2f3e-4c5a-4b6d-8e7f-9a0b1c2d3e4f"

_NAMESPACE = uuid.UUID("6b0e4a1c-3f5d-4e2a-9c8b-7d6e5f4a3b2c")

#: Outputs azure-native's update preview copies from the old state rather than from the inputs.
UPDATE_PREVIEW_STABLE = ("id", "name", "location")


def sdk_output_names(type_token: str) -> set[str]:
    """Wire names of a resource type's outputs, read from the provider SDK itself."""
    package, module, cls_name = type_token.split(":")
    # Bridged providers' tokens carry the file after the module (``aws:eks/cluster:Cluster``).
    module = module.split("/")[0]
    sdk = importlib.import_module(f"pulumi_{package.replace('-', '_')}.{module}")
    getters = [attr.fget for attr in vars(getattr(sdk, cls_name)).values() if isinstance(attr, property)]
    return {g._pulumi_name for g in getters if hasattr(g, "_pulumi_name")}


def _preview_value(given: object, created: object) -> object:
    """azure-native's previewOutputValue: the input where there is one, unknown where there is none."""
    if isinstance(given, dict) and not pulumi.runtime.rpc.is_rpc_secret(given):
        shape = created if isinstance(created, dict) else {}
        return {
            key: _preview_value(given.get(key, pulumi.runtime.rpc.UNKNOWN), shape.get(key)) for key in given | shape
        }
    if isinstance(given, list):
        shape = created if isinstance(created, list) else []
        return [_preview_value(item, shape[i] if i < len(shape) else None) for i, item in enumerate(given)]
    return given


def update_preview(type_token: str, inputs: dict, created: dict) -> dict:
    """What azure-native's update preview returns for a resource whose real answer is ``created``."""
    state = {key: value for key, value in inputs.items()}
    for key in sdk_output_names(type_token) | set(created):
        if key in UPDATE_PREVIEW_STABLE and key in created:
            state[key] = created[key]
        elif key in inputs:
            state[key] = _preview_value(inputs[key], created.get(key))
        else:
            state[key] = pulumi.runtime.rpc.UNKNOWN
    return state


def stable_uuid(*parts: object) -> str:
    return str(uuid.uuid5(_NAMESPACE, "/".join(str(p) for p in parts)))


def _autoname(name: str) -> str:
    """What Pulumi's auto-naming does: the logical name plus a random suffix."""
    return name + "".join(seeded_rng("autoname", name).choices(string.ascii_lowercase + string.digits, k=8))


def _plain(value: object) -> object:
    """The value inside a secret marker, for computing derived outputs."""
    if pulumi.runtime.rpc.is_rpc_secret(value):
        return pulumi.runtime.rpc.unwrap_rpc_secret(value)
    return value


class PlatformMocks(pulumi.runtime.Mocks):
    """Answers resource registrations and invokes the way Azure, Kubernetes and random do."""

    def __init__(
        self, location: str = "westeurope", updating: Collection[str] = frozenset(), aws_region: str = "eu-west-1"
    ) -> None:
        self.location = location
        self.aws_region = aws_region
        #: Type tokens whose resources a preview run treats as existing ones being updated.
        self.updating = frozenset(updating)
        #: Each cluster as ARM's GET returns it, for the calls that read it.
        self._clusters: dict[str, dict] = {}
        #: Each user-assigned identity as ARM's GET returns it.
        self._identities: dict[str, dict] = {}

    # -- resources -------------------------------------------------------------------------
    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        state = dict(args.inputs)
        typ = args.typ
        if typ in AZURE_NAMES:
            resource_id, created = self._azure(typ, args.name, state)
            if typ in self.updating and pulumi.runtime.is_dry_run():
                return resource_id, update_preview(typ, dict(args.inputs), created)
            return resource_id, created
        if typ.startswith("random:"):
            return self._random(typ, args.name, state)
        if typ.startswith("kubernetes:"):
            return self._kubernetes(typ, args.name, state)
        if typ.startswith("aws:"):
            resource_id, created = aws_resource(typ, args.name, state, self.aws_region)
            if typ in self.updating and pulumi.runtime.is_dry_run():
                planned = planned_update(typ, created)
                return resource_id, update_preview(typ, dict(args.inputs), created) if planned is None else planned
            return resource_id, created
        if typ.startswith("azuread:"):
            return azuread_resource(typ, args.name, state, TENANT_ID)
        return f"{args.name}-id", state

    def _azure(self, typ: str, logical: str, state: dict):
        name_key, path = AZURE_NAMES[typ]
        name = _plain(state.get(name_key)) or (
            stable_uuid(typ, logical) if typ.endswith("RoleAssignment") else _autoname(logical)
        )
        state["name"] = name
        state["azureApiVersion"] = "2025-01-01"
        rg = state.get("resourceGroupName", "")
        if path is None and typ.endswith("ResourceGroup"):
            resource_id = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{name}"
        elif typ in EXTENSION_RESOURCES:
            scope_key, extension_path = EXTENSION_RESOURCES[typ]
            resource_id = f"{_plain(state.get(scope_key, ''))}/providers/{extension_path}/{name}"
        elif path is None:
            resource_id = f"{state.get('scope', '')}/providers/Microsoft.Authorization/roleAssignments/{name}"
        else:
            provider_path = path.format(**{k: _plain(v) for k, v in state.items()})
            resource_id = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{rg}/providers/{provider_path}/{name}"
        state["id"] = resource_id
        computed = {
            "azure-native:containerservice:ManagedCluster": self._cluster_outputs,
            "azure-native:containerservice:AgentPool": self._agent_pool_outputs,
            "azure-native:dbforpostgresql:Server": self._server_outputs,
            "azure-native:storage:StorageAccount": self._storage_account_outputs,
            "azure-native:managedidentity:UserAssignedIdentity": self._identity_outputs,
            "azure-native:containerregistry:Registry": self._registry_outputs,
            "azure-native:keyvault:Vault": self._vault_outputs,
            "azure-native:network:PublicIPAddress": self._public_ip_outputs,
        }.get(typ)
        if computed:
            computed(name, state)
        elif typ in OUTPUTS:
            OUTPUTS[typ](name, state, SUBSCRIPTION_ID, TENANT_ID, self.location)
        return resource_id, state

    def _cluster_outputs(self, name: str, state: dict) -> None:
        if state.get("disableLocalAccounts") and not (state.get("aadProfile") or {}).get("managed"):
            # ARM's answer (BadRequest): local accounts can only be disabled on a managed Entra ID cluster.
            raise ValueError("DisableLocalAccounts can only be set on AAD-enabled clusters")
        prefix = state.get("dnsPrefix", name)
        state["fqdn"] = f"{prefix}-{stable_uuid('fqdn', name)[:8]}.hcp.{self.location}.azmk8s.io"
        self._clusters[name] = state
        state["nodeResourceGroup"] = f"MC_{state.get('resourceGroupName')}_{name}_{self.location}"
        state["currentKubernetesVersion"] = state.get("kubernetesVersion")
        state["powerState"] = {"code": "Running"}
        state["oidcIssuerProfile"] = {
            "enabled": bool((state.get("oidcIssuerProfile") or {}).get("enabled")),
            "issuerURL": f"https://{self.location}.oic.prod-aks.azure.com/{TENANT_ID}/{stable_uuid('oidc', name)}/",
        }
        kubelet = f"{name}-agentpool"
        state["identityProfile"] = {
            "kubeletidentity": {
                "clientId": stable_uuid("kubelet-client", name),
                "objectId": stable_uuid("kubelet-object", name),
                "resourceId": f"/subscriptions/{SUBSCRIPTION_ID}/resourcegroups/{state['nodeResourceGroup']}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{kubelet}",
            }
        }
        state["identity"] = {
            **(state.get("identity") or {}),
            "principalId": stable_uuid("cluster-principal", name),
            "tenantId": TENANT_ID,
        }

    def _agent_pool_outputs(self, name: str, state: dict) -> None:
        state["currentOrchestratorVersion"] = state.get("orchestratorVersion")
        state["nodeImageVersion"] = "AKSUbuntu-2204gen2containerd-202611.04.0"

    def _server_outputs(self, name: str, state: dict) -> None:
        state["fullyQualifiedDomainName"] = f"{name}.postgres.database.azure.com"
        state["state"] = "Ready"
        state["minorVersion"] = "6"

    def _storage_account_outputs(self, name: str, state: dict) -> None:
        state["primaryEndpoints"] = {
            service: f"https://{name}.{service}.core.windows.net/"
            for service in ("blob", "dfs", "file", "queue", "table", "web")
        }
        state["primaryLocation"] = self.location
        state["statusOfPrimary"] = "available"

    def _identity_outputs(self, name: str, state: dict) -> None:
        state["clientId"] = stable_uuid("identity-client", name)
        state["principalId"] = stable_uuid("identity-principal", name)
        state["tenantId"] = TENANT_ID
        self._identities[name] = state

    def _registry_outputs(self, name: str, state: dict) -> None:
        state["loginServer"] = f"{name.lower()}.azurecr.io"
        state["creationDate"] = "2026-11-21T00:00:00Z"

    def _vault_outputs(self, name: str, state: dict) -> None:
        """ARM returns the vault's data-plane URL (lower case, trailing slash) among its properties."""
        properties = dict(state.get("properties") or {})
        properties["vaultUri"] = f"https://{name.lower()}.vault.azure.net/"
        properties["provisioningState"] = "Succeeded"
        state["properties"] = properties

    def _public_ip_outputs(self, name: str, state: dict) -> None:
        """A static address is allocated at creation; ARM returns it as ``ipAddress``."""
        digest = uuid.UUID(stable_uuid("public-ip", name)).bytes
        state["ipAddress"] = f"20.{digest[0]}.{digest[1]}.{digest[2] % 254 + 1}"
        state["provisioningState"] = "Succeeded"

    def _random(self, typ: str, name: str, state: dict):
        if typ == "random:index/randomPassword:RandomPassword":
            state["result"] = pulumi.runtime.rpc.wrap_rpc_secret(random_password(name, state))
            state["bcryptHash"] = pulumi.runtime.rpc.wrap_rpc_secret("$2a$10$" + "x" * 53)
        elif typ == "random:index/randomId:RandomId":
            state.update(random_id(name, state))
        elif typ == "random:index/randomBytes:RandomBytes":
            state.update({k: pulumi.runtime.rpc.wrap_rpc_secret(v) for k, v in random_bytes(name, state).items()})
        return f"{name}-id", state

    def _kubernetes(self, typ: str, name: str, state: dict):
        if typ.startswith("pulumi:providers:"):
            return f"{name}-id", state
        metadata = dict(state.get("metadata") or {})
        if typ == "kubernetes:helm.sh/v3:Release":
            release_name = state.get("name") or _autoname(name)
            namespace = state.get("namespace") or "default"
            state["name"] = release_name
            state["status"] = {
                "name": release_name,
                "namespace": namespace,
                "chart": state.get("chart"),
                "version": state.get("version"),
                "appVersion": "3.1.8",
                "revision": 1,
                "status": "deployed",
            }
            return f"{namespace}/{release_name}", state
        metadata.setdefault("name", _autoname(name))
        metadata["uid"] = stable_uuid("k8s", typ, name)
        metadata["resourceVersion"] = "1"
        state["metadata"] = metadata
        namespace = metadata.get("namespace")
        return (f"{namespace}/{metadata['name']}" if namespace else metadata["name"]), state

    # -- invokes ---------------------------------------------------------------------------
    def call(self, args: pulumi.runtime.MockCallArgs):
        if args.token.startswith("aws:"):
            return aws_call(args.token, dict(args.args), self.aws_region)
        if args.token == "azure-native:authorization:getClientConfig":
            return {
                "clientId": stable_uuid("client"),
                "objectId": CLIENT_OBJECT_ID,
                "subscriptionId": SUBSCRIPTION_ID,
                "tenantId": TENANT_ID,
            }
        if args.token == "azure-native:containerservice:listManagedClusterUserCredentials":
            cluster = args.args["resourceName"]
            state = self._clusters[cluster]
            entra = bool((state.get("aadProfile") or {}).get("managed"))
            text = (
                entra_kubeconfig(cluster, state["fqdn"], state["aadProfile"].get("tenantID") or TENANT_ID)
                if entra and args.args.get("format") == "exec"
                else kubeconfig(cluster, state["fqdn"])
            )
            value = base64.b64encode(text.encode()).decode()
            return {"kubeconfigs": [{"name": "clusterUser", "value": value}]}
        if args.token == "azure-native:containerservice:getManagedCluster":
            return dict(self._clusters[args.args["resourceName"]])
        if args.token == "azure-native:managedidentity:getUserAssignedIdentity":
            return dict(self._identities[args.args["resourceName"]])
        raise NotImplementedError(f"no mock for invoke {args.token}")
