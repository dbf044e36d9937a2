"""The kubeconfig the program (and its users) reach the cluster with: Entra ID tokens, no static credential.

AKS returns, for a cluster with managed Entra ID integration, a kubeconfig whose user runs the
kubelogin exec plugin (``format=exec``) in device-code mode, which needs a person at a browser.
The program runs unattended (a laptop after ``az login``, a workflow after ``azure/login``), so
the plugin is switched to kubelogin's ``azurecli`` mode: it takes the token of the Azure CLI
session. kubelogin lets ``AAD_LOGIN_METHOD`` override the mode (workloadidentity, spn, msi)
where no Azure CLI session exists.
"""

from __future__ import annotations

import base64
from typing import Any

import yaml

KUBELOGIN = "kubelogin"
LOGIN_MODE = "azurecli"
#: The static credentials a kubeconfig user can carry; an Entra ID kubeconfig carries none.
STATIC_CREDENTIALS = ("token", "tokenFile", "client-certificate-data", "client-key-data", "username", "password")


def _with_login(args: list[str], mode: str) -> list[str]:
    """kubelogin's arguments with ``--login`` set to ``mode`` (device code is what AKS writes)."""
    rest: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in ("--login", "-l"):
            skip = True
        elif not arg.startswith("--login="):
            rest.append(arg)
    return [*rest, "--login", mode]


def unattended(kubeconfig_base64: str) -> str:
    """The kubeconfig AKS returned, with every kubelogin user signing in non-interactively.

    Refuses a kubeconfig with a static credential: with local accounts off AKS issues none, and a
    kubeconfig that carried one would be a cluster credential in the stack's state.
    """
    document: dict[str, Any] = yaml.safe_load(base64.b64decode(kubeconfig_base64))
    for user in document.get("users") or []:
        spec = user.get("user") or {}
        static = [key for key in STATIC_CREDENTIALS if spec.get(key)]
        if static:
            raise ValueError(f"kubeconfig user {user.get('name')} carries a static credential ({', '.join(static)})")
        exec_spec = spec.get("exec") or {}
        if exec_spec.get("command") != KUBELOGIN:
            raise ValueError(f"kubeconfig user {user.get('name')} does not sign in through kubelogin")
        exec_spec["args"] = _with_login(list(exec_spec.get("args") or []), LOGIN_MODE)
    return yaml.safe_dump(document, sort_keys=False)
