"""The stack's public interface: every setting, typed, with its default, read and validated once.

Structured settings live under the ``airflow-platform:`` namespace in camelCase
(``airflow-platform:cluster`` -> ``{"taskPool": {"maxCount": 20}}``); the region is the Azure
provider's own ``azure-native:location``. Defaults live here and only here, so a stack file
carries only what differs from them.

A wrong stack file stops the program before it declares anything, with one message that lists
every problem: the setting's path as a user writes it, the value given (never a secret's) and
what is allowed. Unknown keys are refused, with the closest known key suggested.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import re
from collections.abc import Callable, Collection, Iterator, Mapping
from decimal import Decimal, DecimalException
from typing import Annotated, Any, ClassVar, Literal, NamedTuple, Self, get_args
from urllib.parse import urlsplit, urlunsplit

import pulumi
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from components import azure_facts, chart_facts, kubernetes_versions
from components.naming import REGION_NAME_BUDGET

PROJECT = "airflow-platform"
#: The region is the Azure provider's setting, so resources and provider agree on it.
LOCATION_KEY = "azure-native:location"

#: The cluster's overlay pod network and its service network. Fixed, not settings: AKS requires
#: both to stay clear of the VNet's address space, which the network settings are checked against.
CLUSTER_POD_CIDR = "10.244.0.0/16"
CLUSTER_SERVICE_CIDR = "10.0.0.0/16"

#: AKS: at most 1000 nodes in one pool.
MAX_POOL_NODES = 1000
#: Azure keeps the first four addresses and the last one of every subnet.
AZURE_RESERVED_SUBNET_ADDRESSES = 5
#: Azure's smallest subnet.
SMALLEST_SUBNET_PREFIX = 29

SECRET_MARK = "[secret]"


class ConfigurationError(pulumi.RunError):
    """The stack's settings are wrong; raised before any resource is declared.

    A ``RunError`` is shown by the Pulumi CLI as its message alone, without a traceback.
    """


# -- value rules ---------------------------------------------------------------------------------


def _invalid(requirement: str) -> PydanticCustomError:
    """A validation error whose message is ``requirement`` as written."""
    return PydanticCustomError("invalid", "{requirement}", {"requirement": requirement})


def _enforcing(check: Callable[[Any], str | None]) -> Callable[[Any], Any]:
    """A validator from a rule: a function that returns what is wrong with a value, or None."""

    def validate(value: Any) -> Any:
        requirement = check(value)
        if requirement is not None:
            raise _invalid(requirement)
        return value

    return validate


def _checked(check: Callable[[Any], str | None]) -> AfterValidator:
    return AfterValidator(_enforcing(check))


def _matching(pattern: str, requirement: str) -> AfterValidator:
    compiled = re.compile(pattern)
    return _checked(lambda value: None if compiled.fullmatch(value) else requirement)


def _number_as_text(value: object) -> object:
    """YAML reads ``zones: [1, 2]`` and ``version: 16`` as numbers; the names are the digits."""
    return str(value) if type(value) is int else value


def _quantity_number_as_text(value: object) -> object:
    """YAML reads ``cpu: 2`` and ``cpu: 0.5`` as numbers; Kubernetes reads them as the same quantity."""
    return str(value) if type(value) in (int, float) else value


def _supported_cloud(value: object) -> str | None:
    if value == "aws":
        return "aws is planned but not available yet: azure is the only cloud this program can build"
    if value != "azure":
        return "must be azure, the only cloud available (aws is planned)"
    return None


def _azure_region(value: str) -> str | None:
    if re.fullmatch(rf"[a-z][a-z0-9]{{1,{REGION_NAME_BUDGET - 1}}}", value):
        return None
    spelled = re.sub(r"[^a-z0-9]", "", value.lower())
    hint = f"; did you mean {spelled}?" if spelled and spelled != value else ""
    return f"must be an Azure region name such as westeurope: lower case, no spaces{hint}"


_VM_SIZE = r"Standard_[A-Z][A-Za-z0-9-]*(?:_[A-Za-z0-9]+)*"


def _is_burstable(size: str) -> bool:
    """B-series sizes run on CPU credits: no spot capacity, not for AKS System pools."""
    return re.match(r"Standard_B\d", size) is not None


def _system_pool_size(size: str) -> str | None:
    if _is_burstable(size):
        return "must not be a B-series size: AKS System pools do not support them; use e.g. Standard_D4ds_v5"
    return None


def _spot_price(price: float) -> str | None:
    if price != -1 and not price > 0:
        return "must be -1 (pay up to the on-demand price) or a price above 0, in US dollars per hour"
    return None


def _ipv4_cidr(value: str) -> str | None:
    try:
        interface = ipaddress.IPv4Interface(value) if re.fullmatch(r"[\d.]+/\d{1,2}", value) else None
    except ValueError:
        interface = None
    if interface is None:
        return "must be an IPv4 CIDR such as 10.40.0.0/16"
    if interface.ip != interface.network.network_address:
        return f"has host bits set: the network is {interface.network}"
    return None


def _azure_subnet(value: str) -> str | None:
    if ipaddress.IPv4Network(value).prefixlen > SMALLEST_SUBNET_PREFIX:
        return f"must be a /{SMALLEST_SUBNET_PREFIX} or larger: Azure's smallest subnet is /{SMALLEST_SUBNET_PREFIX}"
    return None


_QUANTITY = re.compile(
    r"(?P<number>[+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:[eE](?P<exponent>[+-]?\d+)|(?P<suffix>[KMGTPE]i|[numkMGTPE]))?"
)
_QUANTITY_SCALE: Mapping[str, Decimal] = {
    "": Decimal(1),
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    **{suffix: Decimal(1000**power) for power, suffix in enumerate("kMGTPE", start=1)},
    **{f"{suffix}i": Decimal(1024**power) for power, suffix in enumerate("KMGTPE", start=1)},
}


def parse_quantity(text: str) -> Decimal:
    """The amount a Kubernetes quantity (``500m``, ``1.5Gi``, ``2e3``) stands for; ValueError if none."""
    match = _QUANTITY.fullmatch(text)
    if match is None:
        raise ValueError(f"not a Kubernetes quantity: {text!r}")
    number = Decimal(match["number"])
    try:
        if match["exponent"] is not None:
            return number.scaleb(int(match["exponent"]))
        return number * _QUANTITY_SCALE[match["suffix"] or ""]
    except DecimalException as error:
        raise ValueError(f"quantity out of range: {text!r}") from error


def _amount(text: str) -> Decimal | None:
    try:
        return parse_quantity(text)
    except ValueError:
        return None


def _cpu(text: str) -> str | None:
    amount = _amount(text)
    if amount is None:
        return "must be a Kubernetes CPU quantity such as 500m or 2"
    if amount < Decimal("0.001"):
        return "must be at least 1m, a thousandth of a CPU (the finest Kubernetes allows)"
    return None


def _memory(text: str) -> str | None:
    amount = _amount(text)
    if amount is None:
        return "must be a Kubernetes memory quantity such as 512Mi or 4Gi"
    if amount != amount.to_integral_value():
        hint = f"; did you mean {text[:-1]}Mi?" if text.endswith("m") else ""
        return f"must be a whole number of bytes: the suffix m means thousandths{hint}"
    if amount < 1024**2:
        return "must be at least 1Mi: a number without a suffix counts bytes"
    return None


#: Go accepts both the micro sign and the Greek mu for microseconds.
_GO_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_GO_DURATION_SECONDS: Mapping[str, Decimal] = {
    "ns": Decimal("1e-9"),
    "us": Decimal("1e-6"),
    "µs": Decimal("1e-6"),
    "μs": Decimal("1e-6"),
    "ms": Decimal("1e-3"),
    "s": Decimal(1),
    "m": Decimal(60),
    "h": Decimal(3600),
}


def duration_seconds(text: str) -> Decimal:
    """The length of a Go duration (``60s``, ``1m30s``, ``500ms``), as git-sync reads it; ValueError if none."""
    if not re.fullmatch(rf"(?:{_GO_DURATION_PART.pattern})+", text):
        raise ValueError(f"not a Go duration: {text!r}")
    return sum(
        (Decimal(number) * _GO_DURATION_SECONDS[unit] for number, unit in _GO_DURATION_PART.findall(text)), Decimal(0)
    )


def _period(text: str) -> str | None:
    try:
        seconds = duration_seconds(text)
    except ValueError:
        return "must be a duration such as 60s, 5m or 1m30s"
    return None if seconds > 0 else "must be longer than zero"


_SCP_LIKE_GIT_URL = re.compile(r"[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s]+")


def is_ssh_git_url(url: str) -> bool:
    return url.startswith("ssh://") or _SCP_LIKE_GIT_URL.fullmatch(url) is not None


def _git_url(url: str) -> str | None:
    allowed = (
        "must be an SSH (git@github.com:org/dags.git, ssh://git@host/org/dags.git) "
        "or HTTPS (https://github.com/org/dags.git) git URL"
    )
    if _SCP_LIKE_GIT_URL.fullmatch(url):
        return None
    try:
        parts = urlsplit(url)
        host, password = parts.hostname, parts.password
        _ = parts.port  # raises on a port that is not a number
    except ValueError:
        return allowed
    if parts.scheme not in ("https", "ssh") or not host or not parts.path.strip("/") or any(c.isspace() for c in url):
        return allowed
    if password is not None:
        return "must not carry a password: use an SSH URL with gitSshKey, which is kept secret"
    return None


def _git_branch(name: str) -> str | None:
    # git check-ref-format's rules for a branch name.
    if (
        not name
        or name == "@"
        or name.startswith(("-", "/", "."))
        or name.endswith(("/", ".", ".lock"))
        or any(bad in name for bad in ("..", "//", "@{", "/."))
        or any(c in " ~^:?*[\\" or ord(c) < 32 or ord(c) == 127 for c in name)
    ):
        return "must be a git branch name such as main"
    return None


def _repository_path(path: str) -> str | None:
    if path.startswith("/") or ".." in path.split("/") or "\\" in path:
        return "must be a path inside the repository such as dags: relative, without .."
    return None


def _namespace(name: str) -> str | None:
    if not re.fullmatch(r"[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?", name):
        return "must be a DNS-1123 label: at most 63 lower case letters, digits and -, starting and ending alphanumeric"
    if name.startswith("kube-"):
        return "must not start with kube-: Kubernetes keeps that prefix for its own namespaces"
    return None


# The distribution/reference grammar of an image name, without tag or digest.
_IMAGE_DOMAIN_PART = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?"
_IMAGE_PATH_PART = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_IMAGE_REPOSITORY = (
    rf"(?:{_IMAGE_DOMAIN_PART}(?:\.{_IMAGE_DOMAIN_PART})*(?::\d+)?/)?{_IMAGE_PATH_PART}(?:/{_IMAGE_PATH_PART})*"
)

Cloud = Annotated[Literal["azure", "aws"], BeforeValidator(_enforcing(_supported_cloud))]
AzureRegion = Annotated[str, _checked(_azure_region), _checked(azure_facts.region_requirement)]
VmSize = Annotated[
    str,
    _matching(_VM_SIZE, "must be an Azure VM size such as Standard_D4ds_v5, spelled as `az vm list-sizes` shows"),
    _checked(azure_facts.vm_size_requirement),
]
Zone = Annotated[Literal["1", "2", "3"], BeforeValidator(_number_as_text)]
SpotPrice = Annotated[
    float, Field(allow_inf_nan=False), _checked(_spot_price), _checked(azure_facts.spot_price_requirement)
]
KubernetesVersion = Annotated[
    str, _matching(r"\d+\.\d+(?:\.\d+)?", "must be MAJOR.MINOR or MAJOR.MINOR.PATCH such as 1.36")
]
Cidr = Annotated[str, _checked(_ipv4_cidr)]
Subnet = Annotated[Cidr, _checked(_azure_subnet)]
DatabaseSku = Annotated[
    str, _matching(_VM_SIZE, "must be a flexible server compute size such as Standard_B2s or Standard_D4ds_v5")
]
#: Flexible server's major versions: the azure-native SDK's PostgresMajorVersion lists 11-18, and
#: Azure no longer creates servers of the retired 11 and 12.
PostgresVersion = Annotated[Literal["13", "14", "15", "16", "17", "18"], BeforeValidator(_number_as_text)]
#: The storage sizes flexible server offers, in GiB (32767 is its "32 TiB").
StorageSizeGb = Literal[32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32767]
ChartVersion = Annotated[str, _matching(r"\d+\.\d+\.\d+", "must be an exact chart version X.Y.Z such as 1.20.0")]
KubernetesNamespace = Annotated[str, _checked(_namespace)]
ImageRepository = Annotated[
    str,
    _matching(
        _IMAGE_REPOSITORY,
        "must be an image repository such as apache/airflow or myregistry.azurecr.io/airflow, without tag",
    ),
]
CpuQuantity = Annotated[str, BeforeValidator(_quantity_number_as_text), _checked(_cpu)]
MemoryQuantity = Annotated[str, BeforeValidator(_quantity_number_as_text), _checked(_memory)]
GitUrl = Annotated[str, _checked(_git_url)]
GitBranch = Annotated[str, _checked(_git_branch)]
RepositoryPath = Annotated[str, _checked(_repository_path)]
Duration = Annotated[str, _checked(_period)]


# -- settings ------------------------------------------------------------------------------------

#: Marks a problem about a setting that was not given.
_NOT_GIVEN: Any = object()
#: Validation context that checks each setting but no rule across settings.
_FIELDS_ONLY = {"rules": False}


class Problem(NamedTuple):
    """A rule broken across settings: the keys below the block, the value given, what is allowed."""

    keys: tuple[str, ...]
    value: object
    requirement: str


#: A problem as reported: the keys of the setting from the top, the value given, what is allowed.
Found = tuple[tuple[str | int, ...], object, str]


class Settings(BaseModel):
    """Base for every settings block: camelCase keys, strict types, unknown keys refused, immutable."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        frozen=True,
        strict=True,
    )

    #: Keys that are no settings of this block but that a user may try, with the reason.
    refused_keys: ClassVar[Mapping[str, str]] = {}

    def problems(self) -> Iterator[Problem]:
        """Rules across several settings of this block (a setting's own rules sit on its type)."""
        return iter(())

    @classmethod
    def key_path(cls, *fields: str) -> tuple[str, ...]:
        """The keys a user writes for a field, nested: ``key_path("task_pool", "max_count")``."""
        block: Any = cls
        written = []
        for name in fields:
            info = block.model_fields[name]
            written.append(info.alias or name)
            block = info.annotation
        return tuple(written)

    @model_validator(mode="after")
    def _obeys_rules(self, info: ValidationInfo) -> Self:
        if info.context == _FIELDS_ONLY:
            return self
        problems = list(self.problems())
        if problems:
            raise PydanticCustomError("rules", "{count} rules broken", {"count": len(problems), "problems": problems})
        return self


