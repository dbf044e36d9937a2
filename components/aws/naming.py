"""AWS resource names derived from the project, the stack and the account, valid for any stack name.

The same digest as on Azure (``components.naming.digest``, here of the account id) ends every name,
so two stacks never collide and the same stack in another account does not take the globally
unique bucket name of ours. Limits are AWS's (each field's comment).
"""

from __future__ import annotations

from dataclasses import dataclass

from components.naming import _hyphenated, digest


@dataclass(frozen=True)
class AwsNames:
    prefix: str  # the Name tag of the VPC and what is in it
    cluster: str  # EKS: 1-100, letters, digits, - _; starts alphanumeric
    database: str  # RDS identifier: 1-63, lower case letters, digits, -; starts with a letter, no "--", no trailing -
    log_bucket: str  # S3: 3-63, lower case letters, digits, - .; globally unique
    repository: str  # ECR: 2-256, lower case, digits, - _ . /
    role_prefix: str  # IAM role names: 1-64 with the suffix each role adds (at most 21 characters)


def aws_names(project: str, stack: str, account_id: str) -> AwsNames:
    tag = digest(project, stack, account_id)
    base = f"{project}-{stack}"
    return AwsNames(
        prefix=_hyphenated("", base, tag, 100),
        cluster=_hyphenated("eks", stack, tag, 100),
        database=_hyphenated("airflow", stack, tag, 63),
        log_bucket=_hyphenated("logs", base, tag, 63),
        repository=f"{_hyphenated('', base, tag, 200)}/airflow",
        role_prefix=_hyphenated("", base, tag, 43),
    )
