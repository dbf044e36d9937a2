"""Reading the configuration Pulumi hands the program, and the one report of every problem in it."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Collection, Mapping
from typing import Any, get_args
from urllib.parse import urlsplit, urlunsplit

import pulumi
from pydantic import SecretStr, ValidationError
from pydantic.fields import FieldInfo

from components.config.base import _FIELDS_ONLY, _NOT_GIVEN, Found, Settings
from components.config.stack import PROJECT, RULES_ACROSS_BLOCKS, StackSettings

SECRET_MARK = "[secret]"


class ConfigurationError(pulumi.RunError):
    """The stack's settings are wrong; raised before any resource is declared.

    A ``RunError`` is shown by the Pulumi CLI as its message alone, without a traceback.
    """


_PULUMI_BOOLEANS: Mapping[str, bool] = {"true": True, "True": True, "false": False, "False": False}


def _is_block(annotation: object) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, Settings)


def _decoded(field: FieldInfo, text: object) -> object:
    """A configuration value (always text from Pulumi) as its setting reads it."""
    if not isinstance(text, str):
        return text
    if _is_block(field.annotation):
        try:
            return json.loads(text)
        except ValueError:
            return text
    if field.annotation is bool:
        return _PULUMI_BOOLEANS.get(text, text)
    return text


def settings_from_config(
    project: str, stack: str, config: Mapping[str, object], secret_keys: Collection[str] = ()
) -> StackSettings:
    """Validated settings from the map Pulumi hands a program (``namespace:key`` -> text).

    Raises :class:`ConfigurationError` naming every problem; values of ``secret_keys`` are not shown.
    """
    fields = {field.alias: field for field in StackSettings.model_fields.values()}
    given: dict[str, object] = {"project": project, "stack": stack}
    for key, text in config.items():
        if ":" in key and key in fields:
            given[key] = _decoded(fields[key], text)
        elif key.startswith(f"{PROJECT}:"):
            given[key] = text  # no such setting: refused, with the closest one suggested
    try:
        return StackSettings.model_validate(given, by_alias=True, by_name=False)
    except ValidationError as error:
        found = [*_found(error), *_found_across_sound_blocks(error, given)]
        # `from None`: the pydantic error holds the raw values, secrets included.
        raise ConfigurationError(_report(stack, found, secret_keys)) from None


def _found_across_sound_blocks(error: ValidationError, given: Mapping[str, object]) -> list[Found]:
    """The rules across blocks that did not run because some setting is wrong, on the sound ones."""
    failed = {detail["loc"][0] for detail in error.errors() if detail["loc"]}
    if not failed:
        return []  # every setting is sound: the rules across blocks ran and are in ``error``
    sound = {key: value for key, value in given.items() if key not in failed}
    partial = StackSettings.model_validate(sound, by_alias=True, by_name=False, context=_FIELDS_ONLY)
    return [
        (problem.keys, problem.value, problem.requirement)
        for reads, rule in RULES_ACROSS_BLOCKS
        if failed.isdisjoint(StackSettings.key_path(name)[0] for name in reads)
        for problem in rule(partial)
    ]


def load_settings() -> StackSettings:
    """The stack's settings, read once from the configuration Pulumi hands the program."""
    # The whole map, not pulumi.Config lookups: a key that is no setting must be seen to be refused.
    config = pulumi.runtime.config.CONFIG.get()
    secret_keys = {key for key in config if pulumi.runtime.is_config_secret(key)}
    return settings_from_config(pulumi.get_project(), pulumi.get_stack(), config, secret_keys)


def _block_at(keys: tuple[str | int, ...]) -> type[Settings] | None:
    """The settings block a user reaches by ``keys``, or None."""
    block: type[Settings] = StackSettings
    for key in keys:
        field = _field_of(block, key)
        if field is None or not _is_block(field.annotation):
            return None
        block = field.annotation  # type: ignore[assignment]
    return block


def _field_of(block: type[Settings] | None, key: str | int) -> FieldInfo | None:
    if block is None:
        return None
    return next((field for field in block.model_fields.values() if field.alias == key), None)


def _setting_keys(block: type[Settings]) -> list[str]:
    """The keys a user can set in a block (at the top: the configuration keys)."""
    aliases = (str(field.alias) for field in block.model_fields.values())
    return sorted(alias for alias in aliases if block is not StackSettings or ":" in alias)