def _counts_problems(pool: ControlPlanePoolSettings | TaskPoolSettings) -> Iterator[Problem]:
    if pool.min_count > pool.max_count:
        yield Problem(pool.key_path("min_count"), pool.min_count, f"must not exceed maxCount ({pool.max_count})")


class ControlPlanePoolSettings(Settings):
    """The on-demand System pool that runs scheduler, API server, triggerer, DAG processor, jobs."""

    refused_keys: ClassVar[Mapping[str, str]] = dict.fromkeys(
        ("spot", "spotMaxPrice"),
        "the control-plane pool cannot be spot: an eviction would stop the scheduler and API server "
        "(spot is a taskPool setting)",
    )

    vm_size: Annotated[
        VmSize, _checked(_system_pool_size), _checked(lambda size: azure_facts.pool_size_requirement(size, "System"))
    ] = "Standard_D4ds_v5"
    min_count: int = Field(1, ge=1, le=MAX_POOL_NODES)
    max_count: int = Field(3, ge=1, le=MAX_POOL_NODES)
    zones: tuple[Zone, ...] = Field((), strict=False)

    def problems(self) -> Iterator[Problem]:
        yield from _counts_problems(self)
        if self.zones and self.min_count < 2:
            yield Problem(
                self.key_path("min_count"),
                self.min_count,
                "must be at least 2 when zones are set, so that losing one zone leaves a node",
            )
        if len(set(self.zones)) < len(self.zones):
            yield Problem(self.key_path("zones"), self.zones, "must not name a zone twice")


