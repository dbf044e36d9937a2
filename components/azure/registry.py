"""Container registry the cluster pulls from with its kubelet identity, no stored credentials."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import containerregistry

from components.azure.private_link import PrivateAccess, PrivateLink, PrivateLinkArgs
from components.azure.roles import ACR_PULL, grant
from components.config import RegistrySettings
from components.platform import ImageRegistry


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
    #: With private endpoints (a Premium registry), nodes pull through one and public access is off.
    access: PrivateAccess


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
            # Without private endpoints (dev, Basic) the registry stays public: only Premium has network rules.
            public_network_access=args.access.public_network_access,
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.pull = grant(
            "kubelet-acr-pull",
            role=ACR_PULL,
            scope=self.registry.id,
            principal_id=args.kubelet_object_id,
            subscription_id=args.subscription_id,
            parent=self,
        )
        self.private_link = (
            PrivateLink(
                "registry",
                PrivateLinkArgs(args.access.endpoints, "registry", self.registry.id),
                opts=pulumi.ResourceOptions(parent=self),
            )
            if args.access.endpoints
            else None
        )
        self.login_server = self.registry.login_server
        self.register_outputs({"loginServer": self.login_server})

    def handle(self) -> ImageRegistry:
        link = self.private_link.ready if self.private_link else []
        return ImageRegistry(login_server=self.login_server, ready=[self.registry, self.pull, *link])
