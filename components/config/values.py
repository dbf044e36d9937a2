"""Value rules: what one setting's value must be, and the typed settings that enforce them.

Each rule is a function that returns what is wrong with a value, or None; the ``Annotated`` types
below attach them to settings. Also Kubernetes quantities, Go durations and git URLs as read here.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from decimal import Decimal, DecimalException
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, Field
from pydantic_core import PydanticCustomError

from components import azure_facts
from components.naming import REGION_NAME_BUDGET

#: Azure keeps the first four addresses and the last one of every subnet.
AZURE_RESERVED_SUBNET_ADDRESSES = 5
#: Azure's smallest subnet.
SMALLEST_SUBNET_PREFIX = 29


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
    if value not in ("azure", "aws"):
        return "must be azure or aws"
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


def _host_name(name: str) -> str | None:
    labels = name.split(".")
    label = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
    if len(name) > 253 or len(labels) < 2 or not all(label.fullmatch(x) for x in labels):
        return "must be a fully qualified DNS name in lower case, such as airflow.example.com"
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
#: The private address ranges (RFC 1918): never a client's address as a public endpoint sees it.
PRIVATE_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
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
HostName = Annotated[str, _checked(_host_name)]
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