class TaskPoolSettings(Settings):
    """The tainted pool only KubernetesExecutor task pods may use; scales to zero when idle."""

    vm_size: Annotated[VmSize, _checked(lambda size: azure_facts.pool_size_requirement(size, "User"))] = (
        "Standard_D4ds_v5"
    )
    min_count: int = Field(0, ge=0, le=MAX_POOL_NODES)
    max_count: int = Field(10, ge=1, le=MAX_POOL_NODES)
    spot: bool = True
    spot_max_price: SpotPrice = -1

    def problems(self) -> Iterator[Problem]:
        yield from _counts_problems(self)
        if self.spot and _is_burstable(self.vm_size):
            yield Problem(
                self.key_path("vm_size"),
                self.vm_size,
                "must not be a B-series size while spot is true: Azure Spot does not offer B-series",
            )
        if not self.spot and self.spot_max_price != -1:
            yield Problem(self.key_path("spot_max_price"), self.spot_max_price, "applies only when spot is true")


class ClusterSettings(Settings):
    #: A minor with six months of AKS support left (tests/test_config_kubernetes_versions.py checks it).
    kubernetes_version: KubernetesVersion = "1.36"
    tier: Literal["Free", "Standard", "Premium"] = "Free"
    support_plan: kubernetes_versions.SupportPlan = Field(
        "KubernetesOfficial", description="AKSLongTermSupport (tier Premium only) adds a year of support to a minor"
    )
    upgrade_channel: Literal["patch", "none"] = Field(
        "patch", description="patch: AKS moves the cluster to each new patch of its minor; none: no automatic upgrade"
    )
    control_plane_pool: ControlPlanePoolSettings = ControlPlanePoolSettings()
    task_pool: TaskPoolSettings = TaskPoolSettings()

    def problems(self) -> Iterator[Problem]:
        channel = kubernetes_versions.channel_requirement(self.kubernetes_version, self.upgrade_channel)
        if channel is not None:
            yield Problem(self.key_path("kubernetes_version"), self.kubernetes_version, channel)
        plan = kubernetes_versions.plan_requirement(self.support_plan, self.tier)
        if plan is not None:
            yield Problem(self.key_path("support_plan"), self.support_plan, plan)
        pools = (self.control_plane_pool.max_count, self.task_pool.max_count)
        network = azure_facts.pod_network_requirement(pools, CLUSTER_POD_CIDR)
        if network is not None:
            yield Problem(self.key_path("task_pool", "max_count"), self.task_pool.max_count, network)


