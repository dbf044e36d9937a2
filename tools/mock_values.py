"""The values pulumi-random draws and the kubeconfig AKS returns, shaped like the real answers.

Each derives from the resource's name, so two runs of the same stack give the same plan.
"""

from __future__ import annotations

import base64
import hashlib
import random
import string

import yaml


def seeded_rng(*parts: object) -> random.Random:
    """A generator seeded from ``parts``: the same parts, the same draws."""
    seed = hashlib.sha256("/".join(str(p) for p in parts).encode()).digest()
    return random.Random(seed)


def random_password(name: str, inputs: dict) -> str:
    """A password drawn the way pulumi-random's RandomPassword draws one, honouring its rules."""
    rng = seeded_rng("password", name)
    length = int(inputs.get("length", 16))
    classes: list[tuple[str, int]] = []
    if inputs.get("upper", True):
        classes.append((string.ascii_uppercase, int(inputs.get("minUpper", 0))))
    if inputs.get("lower", True):
        classes.append((string.ascii_lowercase, int(inputs.get("minLower", 0))))
    if inputs.get("numeric", inputs.get("number", True)):
        classes.append((string.digits, int(inputs.get("minNumeric", 0))))
    if inputs.get("special", True):
        specials = inputs.get("overrideSpecial") or "!@#$%&*()-_=+[]{}<>:?"
        classes.append((specials, int(inputs.get("minSpecial", 0))))
    chars = [rng.choice(alphabet) for alphabet, minimum in classes for _ in range(minimum)]
    pool = "".join(alphabet for alphabet, _ in classes)
    chars += [rng.choice(pool) for _ in range(length - len(chars))]
    rng.shuffle(chars)
    return "".join(chars)


def random_id(name: str, inputs: dict) -> dict:
    raw = seeded_rng("id", name).randbytes(int(inputs["byteLength"]))
    prefix = inputs.get("prefix", "")
    url = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    return {
        "b64Url": prefix + url,
        "b64Std": prefix + base64.b64encode(raw).decode(),
        "hex": prefix + raw.hex(),
        "dec": prefix + str(int.from_bytes(raw, "big")),
        "id": url,
    }


def random_bytes(name: str, inputs: dict) -> dict:
    raw = seeded_rng("bytes", name).randbytes(int(inputs["length"]))
    return {"base64": base64.b64encode(raw).decode(), "hex": raw.hex()}


#: The application ids AKS-managed Entra ID integration writes into kubelogin's arguments: the
#: AKS server application (the token audience) and the Azure CLI's public client.
AKS_AAD_SERVER_ID = "6dae42f8-4368-4678-94ff-3960e28e3630"
AZURE_CLI_CLIENT_ID = "80faf920-1908-4b52-b5ef-a8e7bedfc67a"


def entra_kubeconfig(cluster: str, fqdn: str, tenant_id: str) -> str:
    """The clusterUser kubeconfig AKS returns with ``format=exec`` for a managed Entra ID cluster:
    the kubelogin exec plugin in device-code mode, no credential of its own."""
    cert = base64.b64encode(b"-----BEGIN CERTIFICATE-----\nMIIE6DCCAtCgAwIBAgIQ\n-----END CERTIFICATE-----\n").decode()
    user = f"clusterUser_{cluster}"
    args = ["get-token", "--environment", "AzurePublicCloud", "--server-id", AKS_AAD_SERVER_ID]
    args += ["--client-id", AZURE_CLI_CLIENT_ID, "--tenant-id", tenant_id, "--login", "devicecode"]
    document = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": cluster, "cluster": {"certificate-authority-data": cert, "server": f"https://{fqdn}:443"}}
        ],
        "contexts": [{"name": cluster, "context": {"cluster": cluster, "user": user}}],
        "current-context": cluster,
        "users": [
            {
                "name": user,
                "user": {
                    "exec": {
                        "apiVersion": "client.authentication.k8s.io/v1beta1",
                        "command": "kubelogin",
                        "args": args,
                        "env": None,
                        "installHint": "kubelogin is not installed which is required to connect to AAD enabled "
                        "cluster.\n\nTo learn more, please go to https://aka.ms/aks/kubelogin\n",
                        "provideClusterInfo": False,
                        "interactiveMode": "IfAvailable",
                    }
                },
            }
        ],
        "preferences": {},
    }
    return yaml.safe_dump(document)


def kubeconfig(cluster: str, fqdn: str) -> str:
    """The clusterUser kubeconfig AKS returns for a cluster without Entra ID integration."""
    cert = base64.b64encode(b"-----BEGIN CERTIFICATE-----\nMIIE6DCCAtCgAwIBAgIQ\n-----END CERTIFICATE-----\n").decode()
    key = base64.b64encode(
        b"-----BEGIN RSA PRIVATE KEY-----\nMIIJKQIBAAKCAgEA\n-----END RSA PRIVATE KEY-----\n"
    ).decode()
    token = hashlib.sha256(f"token/{cluster}".encode()).hexdigest()
    document = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": cluster, "cluster": {"certificate-authority-data": cert, "server": f"https://{fqdn}:443"}}
        ],
        "contexts": [{"name": cluster, "context": {"cluster": cluster, "user": f"clusterUser_{cluster}"}}],
        "current-context": cluster,
        "users": [
            {
                "name": f"clusterUser_{cluster}",
                "user": {"client-certificate-data": cert, "client-key-data": key, "token": token},
            }
        ],
        "preferences": {},
    }
    return yaml.safe_dump(document)
