"""ECR: immutable tags, scan on push, AES256 fixed at creation, untagged images expire; the login
server is the registry host the nodes pull from."""

from __future__ import annotations

import json

from components.aws.registry import UNTAGGED_IMAGE_DAYS
from tests.aws_components import components_run
from tools.mock_aws import ACCOUNT_ID


def test_repository_is_immutable_scanned_and_aes256_encrypted():
    inputs = components_run("aws-prod").one("aws:ecr/repository:Repository").inputs
    assert inputs["name"] == "airflow-aws-dev/airflow"
    assert inputs["imageTagMutability"] == "IMMUTABLE"
    assert inputs["imageScanningConfiguration"] == {"scanOnPush": True}
    assert inputs["encryptionConfigurations"] == [{"encryptionType": "AES256"}]
    assert inputs["forceDelete"] is False


def test_untagged_images_expire():
    run = components_run("aws-prod")
    policy = run.one("aws:ecr/lifecyclePolicy:LifecyclePolicy")
    (rule,) = json.loads(policy.inputs["policy"])["rules"]
    assert rule["selection"] == {
        "tagStatus": "untagged",
        "countType": "sinceImagePushed",
        "countUnit": "days",
        "countNumber": UNTAGGED_IMAGE_DAYS,
    }
    assert rule["action"] == {"type": "expire"}
    assert policy.inputs["repository"] == "airflow-aws-dev/airflow"


def test_login_server_is_the_accounts_registry_host_in_the_region():
    outputs = components_run("aws-dev").outputs
    assert outputs["registryLoginServer"].value == f"{ACCOUNT_ID}.dkr.ecr.eu-west-1.amazonaws.com"
    assert outputs["repositoryUrl"].value == f"{ACCOUNT_ID}.dkr.ecr.eu-west-1.amazonaws.com/airflow-aws-dev/airflow"
    assert any("aws:ecr/repository:Repository" in urn for urn in outputs["registryReady"].value)