class NetworkSettings(Settings):
    """Address plan; the pod network is an overlay, so only nodes and PostgreSQL use the VNet."""

    address_space: Cidr = "10.40.0.0/16"
    node_subnet: Subnet = "10.40.0.0/20"
    database_subnet: Subnet = "10.40.16.0/24"

    def problems(self) -> Iterator[Problem]:
        space = ipaddress.IPv4Network(self.address_space)
        subnets = {name: ipaddress.IPv4Network(getattr(self, name)) for name in ("node_subnet", "database_subnet")}
        for name, subnet in subnets.items():
            if not subnet.subnet_of(space):
                yield Problem(self.key_path(name), str(subnet), f"must lie inside addressSpace ({space})")
        if subnets["database_subnet"].overlaps(subnets["node_subnet"]):
            yield Problem(
                self.key_path("database_subnet"),
                self.database_subnet,
                f"must not overlap nodeSubnet ({self.node_subnet})",
            )
        cluster_networks = {"pod network": CLUSTER_POD_CIDR, "service network": CLUSTER_SERVICE_CIDR}
        for label, cidr in cluster_networks.items():
            for name, network in {"address_space": space, **subnets}.items():
                if network.overlaps(ipaddress.IPv4Network(cidr)):
                    yield Problem(
                        self.key_path(name),
                        str(network),
                        f"must not overlap the cluster's {label} {cidr}, which AKS keeps outside the VNet",
                    )


