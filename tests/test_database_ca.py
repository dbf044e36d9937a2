"""The CA bundle the metadata connection trusts is exactly the roots Microsoft documents, and only roots."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from components.azure.database import CA_BUNDLE

FACTS = yaml.safe_load((CA_BUNDLE.parent / "azure-postgres-ca.yaml").read_text())
CERTIFICATES = x509.load_pem_x509_certificates(CA_BUNDLE.read_bytes())
DEBIAN_ROOTS = Path("/usr/share/ca-certificates/mozilla")


def common_name(name: x509.Name) -> str:
    return name.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value


def test_one_certificate_per_documented_root_in_order():
    assert [common_name(c.subject) for c in CERTIFICATES] == [root["name"] for root in FACTS["roots"]]


@pytest.mark.parametrize("index", range(len(FACTS["roots"])))
def test_each_certificate_has_the_documented_thumbprint_and_serial(index):
    root, certificate = FACTS["roots"][index], CERTIFICATES[index]
    assert certificate.fingerprint(hashes.SHA1()).hex() == root["sha1_thumbprint"]  # what Microsoft documents
    assert certificate.fingerprint(hashes.SHA256()).hex() == root["sha256_fingerprint"]
    assert f"{certificate.serial_number:032x}" == root["serial"]


@pytest.mark.parametrize("certificate", CERTIFICATES, ids=lambda c: common_name(c.subject))
def test_each_is_a_self_signed_root_ca_valid_when_seen(certificate):
    """Roots only: the page warns that pinning intermediates breaks at Azure's unannounced rotations."""
    assert certificate.issuer == certificate.subject
    assert certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    seen = datetime.datetime.combine(FACTS["seen"], datetime.time(), tzinfo=datetime.UTC)
    assert certificate.not_valid_before_utc < seen < certificate.not_valid_after_utc


@pytest.mark.parametrize("index", range(len(FACTS["roots"])))
def test_each_is_the_copy_debian_ships(index):
    source = DEBIAN_ROOTS / FACTS["roots"][index]["debian_file"]
    if not source.exists():
        pytest.skip(f"{source} not installed (Debian's ca-certificates)")
    assert x509.load_pem_x509_certificate(source.read_bytes()) == CERTIFICATES[index]
