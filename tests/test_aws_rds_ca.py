"""The CA bundle the RDS connection trusts is exactly the roots recorded in data/aws-rds-ca.yaml, each a
self-signed CA valid today, and holds the roots that sign the stacks' region's server certificates."""

from __future__ import annotations

import datetime

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from components.aws.database import CA_BUNDLE, CA_FACTS, CA_IDENTIFIER
from tools.offline import stack_config

FACTS = yaml.safe_load(CA_FACTS.read_text())
CERTIFICATES = x509.load_pem_x509_certificates(CA_BUNDLE.read_bytes())
SEEN = datetime.datetime.combine(FACTS["seen"], datetime.time(), tzinfo=datetime.UTC)
#: The common name of each CA identifier's roots ("Amazon RDS <region> Root CA RSA2048 G1").
ROOT_SUFFIX = {"rds-ca-rsa2048-g1": "RSA2048 G1", "rds-ca-rsa4096-g1": "RSA4096 G1", "rds-ca-ecc384-g1": "ECC384 G1"}


def common_name(name: x509.Name) -> str:
    return name.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value


def test_one_certificate_per_recorded_entry_in_order():
    assert [common_name(c.subject) for c in CERTIFICATES] == [entry["name"] for entry in FACTS["certificates"]]
    assert len({c.fingerprint(hashes.SHA256()) for c in CERTIFICATES}) == len(CERTIFICATES)


@pytest.mark.parametrize("index", range(len(FACTS["certificates"])))
def test_each_certificate_has_the_recorded_subject_serial_expiry_and_fingerprint(index):
    entry, certificate = FACTS["certificates"][index], CERTIFICATES[index]
    assert certificate.subject.rfc4514_string() == entry["subject"]
    assert f"{certificate.serial_number:x}" == entry["serial"]
    assert certificate.not_valid_after_utc.date() == entry["not_after"]
    assert certificate.fingerprint(hashes.SHA256()).hex() == entry["sha256_fingerprint"]


@pytest.mark.parametrize("certificate", CERTIFICATES, ids=lambda c: common_name(c.subject))
def test_each_is_a_self_signed_rds_root_ca_valid_when_seen(certificate):
    assert certificate.issuer == certificate.subject
    certificate.verify_directly_issued_by(certificate)  # raises on a bad signature
    assert certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert certificate.not_valid_before_utc < SEEN < certificate.not_valid_after_utc
    assert common_name(certificate.subject).startswith("Amazon RDS ")


@pytest.mark.parametrize("stack", ["aws-dev", "aws-prod"])
def test_the_roots_of_the_stack_region_are_there_for_every_ca_identifier(stack):
    region = stack_config(stack)[0]["aws:region"]
    names = {common_name(c.subject) for c in CERTIFICATES}
    for suffix in ROOT_SUFFIX.values():
        assert f"Amazon RDS {region} Root CA {suffix}" in names
    assert FACTS["ca_identifier"] == CA_IDENTIFIER and CA_IDENTIFIER in ROOT_SUFFIX


def test_each_server_parameter_has_a_source():
    for name, row in FACTS["server_parameters"].items():
        assert row["value"] and row["source"].strip(), name
