"""airflow-platform: reads the stack's settings, composes the platform and Airflow on it, exports outputs."""

import pulumi

from components.airflow.release import AirflowRelease, AirflowReleaseArgs
from components.azure.platform import build_platform
from components.config import load_settings

# Validated before anything is declared; only "azure" passes so far (the settings refuse "aws").
settings = load_settings()

platform = build_platform(settings)
airflow = AirflowRelease(
    "airflow",
    AirflowReleaseArgs(platform=platform, settings=settings.airflow, git_ssh_key=settings.git_ssh_key),
)

for name, value in {**platform.outputs, **airflow.outputs}.items():
    pulumi.export(name, value)