#: The compute family each flexible server tier takes, with an example size.
_DATABASE_FAMILIES: Mapping[str, tuple[str, str]] = {
    "Burstable": ("B", "Standard_B2s"),
    "GeneralPurpose": ("D", "Standard_D4ds_v5"),
    "MemoryOptimized": ("E", "Standard_E4ds_v5"),
}


class DatabaseSettings(Settings):
    sku_name: DatabaseSku = "Standard_B2s"
    tier: Literal["Burstable", "GeneralPurpose", "MemoryOptimized"] = "Burstable"
    version: PostgresVersion = "16"
    storage_size_gb: StorageSizeGb = 32
    storage_auto_grow: bool = Field(
        True, description="Azure grows the disk when it fills; the size setting then applies only at creation"
    )
    high_availability: bool = False
    backup_retention_days: int = Field(7, ge=7, le=35)
    geo_redundant_backup: bool = False

    def problems(self) -> Iterator[Problem]:
        family, example = _DATABASE_FAMILIES[self.tier]
        if not self.sku_name.startswith(f"Standard_{family}"):
            yield Problem(
                self.key_path("sku_name"),
                self.sku_name,
                f"must be a Standard_{family}* size such as {example}, since tier is {self.tier}",
            )
        elif (offered := azure_facts.postgres_size_requirement(self.sku_name, f"Standard_{family}")) is not None:
            yield Problem(self.key_path("sku_name"), self.sku_name, offered)
        if self.high_availability and self.tier == "Burstable":
            yield Problem(
                self.key_path("high_availability"),
                self.high_availability,
                "is not offered on the Burstable tier: use GeneralPurpose or MemoryOptimized, or turn it off",
            )


class LogsSettings(Settings):
    retention_days: int = Field(default=30, ge=1)
    redundancy: Literal["LRS", "ZRS", "GRS", "GZRS"] = "LRS"
    soft_delete_days: int = Field(default=0, ge=0, le=365, description="0 turns blob soft delete off")


class RegistrySettings(Settings):
    sku: Literal["Basic", "Standard", "Premium"] = "Basic"


class ImageSettings(Settings):
    repository: ImageRepository = "apache/airflow"
    tag: str = Field(
        default="3.1.8",
        pattern=r"^(?:[\w.-]*\d+\.\d+\.\d+[\w.-]*|[0-9a-f]{7,64})$",
        description="an exact version (X.Y.Z) or a commit hash; moving tags such as latest are refused "
        "(the tag's first X.Y.Z must be of the chart's Airflow major; a commit hash cannot be checked)",
    )


class ResourceQuantities(Settings):
    cpu: CpuQuantity
    memory: MemoryQuantity


class TaskPodSettings(Settings):
    requests: ResourceQuantities = ResourceQuantities(cpu="500m", memory="1Gi")
    limits: ResourceQuantities = ResourceQuantities(cpu="2", memory="4Gi")

    def problems(self) -> Iterator[Problem]:
        for resource in ("cpu", "memory"):
            request, limit = getattr(self.requests, resource), getattr(self.limits, resource)
            if parse_quantity(request) > parse_quantity(limit):
                yield Problem(
                    self.key_path("requests", resource), request, f"must not exceed limits.{resource} ({limit})"
                )


