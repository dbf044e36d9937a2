"""Read-only access to the stack's Kubernetes objects for the pull-request preview identity.

`pulumi preview` of the Helm release reads the release's history (Helm keeps it in Secrets of
the namespace) and, with ``--refresh``, every object the program declared. Nothing else: the
preview identity is not cluster-wide, and it can change nothing. A request for the namespace
object itself is authorised in that namespace, so a namespace's Role covers it too.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_kubernetes as k8s

READER_ROLE = "airflow-platform-preview-reader"
READ_VERBS = ["get", "list", "watch"]
RBAC_GROUP = "rbac.authorization.k8s.io"


def namespace_readers(
    namespace: pulumi.Input[str], groups: Sequence[str], opts: pulumi.ResourceOptions
) -> list[pulumi.CustomResource]:
    """A Role that reads everything in ``namespace``, bound to ``groups``; nothing without groups."""
    rule = k8s.rbac.v1.PolicyRuleArgs(api_groups=["*"], resources=["*"], verbs=READ_VERBS)
    return _bound_role("preview-reader", READER_ROLE, namespace, rule, groups, opts)


def object_readers(
    name: str,
    namespace: str,
    resource: str,
    names: Sequence[str],
    groups: Sequence[str],
    opts: pulumi.ResourceOptions,
) -> list[pulumi.CustomResource]:
    """Read access to just the named objects of a namespace the stack shares (kube-system): a Role
    that ``get``s them by name (what a refresh does), bound to ``groups``; nothing without groups."""
    rule = k8s.rbac.v1.PolicyRuleArgs(api_groups=[""], resources=[resource], resource_names=list(names), verbs=["get"])
    return _bound_role(f"{name}-preview-reader", f"{READER_ROLE}-{name}", namespace, rule, groups, opts)


def _bound_role(
    logical: str,
    role_name: str,
    namespace: pulumi.Input[str],
    rule: k8s.rbac.v1.PolicyRuleArgs,
    groups: Sequence[str],
    opts: pulumi.ResourceOptions,
) -> list[pulumi.CustomResource]:
    if not groups:
        return []
    role = k8s.rbac.v1.Role(
        logical,
        metadata=k8s.meta.v1.ObjectMetaArgs(name=role_name, namespace=namespace),
        rules=[rule],
        opts=opts,
    )
    binding = k8s.rbac.v1.RoleBinding(
        logical,
        metadata=k8s.meta.v1.ObjectMetaArgs(name=role_name, namespace=namespace),
        role_ref=k8s.rbac.v1.RoleRefArgs(api_group=RBAC_GROUP, kind="Role", name=role_name),
        subjects=[k8s.rbac.v1.SubjectArgs(api_group=RBAC_GROUP, kind="Group", name=group) for group in groups],
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[role])),
    )
    return [role, binding]
