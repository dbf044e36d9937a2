"""Container registry the cluster pulls from with its kubelet identity, no stored credentials."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import authorization, containerregistry

from components.azure.logs import role_definition_id
from components.config import RegistrySettings

#: Built-in role "AcrPull".
ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d"


@dataclass(frozen=True)
class RegistryArgs:
    resource_group_name: pulumi.Input[str]
    registry_name: pulumi.Input[str]
    location: str
    settings: RegistrySettings
    #: Object id of the cluster's kubelet identity, the principal that pulls images.
    kubelet_object_id: pulumi.Input[str]
    subscription_id: pulumi.Input[str]
    tags: dict[str, str]


class Registry(pulumi.ComponentResource):
    def __init__(self, name: str, args: RegistryArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("airflow-platform:azure:Registry", name, None, opts)
        self.registry = containerregistry.Registry(
            "registry",
            resource_group_name=args.resource_group_name,
            registry_name=args.registry_name,
            location=args.location,
            sku=containerregistry.SkuArgs(name=args.settings.sku),
            admin_user_enabled=False,
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.pull = authorization.RoleAssignment(
            "kubelet-acr-pull",
            scope=self.registry.id,
            role_definition_id=role_definition_id(args.subscription_id, ACR_PULL),
            principal_id=args.kubelet_object_id,
            principal_type="ServicePrincipal",
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.login_server = self.registry.login_server
        self.register_outputs({"loginServer": self.login_server})
