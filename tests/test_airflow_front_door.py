"""The front door (issue 10): with a host name, Envoy Gateway and cert-manager on the control-plane
pool, an ACME certificate, HTTPS with redirect and HSTS, a static address and its DNS record; without
one, nothing of it."""

from functools import cache

import pytest

from components.create_only import load_table
from tests.test_guards import with_settings
from tests.test_update_preview import unsettled_kubernetes_inputs
from tools.mocks import PlatformMocks
from tools.offline import ProgramRun, RecordingMonitor, run_program
from tools.transitions import leaves, plan_update

HOST = "airflow.example.com"
ZONE = (
    "/subscriptions/2f3b6c1e-8d4a-4c57-9b0e-5a1d7e9c3f42/resourceGroups/dns-rg"
    "/providers/Microsoft.Network/dnszones/example.com"
)
DNS_ZONE_CONTRIBUTOR = "befefa01-2a29-4197-83a8-272ff33ce314"
FRONT_DOOR_TYPES = (
    "azure-native:network:PublicIPAddress",
    "azure-native:dns:RecordSet",
    "kubernetes:gateway.networking.k8s.io/v1:Gateway",
    "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
    "kubernetes:cert-manager.io/v1:Certificate",
    "kubernetes:cert-manager.io/v1:ClusterIssuer",
)


@cache
def exposed(stack: str = "prod", zone: str | None = ZONE) -> ProgramRun:
    ui = {"hostname": HOST, "signIn": {"enabled": False}, **({"dnsZone": zone} if zone else {})}
    return run_program(stack, overrides=with_settings(stack, "airflow", ui=ui))


def custom(run: ProgramRun, kind: str, name: str):
    (found,) = [r for r in run.of_type(f"kubernetes:{kind}") if r.name == name]
    return found


def test_gateway_terminates_tls_for_the_host_with_the_certificate():
    run = exposed()
    gateway = custom(run, "gateway.networking.k8s.io/v1:Gateway", "gateway").inputs["spec"]
    https = next(listener for listener in gateway["listeners"] if listener["protocol"] == "HTTPS")
    assert https["hostname"] == HOST and https["port"] == 443
    assert https["tls"]["certificateRefs"] == [{"kind": "Secret", "name": "airflow-tls"}]
    certificate = custom(run, "cert-manager.io/v1:Certificate", "certificate")
    assert certificate.inputs["spec"]["secretName"] == "airflow-tls"
    assert certificate.inputs["spec"]["dnsNames"] == [HOST]
    assert certificate.inputs["metadata"]["namespace"] == gateway_namespace(run)


def gateway_namespace(run: ProgramRun) -> str:
    return custom(run, "gateway.networking.k8s.io/v1:Gateway", "gateway").inputs["metadata"]["namespace"]


def test_issuer_answers_dns01_in_the_zone_with_cert_managers_own_identity():
    run = exposed()
    acme = custom(run, "cert-manager.io/v1:ClusterIssuer", "cluster-issuer").inputs["spec"]["acme"]
    assert acme["server"] == "https://acme-v02.api.letsencrypt.org/directory"
    azure = acme["solvers"][0]["dns01"]["azureDNS"]
    identity = next(
        r for r in run.of_type("azure-native:managedidentity:UserAssignedIdentity") if "cert-manager" in r.name
    )
    assert azure["managedIdentity"]["clientID"] == identity.state["clientId"]
    assert (azure["hostedZoneName"], azure["resourceGroupName"]) == ("example.com", "dns-rg")
    (credential,) = [
        r
        for r in run.of_type("azure-native:managedidentity:FederatedIdentityCredential")
        if r.name == "federated-cert-manager"
    ]
    assert credential.inputs["subject"] == "system:serviceaccount:cert-manager:cert-manager"
    (grant,) = [
        r
        for r in run.of_type("azure-native:authorization:RoleAssignment")
        if r.inputs["roleDefinitionId"].endswith(DNS_ZONE_CONTRIBUTOR)
    ]
    assert grant.inputs["scope"] == ZONE and grant.inputs["principalId"] == identity.state["principalId"]


def test_without_a_zone_http01_through_the_gateway_and_no_record():
    run = exposed(zone=None)
    solver = custom(run, "cert-manager.io/v1:ClusterIssuer", "cluster-issuer").inputs["spec"]["acme"]["solvers"][0]
    assert solver["http01"]["gatewayHTTPRoute"]["parentRefs"][0]["sectionName"] == "http"
    assert not run.of_type("azure-native:dns:RecordSet")
    assert not [r for r in run.of_type("azure-native:managedidentity:UserAssignedIdentity") if "cert-manager" in r.name]


