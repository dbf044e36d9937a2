"""Airflow's own database role: the one SQL the setup Job runs and the live test proves.

Run as the server administrator, which on a managed server is no superuser (Azure's is a member of
``azure_pg_admin`` with CREATEROLE and CREATEDB only). Idempotent, so it runs again on every change:

- the role is created if missing, with LOGIN and nothing else (no CREATEDB, CREATEROLE, superuser,
  replication, and no membership in any role: a membership, e.g. ``pg_read_all_data``, fails the run);
- its password is set on every run, as a SCRAM verifier computed here, so a rotated password applies
  and the plain password never reaches the server or its logs;
- the administrator is granted the role: PostgreSQL lets only a member of the new owner (16+: a role
  that may SET ROLE to it) give it a database;
- the role owns the database, whose CONNECT and TEMPORARY no longer go to PUBLIC, and PUBLIC loses
  CONNECT on every other database the administrator controls, so the role reaches no other database
  (databases of the provider's superuser, e.g. ``template1``, are not the administrator's to change).

The Job passes this file's source to ``python -c`` with libpq's ``PG*`` variables naming the server and
the administrator, and ``AIRFLOW_ROLE``/``AIRFLOW_ROLE_PASSWORD``; psycopg2 is what the Airflow image
connects with anyway. Imported by the program (for the source) without psycopg2.
"""

from __future__ import annotations

import os
import sys
from typing import Any

#: libpq variables the script reads besides PGPASSWORD, and its own two.
ROLE_ENV = "AIRFLOW_ROLE"
ROLE_PASSWORD_ENV = "AIRFLOW_ROLE_PASSWORD"
#: The transaction is retried when a concurrent change to the same catalog rows (a database dropped, another
#: GRANT) makes PostgreSQL abort it; it commits all or nothing.
ATTEMPTS = 3


def apply(connection: Any, role: str, password: str) -> None:
    """Creates or updates ``role`` as the sole owner of the connected database; commits."""
    from psycopg2 import sql
    from psycopg2.extensions import encrypt_password

    name = sql.Identifier(role)
    with connection.cursor() as cursor:
        cursor.execute("select current_database()")
        database = sql.Identifier(cursor.fetchone()[0])
        cursor.execute(
            sql.SQL(
                "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = {literal}) "
                "THEN CREATE ROLE {name} LOGIN; END IF; END $$"
            ).format(literal=sql.Literal(role), name=name)
        )
        cursor.execute(
            "select rolsuper or rolreplication or rolbypassrls, array(select b.rolname from pg_auth_members m"
            " join pg_roles b on b.oid = m.roleid where m.member = r.oid) from pg_roles r where rolname = %s",
            (role,),
        )
        privileged, memberships = cursor.fetchone()
        if privileged or memberships:
            raise RuntimeError(
                f"role {role} is privileged or a member of {memberships}: refusing to log Airflow in as it"
            )
        verifier = encrypt_password(password, role, connection, "scram-sha-256")
        cursor.execute(
            sql.SQL("ALTER ROLE {} WITH LOGIN NOCREATEDB NOCREATEROLE INHERIT PASSWORD %s").format(name), (verifier,)
        )
        cursor.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(name))
        cursor.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(database, name))
        cursor.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(database))
        cursor.execute(
            "select datname from pg_database where datname <> current_database() and not datistemplate"
            " and datallowconn and pg_has_role(datdba, 'USAGE') order by datname"
        )
        for (other,) in cursor.fetchall():
            cursor.execute(sql.SQL("REVOKE CONNECT ON DATABASE {} FROM PUBLIC").format(sql.Identifier(other)))
    connection.commit()


def main() -> None:
    import psycopg2
    import psycopg2.errors

    connection = psycopg2.connect("")  # everything from libpq's PG* environment variables
    try:
        for attempt in range(ATTEMPTS):
            try:
                apply(connection, os.environ[ROLE_ENV], os.environ[ROLE_PASSWORD_ENV])
                break
            except psycopg2.errors.InternalError_ as error:  # "tuple concurrently updated": someone else's GRANT
                connection.rollback()
                if attempt == ATTEMPTS - 1:
                    raise
                print(f"retrying after a concurrent catalog change: {error}", file=sys.stderr)
    finally:
        connection.close()
    print(f"role {os.environ[ROLE_ENV]} owns database {os.environ.get('PGDATABASE')}", file=sys.stderr)


if __name__ == "__main__":
    main()
