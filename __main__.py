"""airflow-platform: reads the stack's settings, composes the platform, exports its outputs."""

import pulumi

from components.config import load_settings

settings = load_settings()

if settings.cloud == "azure":
    from components.azure.platform import build_platform
else:
    raise NotImplementedError("cloud 'aws' is not provisioned yet; use 'azure'")

platform = build_platform(settings)

for name, value in platform.outputs.items():
    pulumi.export(name, value)