def _fold(key: str) -> str:
    return re.sub(r"[^a-z0-9]", "", key.lower())


def _closest(key: str, known: list[str]) -> str | None:
    """The known key a user most likely meant: same letters in another case or spelling, else a near one."""
    local = {_fold(name.rsplit(":", 1)[-1]): name for name in known}
    wanted = _fold(key.rsplit(":", 1)[-1])
    if wanted in local:
        return local[wanted]
    near = difflib.get_close_matches(wanted, local, n=1, cutoff=0.7)
    return local[near[0]] if near else None


def _unknown_key(keys: tuple[str | int, ...]) -> str:
    block = _block_at(keys[:-1])
    key = str(keys[-1])
    if block is None:
        return "is not a setting"
    if key in block.refused_keys:
        return block.refused_keys[key]
    known = _setting_keys(block)
    suggestion = _closest(key, known)
    hint = f"; did you mean {suggestion}?" if suggestion else ""
    return f"is not a setting{hint} (settings here: {', '.join(known)})"


def _requirement(keys: tuple[str | int, ...], detail: Mapping[str, Any]) -> str:
    kind, given = detail["type"], detail["input"]
    if kind == "string_type" and type(given) in (int, float):
        return "must be text in quotes: YAML reads an unquoted 1.30 as the number 1.3"
    if kind == "model_type":
        block = _block_at(keys)
        return f"must be an object with the keys {', '.join(_setting_keys(block))}" if block else detail["msg"]
    if kind == "string_pattern_mismatch":
        field = _field_of(_block_at(keys[:-1]), keys[-1])
        if field is not None and field.description:
            return f"must be {field.description}"
    plain = {
        "bool_type": "must be true or false",
        "int_type": "must be a whole number",
        "float_type": "must be a number",
        "tuple_type": "must be a list",
        "missing": "is required",
    }
    if kind in plain:
        return plain[kind]
    return re.sub(r"^Input should be ", "must be ", detail["msg"])


def _secret_settings() -> frozenset[str]:
    return frozenset(
        str(field.alias)
        for field in StackSettings.model_fields.values()
        if field.annotation is SecretStr or SecretStr in get_args(field.annotation)
    )


def _without_password(text: str) -> str:
    try:
        parts = urlsplit(text)
        if parts.password is None:
            return text
        host = parts.netloc.rsplit("@", 1)[-1]
        return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))
    except ValueError:
        return text


def _shown(value: object) -> str:
    if isinstance(value, SecretStr) or (isinstance(value, str) and "PRIVATE KEY" in value):
        return SECRET_MARK
    if isinstance(value, str):
        value = _without_password(value)
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _written(keys: tuple[str | int, ...]) -> str:
    """A setting's path as ``pulumi config set --path`` takes it: ``ns:block.key[0].key``."""
    path = str(keys[0])
    for key in keys[1:]:
        path += f"[{key}]" if isinstance(key, int) else f".{key}"
    return path


def _found(error: ValidationError) -> list[Found]:
    found: list[Found] = []
    for detail in error.errors(include_url=False):
        keys = tuple(detail["loc"])
        if detail["type"] == "rules":
            found += [(keys + p.keys, p.value, p.requirement) for p in detail["ctx"]["problems"]]
        elif detail["type"] in ("extra_forbidden", "missing"):
            requirement = _unknown_key(keys) if detail["type"] == "extra_forbidden" else "is required"
            found.append((keys, _NOT_GIVEN, requirement))
        else:
            found.append((keys, detail["input"], _requirement(keys, detail)))
    return found


def _report(stack: str, found: list[Found], secret_keys: Collection[str]) -> str:
    hidden = _secret_settings() | set(secret_keys)
    lines = []
    for keys, value, requirement in found:
        shown = "" if value is _NOT_GIVEN else f" = {SECRET_MARK if keys[0] in hidden else _shown(value)}"
        lines.append(f"  - {_written(keys)}{shown}: {requirement}")
    count = f"{len(lines)} problem{'s' if len(lines) > 1 else ''}"
    return "\n".join(
        [
            f"the configuration of stack {stack!r} has {count}; nothing was declared:",
            *lines,
            f"Fix them in Pulumi.{stack}.yaml or with `pulumi config set --path '<setting>' <value>`.",
        ]
    )
