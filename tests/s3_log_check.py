"""Run by tests/test_aws_logs.py in .venv-airflow (real Airflow 3.1.8, amazon provider 9.22.0):
python s3_log_check.py <remote_base_log_folder> <region>, with the release's AIRFLOW_CONN_* and
[logging] settings in the environment. Serves credentials the way the EKS Pod Identity agent does
(a bearer token read from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE) on a loopback port, and prints
as JSON what Airflow's own code made of the settings."""

from __future__ import annotations

import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

folder, region = sys.argv[1:3]
token_file = Path(os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"])
ACCESS_KEY = "ASIAPODIDENTITYAGENT"


class Agent(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.headers.get("Authorization") != token_file.read_text():
            self.send_response(401)
            self.end_headers()
            return
        body = {
            "AccessKeyId": ACCESS_KEY,
            "SecretAccessKey": "secret",
            "Token": "session-token",
            "Expiration": "2099-01-01T00:00:00Z",
        }
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(body).encode())

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", 0), Agent)
threading.Thread(target=server.serve_forever, daemon=True).start()
os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = f"http://127.0.0.1:{server.server_port}/v1/credentials"
try:
    from airflow.config_templates import airflow_local_settings
    from airflow.configuration import conf
    from airflow.models.connection import Connection
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook
    from airflow.providers.amazon.aws.log.s3_task_handler import S3RemoteLogIO

    conn_id = conf.get("logging", "remote_log_conn_id")
    connection = Connection.from_json(os.environ[f"AIRFLOW_CONN_{conn_id.upper()}"], conn_id=conn_id)
    remote = airflow_local_settings.REMOTE_TASK_LOG
    hook = S3Hook(aws_conn_id=conn_id)
    credentials = hook.get_session().get_credentials().get_frozen_credentials()
    print(
        json.dumps(
            {
                "conn_type": connection.conn_type,
                "login": connection.login,
                "password": connection.password,
                "extra": connection.extra_dejson,
                "remote_io": type(remote).__name__,
                "is_s3_remote_io": isinstance(remote, S3RemoteLogIO),
                "remote_base": getattr(remote, "remote_base", None),
                "hook_region": hook.conn_region_name,
                "access_key": credentials.access_key,
                "bucket_and_prefix": list(hook.parse_s3_url(folder)),
            }
        )
    )
finally:
    server.shutdown()
