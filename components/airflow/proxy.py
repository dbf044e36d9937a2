"""The API server behind the front door's proxy: what it needs to know that the browser spoke HTTPS
to the stack's host name, while Envoy speaks plain HTTP to it on 8080.

FAB's OAuth login builds the redirect URI it hands Entra ID from the request
(``url_for(".oauth_authorized", _external=True)``, flask_appbuilder 5.0.1 ``AuthOAuthView.login``);
seen as plain HTTP it would be ``http://<host>/auth/oauth-authorized/azure``, which the app
registration does not list, and Entra ID refuses the sign-in. So, with a host name:

- ``airflow api-server --proxy-headers`` (Airflow 3.1.8 ``cli/commands/api_server_command.py`` passes
  it to uvicorn as ``proxy_headers``; the chart 1.20.0 schema's own advice for ``apiServer.args``
  behind a reverse proxy): uvicorn takes the scheme from X-Forwarded-Proto, which Envoy sets from the
  browser's connection (Envoy docs, HTTP header manipulation, x-forwarded-proto). The FAB app is
  mounted through Starlette's WSGI middleware, whose ``wsgi.url_scheme`` is that scheme, so Flask
  builds ``https://`` URLs, and both FAB's ``_token`` cookie and the logout's are ``Secure``.
- ``FORWARDED_ALLOW_IPS=*``: uvicorn trusts those headers only from the addresses listed (default
  127.0.0.1). The proxy pods' addresses are not fixed, and the network policies admit to the API
  server only the proxy's namespace and the Airflow namespace's own pods: a pod there that forges
  the headers changes only the scheme and client address the API server logs for its own request.
- ``[api] base_url = https://<host>/``: the FAB auth manager's login and logout URLs and the index
  redirect become absolute on the host, task log links point at it, and ``is_safe_url`` accepts
  redirects to it. Its path stays ``/``: chart 1.20.0 derives ``[core] execution_api_server_url``
  from that path only, so tasks keep calling the API server in the cluster.
- ``[fab] cookie_secure``: the Flask session cookie (which carries the OAuth state) only over HTTPS.

Werkzeug's ProxyFix (``[fab] enable_proxy_fix``) stays off: it is not needed once uvicorn sets the
scheme, and it would also trust X-Forwarded-Host and X-Forwarded-Prefix, which Envoy passes on from
the browser unchanged.
"""

from __future__ import annotations

from typing import Any

from components.airflow.front_door import url

#: chart 1.20.0's ``apiServer.args`` default, with uvicorn told to read the proxy's headers.
API_SERVER_ARGS = ["bash", "-c", "exec airflow api-server --proxy-headers"]
FORWARDED_ALLOW_IPS = {"name": "FORWARDED_ALLOW_IPS", "value": "*"}


def behind_proxy(values: dict[str, Any], hostname: str) -> dict[str, Any]:
    """The release's values with the API server served on ``https://<hostname>/`` through a proxy."""
    api_server = dict(values["apiServer"])
    api_server["args"] = API_SERVER_ARGS
    api_server["env"] = [*api_server.get("env", []), FORWARDED_ALLOW_IPS]
    config = dict(values["config"])
    config["api"] = {**config.get("api", {}), "base_url": url(hostname)}
    config["fab"] = {**config.get("fab", {}), "cookie_secure": "True"}
    return {**values, "apiServer": api_server, "config": config}
