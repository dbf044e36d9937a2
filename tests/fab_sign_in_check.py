"""Run by tests/test_airflow_sign_in.py in .venv-airflow (real Airflow 3.1.8, FAB provider 3.4.0):
loads the generated webserver_config.py as FAB does, registers its OAuth provider with authlib as
FAB's security manager does, and reads a signed Entra ID id token with FAB's own azure branch.

argv: config file, tenant issuer, client id, a group id. Prints a JSON report.
"""

import json
import sys
import time

from airflow.providers.fab.auth_manager.security_manager.override import FabAirflowSecurityManagerOverride
from authlib.integrations.flask_client import OAuth
from authlib.jose import JsonWebKey, jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask
from flask_appbuilder.security.manager import AUTH_OAUTH

config_file, issuer, client_id, group = sys.argv[1:5]
app = Flask("check")
app.config.from_pyfile(config_file)  # what get_application_builder and the FAB app do
provider = app.config["OAUTH_PROVIDERS"][0]

key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
jwk = JsonWebKey.import_key(key, {"kty": "RSA", "kid": "test-key"})
claims = {
    "iss": issuer,
    "aud": client_id,
    "iat": int(time.time()),
    "nbf": int(time.time()),
    "exp": int(time.time()) + 600,
    "oid": "9f1c7e2a-0d3b-4c5e-8f6a-1b2c3d4e5f60",
    "upn": "ada@contoso.example",
    "given_name": "Ada",
    "family_name": "Lovelace",
    "groups": [group, "00000000-0000-0000-0000-0000000000aa"],
}
id_token = jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, jwk).decode()

with app.app_context():
    remote = OAuth(app).register(provider["name"], **provider["remote_app"])
    sm = FabAirflowSecurityManagerOverride.__new__(FabAirflowSecurityManagerOverride)
    sm.oauth_remotes = {provider["name"]: remote}
    public = {"keys": [jwk.as_dict(is_private=False)]}
    sm._get_microsoft_jwks = lambda: public
    user = sm.get_oauth_user_info(provider["name"], {"id_token": id_token})
    sm.find_role = lambda name: name
    roles = sorted(sm.get_roles_from_keys(user["role_keys"]))
    forged = jwt.encode(
        {"alg": "RS256", "kid": "test-key"}, claims, JsonWebKey.generate_key("RSA", 2048, is_private=True)
    )
    try:
        sm.get_oauth_user_info(provider["name"], {"id_token": forged.decode()})
        forged_refused = False
    except Exception:
        forged_refused = True

print(
    json.dumps(
        {
            "auth_type_oauth": app.config["AUTH_TYPE"] == AUTH_OAUTH,
            "client_secret": provider["remote_app"]["client_secret"],
            "client_kwargs": remote.client_kwargs,
            "server_metadata_url": remote._server_metadata_url,
            "authorize_url": remote.authorize_url,
            "access_token_url": remote.access_token_url,
            "user": {k: v for k, v in user.items()},
            "roles": roles,
            "forged_refused": forged_refused,
            "registration_role": app.config["AUTH_USER_REGISTRATION_ROLE"],
            "sync": app.config["AUTH_ROLES_SYNC_AT_LOGIN"],
        }
    )
)
