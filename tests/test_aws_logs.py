"""The S3 log bucket (private, TLS only, encrypted, expiring, protected in prod) and Airflow's S3
handler on it, proven by real Airflow 3.1.8 with the amazon provider (``.venv-airflow``)."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from components.aws.logs import LOG_PREFIX
from tests.aws_components import components_run, policy
from tools.offline import ROOT, stack_config

BUCKET = "aws:s3/bucket:Bucket"
AIRFLOW_VENV = ROOT / ".venv-airflow" / "bin"


@pytest.mark.parametrize(("stack", "retention_days"), [("aws-dev", 14), ("aws-prod", 30)])
def test_bucket_is_private_encrypted_and_expires_logs_after_the_retention(stack, retention_days):
    run = components_run(stack)
    bucket = run.one(BUCKET)
    assert bucket.inputs["forceDestroy"] is False
    block = run.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs
    assert all(
        block[k] is True for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    )
    assert run.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs["rule"] == {
        "objectOwnership": "BucketOwnerEnforced"
    }
    (sse,) = run.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").inputs[
        "rules"
    ]
    assert sse["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "AES256"}
    (rule,) = run.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs["rules"]
    assert rule["status"] == "Enabled" and rule["filter"] == {"prefix": f"{LOG_PREFIX}/"}
    assert rule["expiration"] == {"days": retention_days}


def test_prod_protects_the_bucket_and_disposable_dev_does_not():
    assert components_run("aws-prod").one(BUCKET).protect is True
    assert components_run("aws-dev").one(BUCKET).protect is False


def test_bucket_policy_denies_every_request_without_tls():
    run = components_run("aws-prod")
    arn = run.one(BUCKET).state["arn"]
    (statement,) = policy(run.one("aws:s3/bucketPolicy:BucketPolicy").inputs, "policy")["Statement"]
    assert statement["Effect"] == "Deny" and statement["Principal"] == "*" and statement["Action"] == "s3:*"
    assert statement["Resource"] == [arn, f"{arn}/*"]
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_writer_reads_and_writes_only_under_the_log_prefix():
    run = components_run("aws-prod")
    arn = run.one(BUCKET).state["arn"]
    statements = policy(run.one("aws:iam/rolePolicy:RolePolicy").inputs, "policy")["Statement"]
    grants = {(s["Effect"], json.dumps(s["Action"]), s["Resource"]) for s in statements}
    assert grants == {
        ("Allow", json.dumps(["s3:PutObject", "s3:GetObject"]), f"{arn}/{LOG_PREFIX}/*"),
        ("Allow", json.dumps("s3:ListBucket"), arn),
    }


def test_airflow_writes_to_the_prefix_through_a_keyless_aws_connection():
    outputs = components_run("aws-dev").outputs
    bucket = outputs["logBucket"].value
    assert outputs["kind"].value == "s3"
    assert outputs["loggingConfig"].value == {
        "logging": {
            "remote_logging": "True",
            "remote_base_log_folder": f"s3://{bucket}/{LOG_PREFIX}",
            "remote_log_conn_id": "remote_task_logs",
        }
    }
    (env,) = outputs["loggingEnv"].value
    assert env["name"] == "AIRFLOW_CONN_REMOTE_TASK_LOGS"
    assert json.loads(env["value"]) == {"conn_type": "aws", "extra": {"region_name": "eu-west-1"}}


def test_real_airflow_takes_the_folder_and_the_pod_identity_credentials(tmp_path):
    if not (AIRFLOW_VENV / "python").exists():
        pytest.skip(f"no Airflow in {AIRFLOW_VENV}: run `bash scripts/airflow-venv.sh` first")
    outputs = components_run("aws-dev").outputs
    logging = outputs["loggingConfig"].value["logging"]
    (conn,) = outputs["loggingEnv"].value
    token = tmp_path / "eks-pod-identity-token"
    token.write_text("projected-service-account-token")
    env = {
        "PATH": os.environ["PATH"],
        "AIRFLOW_HOME": str(tmp_path),
        **{f"AIRFLOW__LOGGING__{key.upper()}": value for key, value in logging.items()},
        conn["name"]: conn["value"],
        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": str(token),
    }
    folder = logging["remote_base_log_folder"]
    done = subprocess.run(
        [str(AIRFLOW_VENV / "python"), str(ROOT / "tests" / "s3_log_check.py"), folder, load_settings_region()],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["conn_type"] == "aws" and report["login"] is None and report["password"] is None
    assert report["is_s3_remote_io"] and report["remote_base"] == folder
    assert report["hook_region"] == "eu-west-1"
    # boto3's container provider fetched the agent's credentials with the token file's content.
    assert report["access_key"] == "ASIAPODIDENTITYAGENT"
    assert report["bucket_and_prefix"] == [outputs["logBucket"].value, LOG_PREFIX]


def load_settings_region() -> str:
    return stack_config("aws-dev")[0]["aws:region"]