class GitSyncSettings(Settings):
    repo: GitUrl | None = None
    branch: GitBranch = "main"
    sub_path: RepositoryPath = ""
    period: Duration = "60s"
    known_hosts: str | None = None


class AirflowSettings(Settings):
    chart_version: ChartVersion = "1.20.0"
    namespace: KubernetesNamespace = "airflow"
    image: ImageSettings = ImageSettings()
    task_pod: TaskPodSettings = TaskPodSettings()
    git_sync: GitSyncSettings = GitSyncSettings()
    parallelism: int = Field(64, ge=1)
    max_active_tasks_per_dag: int = Field(32, ge=1)
    worker_pods_creation_batch_size: int = Field(16, ge=1)

    def problems(self) -> Iterator[Problem]:
        if self.worker_pods_creation_batch_size > self.parallelism:
            yield Problem(
                self.key_path("worker_pods_creation_batch_size"),
                self.worker_pods_creation_batch_size,
                f"must not exceed parallelism ({self.parallelism})",
            )
        tag = chart_facts.image_tag_requirement(self.image.tag, self.chart_version)
        if tag is not None:
            yield Problem(self.key_path("image", "tag"), self.image.tag, tag)


class StackSettings(Settings):
    """Everything one stack needs, validated before any resource is declared.

    Each field's alias is the configuration key a user sets: ``airflow-platform:<camelCase>``.
    """

    model_config = ConfigDict(alias_generator=lambda name: f"{PROJECT}:{to_camel(name)}")

    project: str = Field(alias="project")
    stack: str = Field(alias="stack")
    cloud: Cloud = "azure"
    location: AzureRegion = Field("westeurope", alias=LOCATION_KEY)
    protect_data: bool = True
    cluster: ClusterSettings = ClusterSettings()
    network: NetworkSettings = NetworkSettings()
    database: DatabaseSettings = DatabaseSettings()
    logs: LogsSettings = LogsSettings()
    registry: RegistrySettings = RegistrySettings()
    airflow: AirflowSettings = AirflowSettings()
    git_ssh_key: SecretStr | None = None

    @property
    def tags(self) -> dict[str, str]:
        """Tags on every cloud resource, so cost reports and clean-ups can find the stack."""
        return {"project": self.project, "stack": self.stack, "managed-by": "pulumi"}

    def problems(self) -> Iterator[Problem]:
        for _, rule in RULES_ACROSS_BLOCKS:
            yield from rule(self)


def _node_subnet_room(settings: StackSettings) -> Iterator[Problem]:
    """Each node takes one address of the node subnet (pods live on the overlay)."""
    subnet = ipaddress.IPv4Network(settings.network.node_subnet)
    room = subnet.num_addresses - AZURE_RESERVED_SUBNET_ADDRESSES
    pools = settings.cluster
    nodes = azure_facts.cluster_node_ceiling((pools.control_plane_pool.max_count, pools.task_pool.max_count))
    if nodes > room:
        needed = 32 - (nodes + AZURE_RESERVED_SUBNET_ADDRESSES - 1).bit_length()
        yield Problem(
            settings.key_path("network", "node_subnet"),
            settings.network.node_subnet,
            f"has room for {room} nodes (Azure keeps 5 addresses of a subnet), but the pools reach {nodes} "
            f"(maxCount, the bootstrap pool and one upgrade surge node each): use a /{needed} or larger, "
            "or lower maxCount",
        )


def _deploy_key_pairing(settings: StackSettings) -> Iterator[Problem]:
    """git-sync clones over SSH with the deploy key only, and checks the host against knownHosts."""
    git_sync = settings.airflow.git_sync
    if git_sync.repo is not None and is_ssh_git_url(git_sync.repo) and settings.git_ssh_key is None:
        yield Problem(
            settings.key_path("airflow", "git_sync", "repo"),
            git_sync.repo,
            "is an SSH URL, which needs a deploy key: `pulumi config set --secret gitSshKey < deploy_key`",
        )
    if settings.git_ssh_key is not None and git_sync.repo is None:
        yield Problem(settings.key_path("git_ssh_key"), _NOT_GIVEN, "is set but airflow.gitSync.repo is not: set both")
    if settings.git_ssh_key is not None and not git_sync.known_hosts:
        yield Problem(
            settings.key_path("airflow", "git_sync", "known_hosts"),
            _NOT_GIVEN,
            "is required with gitSshKey: pin the git host's keys (the output of `ssh-keyscan github.com`)",
        )


def _pool_zones_offered(settings: StackSettings) -> Iterator[Problem]:
    """Zones exist only in regions with availability zones."""
    zones = settings.cluster.control_plane_pool.zones
    requirement = azure_facts.zones_requirement(settings.location, "a pool across zones", "leave zones empty")
    if requirement is not None and zones:
        yield Problem(settings.key_path("cluster", "control_plane_pool", "zones"), zones, requirement)


