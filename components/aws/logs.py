"""The S3 bucket for remote task logs, written by the Airflow pods' IAM role.

Not versioned: Airflow's S3 handler rewrites a task's log object on every upload (it reads the old
log and puts the whole again), so versions would keep every intermediate copy; expiry alone bounds
the bucket. Encryption is SSE-S3 (data/aws-pod-identity.yaml ``s3_encryption``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.aws.identity import FACTS, PodIdentity
from components.config.aws import AwsLogsSettings
from components.platform import Destination, LogStore, S3Folder

#: The key prefix the task logs go under (``remote_base_log_folder`` is ``s3://<bucket>/<prefix>``).
LOG_PREFIX = "task-logs"
#: Days after which S3 removes the parts of an upload a pod did not finish (it died mid-upload).
ABORTED_UPLOAD_DAYS = 1


def tls_only_policy(bucket_arn: str) -> str:
    """Denies every request to the bucket that does not come over TLS."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [bucket_arn, f"{bucket_arn}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            ],
        }
    )


def writer_policy(bucket_arn: str) -> str:
    """Reads and writes objects under the log prefix only; lists the bucket, without which a HeadObject
    of a log not yet written answers 403 instead of 404 and Airflow drops the upload."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "TaskLogObjects",
                    "Effect": "Allow",
                    "Action": ["s3:PutObject", "s3:GetObject"],
                    "Resource": f"{bucket_arn}/{LOG_PREFIX}/*",
                },
                {"Sid": "TaskLogKeys", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket_arn},
            ],
        }
    )


@dataclass(frozen=True)
class LogBucketArgs:
    settings: AwsLogsSettings
    protect: bool
    bucket_name: str
    region: str
    #: The role the Airflow pods act as: it gets read and write on the log prefix.
    writer: PodIdentity
    tags: dict[str, str]


class LogBucket(pulumi.ComponentResource):
    def __init__(self, name: str, args: LogBucketArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("airflow-platform:aws:LogBucket", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.writer = args.writer
        self.region = args.region
        self.bucket = aws.s3.Bucket(
            "bucket",
            bucket=args.bucket_name,
            # Never emptied by a destroy: a protected stack keeps its logs, an unprotected one fails loudly.
            force_destroy=False,
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        name_ = self.bucket.bucket
        self.public_access = aws.s3.BucketPublicAccessBlock(
            "public-access",
            bucket=name_,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        # ACLs off: the bucket owner owns every object, whoever wrote it.
        aws.s3.BucketOwnershipControls(
            "ownership",
            bucket=name_,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=child,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            "encryption",
            bucket=name_,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm=FACTS.s3_encryption.algorithm
                    )
                )
            ],
            opts=child,
        )
        # After the public access block: S3 would judge a policy put before it by the account's defaults.
        aws.s3.BucketPolicy(
            "tls-only",
            bucket=name_,
            policy=self.bucket.arn.apply(tls_only_policy),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.public_access]),
        )
        aws.s3.BucketLifecycleConfiguration(
            "retention",
            bucket=name_,
            rules=[
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="expire-task-logs",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=f"{LOG_PREFIX}/"),
                    expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=args.settings.retention_days),
                    abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                        days_after_initiation=ABORTED_UPLOAD_DAYS
                    ),
                )
            ],
            opts=child,
        )
        self.grant = args.writer.allow("task-logs", self.bucket.arn.apply(writer_policy), parent=self)
        self.outputs: dict[str, pulumi.Input[object]] = {"logBucket": name_}
        self.register_outputs(self.outputs)

    def handle(self) -> LogStore:
        return LogStore(
            location=S3Folder(bucket=self.bucket.bucket, prefix=LOG_PREFIX, region=self.region),
            identity=self.writer.handle(),
            # S3's addresses are AWS's public ranges (reached through the VPC's gateway endpoint).
            network=Destination.public(443),
        )
