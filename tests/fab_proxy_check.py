"""Run by tests/test_airflow_proxy.py in .venv-airflow (real Airflow 3.1.8, FAB provider 3.4.0, uvicorn):
starts the API server's app the way the rendered command line does, with uvicorn's middleware, and
sends it what Envoy sends for a browser's click on "Sign in with azure": plain HTTP from a pod
address, the browser's Host, X-Forwarded-Proto: https. Prints the redirect URI FAB hands Entra ID.

argv: the API server's shell command (the chart's ``bash -c`` string), the public host name. The
environment carries the rendered [api]/[fab]/[core] settings as AIRFLOW__* variables, the API
server's own env (FORWARDED_ALLOW_IPS), AIRFLOW_HOME with webserver_config.py and a SQLite database.
"""

import asyncio
import json
import shlex
import sys
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import httpx
import uvicorn
from airflow.cli import cli_parser
from airflow.utils import db
from authlib.integrations.base_client.sync_app import OAuth2Mixin

command, hostname = sys.argv[1:3]
db.initdb()

# The chart's args: `exec airflow api-server ...`; parsed by Airflow's own CLI parser and run, with
# uvicorn.run caught so the app and its options are the ones `airflow api-server` would serve.
words = shlex.split(command)
argv = words[words.index("airflow") + 1 :]
args = cli_parser.get_parser().parse_args(argv)
served: dict = {}
with mock.patch.object(uvicorn, "run", lambda app, **kwargs: served.update(app=app, **kwargs)):
    args.func(args)
app_path = served.pop("app")
for dropped in ("workers", "timeout_worker_healthcheck"):  # process supervision only
    served.pop(dropped, None)
config = uvicorn.Config(app_path, **served)
config.load()  # imports airflow.api_fastapi.main:app and wraps it as uvicorn serves it


def tenant_discovery(remote):
    """Stands in for Entra ID's discovery document (no network here): FAB's config names the
    authorize endpoint itself, so only its presence matters to the redirect."""
    return {"authorization_endpoint": remote.authorize_url, "_loaded_at": 0}


async def click_sign_in() -> httpx.Response:
    # Envoy -> API server: plain HTTP on 8080 from the proxy pod's address.
    transport = httpx.ASGITransport(app=config.loaded_app, client=("10.244.3.17", 51234))
    async with httpx.AsyncClient(transport=transport, base_url="http://airflow-api-server:8080") as client:
        return await client.get(
            "/auth/login/azure",
            headers={"Host": hostname, "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"},
        )


with mock.patch.object(OAuth2Mixin, "load_server_metadata", tenant_discovery):
    response = asyncio.run(click_sign_in())
location = response.headers.get("location", "")
query = parse_qs(urlsplit(location).query)
cookies = response.headers.get_list("set-cookie")
print(
    json.dumps(
        {
            "status": response.status_code,
            "authorize": location.split("?")[0],
            "redirect_uri": query.get("redirect_uri", [None])[0],
            "proxy_headers": served.get("proxy_headers"),
            "session_cookie_secure": any(c.startswith("session=") and "Secure" in c for c in cookies),
        }
    )
)