def _database_zones_offered(settings: StackSettings) -> Iterator[Problem]:
    """High availability is zone-redundant here: a standby in another zone."""
    ha = settings.database.high_availability
    requirement = azure_facts.zones_requirement(settings.location, "zone-redundant high availability", "turn it off")
    if requirement is not None and ha:
        yield Problem(settings.key_path("database", "high_availability"), ha, requirement)


def _kubernetes_support(settings: StackSettings) -> Iterator[Problem]:
    """AKS creates clusters only on a minor in support on the day (data/aks-versions.yaml)."""
    cluster = settings.cluster
    requirement = kubernetes_versions.version_requirement(
        cluster.kubernetes_version, cluster.tier, cluster.support_plan, kubernetes_versions.check_date()
    )
    if requirement is not None:
        yield Problem(settings.key_path("cluster", "kubernetes_version"), cluster.kubernetes_version, requirement)


#: Rules across blocks, each with the settings it reads. When some settings are wrong, the rules
#: that read only sound ones still run, so that one mistake does not hide another.
RULES_ACROSS_BLOCKS: tuple[tuple[tuple[str, ...], Callable[[StackSettings], Iterator[Problem]]], ...] = (
    (("network", "cluster"), _node_subnet_room),
    (("airflow", "git_ssh_key"), _deploy_key_pairing),
    (("location", "cluster"), _pool_zones_offered),
    (("location", "database"), _database_zones_offered),
    (("cluster",), _kubernetes_support),
)


# -- reading and reporting -----------------------------------------------------------------------

_PULUMI_BOOLEANS: Mapping[str, bool] = {"true": True, "True": True, "false": False, "False": False}


def _is_block(annotation: object) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, Settings)


def _decoded(field: FieldInfo, text: object) -> object:
    """A configuration value (always text from Pulumi) as its setting reads it."""
    if not isinstance(text, str):
        return text
    if _is_block(field.annotation):
        try:
            return json.loads(text)
        except ValueError:
            return text
    if field.annotation is bool:
        return _PULUMI_BOOLEANS.get(text, text)
    return text


def settings_from_config(
    project: str, stack: str, config: Mapping[str, object], secret_keys: Collection[str] = ()
) -> StackSettings:
    """Validated settings from the map Pulumi hands a program (``namespace:key`` -> text).

    Raises :class:`ConfigurationError` naming every problem; values of ``secret_keys`` are not shown.
    """
    fields = {field.alias: field for field in StackSettings.model_fields.values()}
    given: dict[str, object] = {"project": project, "stack": stack}
    for key, text in config.items():
        if ":" in key and key in fields:
            given[key] = _decoded(fields[key], text)
        elif key.startswith(f"{PROJECT}:"):
            given[key] = text  # no such setting: refused, with the closest one suggested
    try:
        return StackSettings.model_validate(given, by_alias=True, by_name=False)
    except ValidationError as error:
        found = [*_found(error), *_found_across_sound_blocks(error, given)]
        # `from None`: the pydantic error holds the raw values, secrets included.
        raise ConfigurationError(_report(stack, found, secret_keys)) from None


def _found_across_sound_blocks(error: ValidationError, given: Mapping[str, object]) -> list[Found]:
    """The rules across blocks that did not run because some setting is wrong, on the sound ones."""
    failed = {detail["loc"][0] for detail in error.errors() if detail["loc"]}
    if not failed:
        return []  # every setting is sound: the rules across blocks ran and are in ``error``
    sound = {key: value for key, value in given.items() if key not in failed}
    partial = StackSettings.model_validate(sound, by_alias=True, by_name=False, context=_FIELDS_ONLY)
    return [
        (problem.keys, problem.value, problem.requirement)
        for reads, rule in RULES_ACROSS_BLOCKS
        if failed.isdisjoint(StackSettings.key_path(name)[0] for name in reads)
        for problem in rule(partial)
    ]


def load_settings() -> StackSettings:
    """The stack's settings, read once from the configuration Pulumi hands the program."""
    # The whole map, not pulumi.Config lookups: a key that is no setting must be seen to be refused.
    config = pulumi.runtime.config.CONFIG.get()
    secret_keys = {key for key in config if pulumi.runtime.is_config_secret(key)}
    return settings_from_config(pulumi.get_project(), pulumi.get_stack(), config, secret_keys)


def _block_at(keys: tuple[str | int, ...]) -> type[Settings] | None:
    """The settings block a user reaches by ``keys``, or None."""
    block: type[Settings] = StackSettings
    for key in keys:
        field = _field_of(block, key)
        if field is None or not _is_block(field.annotation):
            return None
        block = field.annotation  # type: ignore[assignment]
    return block


