"""The database passwords the program generates, on either cloud."""

from __future__ import annotations

import pulumi
import pulumi_random as random

#: RFC 3986 unreserved characters only, so a password never breaks a connection string (and none of
#: the characters RDS refuses in a master password: / @ " and space).
PASSWORD_SPECIALS = "-_.~"


def database_password(name: str, parent: pulumi.Resource) -> random.RandomPassword:
    """32 characters with at least two of each class; generated once, stable across updates."""
    return random.RandomPassword(
        name,
        length=32,
        special=True,
        override_special=PASSWORD_SPECIALS,
        min_upper=2,
        min_lower=2,
        min_numeric=2,
        min_special=2,
        opts=pulumi.ResourceOptions(parent=parent),
    )
