"""The kubeconfig the program (and its users) reach an EKS cluster with: a short-lived token, no static credential.

The user runs ``aws eks get-token`` as a client-go exec credential plugin, as EKS documents for
``aws eks update-kubeconfig``: each call signs an STS GetCallerIdentity request with the caller's
AWS credentials (a laptop's profile, a workflow's OIDC-federated role) into a token valid for
minutes. The kubeconfig itself grants nothing, so it is not a secret.
"""

from __future__ import annotations

from typing import Any

import yaml

EXEC_API_VERSION = "client.authentication.k8s.io/v1beta1"


def eks_kubeconfig(cluster_name: str, endpoint: str, certificate_authority: str, region: str) -> str:
    """A kubeconfig for ``cluster_name`` whose one user gets its token from the AWS CLI."""
    document: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": cluster_name, "cluster": {"server": endpoint, "certificate-authority-data": certificate_authority}}
        ],
        "users": [
            {
                "name": cluster_name,
                "user": {
                    "exec": {
                        "apiVersion": EXEC_API_VERSION,
                        "command": "aws",
                        "args": [
                            "eks",
                            "get-token",
                            "--cluster-name",
                            cluster_name,
                            "--region",
                            region,
                            "--output",
                            "json",
                        ],
                        "interactiveMode": "Never",
                    }
                },
            }
        ],
        "contexts": [{"name": cluster_name, "context": {"cluster": cluster_name, "user": cluster_name}}],
        "current-context": cluster_name,
    }
    return yaml.safe_dump(document, sort_keys=False)