def test_http_redirects_to_https_and_https_sends_hsts_to_the_api_server():
    run = exposed()
    redirect = custom(run, "gateway.networking.k8s.io/v1:HTTPRoute", "http-redirect").inputs["spec"]
    assert redirect["parentRefs"][0]["sectionName"] == "http"
    assert redirect["rules"][0]["filters"] == [
        {"type": "RequestRedirect", "requestRedirect": {"scheme": "https", "statusCode": 301}}
    ]
    route = custom(run, "gateway.networking.k8s.io/v1:HTTPRoute", "api-server-route")
    assert route.inputs["metadata"]["namespace"] == "airflow"
    (rule,) = route.inputs["spec"]["rules"]
    assert rule["backendRefs"] == [{"name": "airflow-api-server", "port": 8080}]
    (header,) = rule["filters"][0]["responseHeaderModifier"]["set"]
    assert header == {"name": "Strict-Transport-Security", "value": "max-age=31536000; includeSubDomains"}


def test_controllers_run_on_the_control_plane_pool_behind_the_static_address():
    run = exposed()
    releases = {r.inputs["name"]: r.inputs["values"] for r in run.of_type("kubernetes:helm.sh/v3:Release")}
    selector = releases["airflow"]["nodeSelector"]
    assert releases["envoy-gateway"]["deployment"]["pod"]["nodeSelector"] == selector
    assert releases["cert-manager"]["nodeSelector"] == selector == releases["cert-manager"]["webhook"]["nodeSelector"]
    proxy = custom(run, "gateway.envoyproxy.io/v1alpha1:EnvoyProxy", "envoy-proxy").inputs["spec"]["provider"][
        "kubernetes"
    ]
    assert proxy["envoyDeployment"]["pod"]["nodeSelector"] == selector
    address = run.one("azure-native:network:PublicIPAddress")
    annotations = proxy["envoyService"]["annotations"]
    assert annotations["service.beta.kubernetes.io/azure-pip-name"] == address.inputs["publicIpAddressName"]
    assert (
        annotations["service.beta.kubernetes.io/azure-load-balancer-resource-group"]
        == address.inputs["resourceGroupName"]
    )
    record = run.one("azure-native:dns:RecordSet").inputs
    assert (record["zoneName"], record["relativeRecordSetName"], record["recordType"]) == (
        "example.com",
        "airflow",
        "A",
    )
    assert record["aRecords"] == [{"ipv4Address": address.state["ipAddress"]}]


def test_network_policy_admits_only_the_controller_namespace_to_the_api_server():
    run = exposed()
    (policy,) = [
        r for r in run.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy") if r.name == "api-server-ingress"
    ]
    (rule,) = policy.inputs["spec"]["ingress"]
    assert rule["ports"] == [{"protocol": "TCP", "port": 8080}]
    outside = [peer for peer in rule["from"] if "namespaceSelector" in peer]
    assert outside == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": gateway_namespace(run)}}}]


def test_url_is_exported():
    assert exposed().outputs["airflowUrl"].value == f"https://{HOST}/"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_committed_stacks_expose_nothing(stack, request):
    run = request.getfixturevalue(f"{stack}_run")
    assert not [r for r in run.resources if r.type in FRONT_DOOR_TYPES]
    assert [r.inputs["name"] for r in run.of_type("kubernetes:helm.sh/v3:Release")] == ["airflow"]
    assert "airflowUrl" not in run.outputs
    (policy,) = [
        r for r in run.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy") if r.name == "api-server-ingress"
    ]
    assert all("namespaceSelector" not in peer for peer in policy.inputs["spec"]["ingress"][0]["from"])


def test_every_azure_input_of_the_front_door_has_a_create_only_row():
    table = load_table()
    run = exposed()
    for resource in run.resources:
        if resource.type in ("azure-native:network:PublicIPAddress", "azure-native:dns:RecordSet"):
            for path in leaves(resource.inputs):
                assert table.rule(resource.type, path) is not None, (resource.type, path)


def test_turning_the_front_door_on_and_changing_its_zone_is_accepted(prod_run):
    assert plan_update(prod_run, exposed()).violations == []
    assert plan_update(exposed(), exposed(zone=None)).violations == []


def test_an_update_preview_of_the_azure_side_leaves_the_kubernetes_side_known():
    updating = frozenset(
        {
            "azure-native:network:PublicIPAddress",
            "azure-native:managedidentity:UserAssignedIdentity",
            "azure-native:containerservice:ManagedCluster",
            "azure-native:resources:ResourceGroup",
        }
    )
    ui = {"hostname": HOST, "signIn": {"enabled": False}, "dnsZone": ZONE}
    monitor = RecordingMonitor(PlatformMocks(location="westeurope", updating=updating))
    run = run_program("prod", overrides=with_settings("prod", "airflow", ui=ui), preview=True, monitor=monitor)
    assert unsettled_kubernetes_inputs(run) == []