def _field_of(block: type[Settings] | None, key: str | int) -> FieldInfo | None:
    if block is None:
        return None
    return next((field for field in block.model_fields.values() if field.alias == key), None)


def _setting_keys(block: type[Settings]) -> list[str]:
    """The keys a user can set in a block (at the top: the configuration keys)."""
    aliases = (str(field.alias) for field in block.model_fields.values())
    return sorted(alias for alias in aliases if block is not StackSettings or ":" in alias)


def _fold(key: str) -> str:
    return re.sub(r"[^a-z0-9]", "", key.lower())


def _closest(key: str, known: list[str]) -> str | None:
    """The known key a user most likely meant: same letters in another case or spelling, else a near one."""
    local = {_fold(name.rsplit(":", 1)[-1]): name for name in known}
    wanted = _fold(key.rsplit(":", 1)[-1])
    if wanted in local:
        return local[wanted]
    near = difflib.get_close_matches(wanted, local, n=1, cutoff=0.7)
    return local[near[0]] if near else None


def _unknown_key(keys: tuple[str | int, ...]) -> str:
    block = _block_at(keys[:-1])
    key = str(keys[-1])
    if block is None:
        return "is not a setting"
    if key in block.refused_keys:
        return block.refused_keys[key]
    known = _setting_keys(block)
    suggestion = _closest(key, known)
    hint = f"; did you mean {suggestion}?" if suggestion else ""
    return f"is not a setting{hint} (settings here: {', '.join(known)})"


def _requirement(keys: tuple[str | int, ...], detail: Mapping[str, Any]) -> str:
    kind, given = detail["type"], detail["input"]
    if kind == "string_type" and type(given) in (int, float):
        return "must be text in quotes: YAML reads an unquoted 1.30 as the number 1.3"
    if kind == "model_type":
        block = _block_at(keys)
        return f"must be an object with the keys {', '.join(_setting_keys(block))}" if block else detail["msg"]
    if kind == "string_pattern_mismatch":
        field = _field_of(_block_at(keys[:-1]), keys[-1])
        if field is not None and field.description:
            return f"must be {field.description}"
    plain = {
        "bool_type": "must be true or false",
        "int_type": "must be a whole number",
        "float_type": "must be a number",
        "tuple_type": "must be a list",
        "missing": "is required",
    }
    if kind in plain:
        return plain[kind]
    return re.sub(r"^Input should be ", "must be ", detail["msg"])


def _secret_settings() -> frozenset[str]:
    return frozenset(
        str(field.alias)
        for field in StackSettings.model_fields.values()
        if field.annotation is SecretStr or SecretStr in get_args(field.annotation)
    )


def _without_password(text: str) -> str:
    try:
        parts = urlsplit(text)
        if parts.password is None:
            return text
        host = parts.netloc.rsplit("@", 1)[-1]
        return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))
    except ValueError:
        return text


def _shown(value: object) -> str:
    if isinstance(value, SecretStr) or (isinstance(value, str) and "PRIVATE KEY" in value):
        return SECRET_MARK
    if isinstance(value, str):
        value = _without_password(value)
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _written(keys: tuple[str | int, ...]) -> str:
    """A setting's path as ``pulumi config set --path`` takes it: ``ns:block.key[0].key``."""
    path = str(keys[0])
    for key in keys[1:]:
        path += f"[{key}]" if isinstance(key, int) else f".{key}"
    return path


def _found(error: ValidationError) -> list[Found]:
    found: list[Found] = []
    for detail in error.errors(include_url=False):
        keys = tuple(detail["loc"])
        if detail["type"] == "rules":
            found += [(keys + p.keys, p.value, p.requirement) for p in detail["ctx"]["problems"]]
        elif detail["type"] in ("extra_forbidden", "missing"):
            requirement = _unknown_key(keys) if detail["type"] == "extra_forbidden" else "is required"
            found.append((keys, _NOT_GIVEN, requirement))
        else:
            found.append((keys, detail["input"], _requirement(keys, detail)))
    return found


def _report(stack: str, found: list[Found], secret_keys: Collection[str]) -> str:
    hidden = _secret_settings() | set(secret_keys)
    lines = []
    for keys, value, requirement in found:
        shown = "" if value is _NOT_GIVEN else f" = {SECRET_MARK if keys[0] in hidden else _shown(value)}"
        lines.append(f"  - {_written(keys)}{shown}: {requirement}")
    count = f"{len(lines)} problem{'s' if len(lines) > 1 else ''}"
    return "\n".join(
        [
            f"the configuration of stack {stack!r} has {count}; nothing was declared:",
            *lines,
            f"Fix them in Pulumi.{stack}.yaml or with `pulumi config set --path '<setting>' <value>`.",
        ]
    )
