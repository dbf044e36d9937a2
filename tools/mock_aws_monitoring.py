"""What Amazon Managed Service for Prometheus and SNS answer (through pulumi-aws) for the AWS
monitoring (components/aws/monitoring.py)."""

from __future__ import annotations

from tools.mock_aws import ACCOUNT_ID, PARTITION, arn, computes, hex_id, stable_uuid


@computes("aws:amp/workspace:Workspace")
def _amp_workspace(logical: str, state: dict, region: str) -> None:
    """CreateWorkspace: a ws-<uuid> id, its ARN, and the Prometheus-compatible endpoint under it."""
    workspace = f"ws-{stable_uuid('amp-workspace', logical)}"
    state.update(
        id=workspace,
        arn=arn("aps", region, f"workspace/{workspace}"),
        prometheusEndpoint=f"https://aps-workspaces.{region}.amazonaws.com/workspaces/{workspace}/",
    )


@computes("aws:amp/scraper:Scraper")
def _amp_scraper(logical: str, state: dict, region: str) -> None:
    """DescribeScraper: an s-<uuid> id and the service-linked role AMP made for it (its access entry's principal)."""
    scraper = f"s-{stable_uuid('amp-scraper', logical)}"
    state.update(
        id=scraper,
        arn=arn("aps", region, f"scraper/{scraper}"),
        roleArn=f"arn:{PARTITION}:iam::{ACCOUNT_ID}:role/aws-service-role/scraper.aps.amazonaws.com/"
        f"AWSServiceRoleForAmazonPrometheusScraper_{hex_id('amp-scraper-role', logical, length=15)}",
    )


@computes("aws:amp/ruleGroupNamespace:RuleGroupNamespace")
def _amp_rule_group_namespace(logical: str, state: dict, region: str) -> None:
    """The provider's id is the namespace's ARN, rulegroupsnamespace/<workspace>/<name>."""
    state["arn"] = arn("aps", region, f"rulegroupsnamespace/{state.get('workspaceId')}/{state.get('name')}")
    state["id"] = state["arn"]


@computes("aws:amp/alertManagerDefinition:AlertManagerDefinition")
def _amp_alert_manager_definition(logical: str, state: dict, region: str) -> None:
    """One definition per workspace: the provider's id is the workspace's."""
    state["id"] = state.get("workspaceId")


@computes("aws:sns/topic:Topic")
def _sns_topic(logical: str, state: dict, region: str) -> None:
    """CreateTopic answers the topic's ARN, which is also the provider's id."""
    topic_arn = arn("sns", region, str(state.get("name") or logical))
    state.update(id=topic_arn, arn=topic_arn, owner=ACCOUNT_ID, signatureVersion=state.get("signatureVersion") or 1)


@computes("aws:sns/topicPolicy:TopicPolicy")
def _sns_topic_policy(logical: str, state: dict, region: str) -> None:
    state.update(id=state.get("arn"), owner=ACCOUNT_ID)


@computes("aws:sns/topicSubscription:TopicSubscription")
def _sns_topic_subscription(logical: str, state: dict, region: str) -> None:
    """An e-mail subscription is pending until the recipient follows the mail's link; Subscribe still
    answers its ARN (ReturnSubscriptionArn)."""
    subscription = f"{state.get('topic')}:{stable_uuid('sns-subscription', logical)}"
    state.update(
        id=subscription,
        arn=subscription,
        ownerId=ACCOUNT_ID,
        pendingConfirmation=state.get("protocol") in ("email", "email-json"),
        confirmationWasAuthenticated=False,
    )
