"""airflow-platform: reads the stack's settings, composes the platform and Airflow on it, exports outputs."""

import pulumi

from components.airflow.release import AirflowRelease, AirflowReleaseArgs
from components.aws.platform import build_platform as aws_platform
from components.azure.platform import build_platform as azure_platform
from components.config import load_settings

# Validated before anything is declared: one cloud's blocks, and that cloud's rules.
settings = load_settings()

platform = {"azure": azure_platform, "aws": aws_platform}[settings.cloud](settings)
airflow = AirflowRelease(
    "airflow",
    AirflowReleaseArgs(platform=platform, settings=settings.airflow, git_ssh_key=settings.git_ssh_key),
)

for name, value in {**platform.outputs, **airflow.outputs}.items():
    pulumi.export(name, value)
