"""Read-only access to the Airflow namespace for the pull-request preview identity.

`pulumi preview` of the Helm release reads the release's history (Helm keeps it in Secrets of
the namespace) and, with ``--refresh``, every object the program declared there. Nothing else:
the preview identity is not cluster-wide, and it can change nothing. A request for the namespace
object itself is authorised in that namespace, so the Role covers it too.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_kubernetes as k8s

READER_ROLE = "airflow-platform-preview-reader"
READ_VERBS = ["get", "list", "watch"]


def namespace_readers(
    namespace: pulumi.Input[str], groups: Sequence[str], opts: pulumi.ResourceOptions
) -> list[pulumi.CustomResource]:
    """A Role that reads everything in ``namespace``, bound to ``groups``; nothing without groups."""
    if not groups:
        return []
    role = k8s.rbac.v1.Role(
        "preview-reader",
        metadata=k8s.meta.v1.ObjectMetaArgs(name=READER_ROLE, namespace=namespace),
        rules=[k8s.rbac.v1.PolicyRuleArgs(api_groups=["*"], resources=["*"], verbs=READ_VERBS)],
        opts=opts,
    )
    binding = k8s.rbac.v1.RoleBinding(
        "preview-reader",
        metadata=k8s.meta.v1.ObjectMetaArgs(name=READER_ROLE, namespace=namespace),
        role_ref=k8s.rbac.v1.RoleRefArgs(api_group="rbac.authorization.k8s.io", kind="Role", name=READER_ROLE),
        subjects=[
            k8s.rbac.v1.SubjectArgs(api_group="rbac.authorization.k8s.io", kind="Group", name=group)
            for group in groups
        ],
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[role])),
    )
    return [role, binding]
