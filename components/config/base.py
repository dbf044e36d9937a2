"""The base of every settings block, and the problems a block reports on rules across its settings."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar, NamedTuple, Self

from pydantic import BaseModel, ConfigDict, ValidationInfo, model_validator
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

#: Marks a problem about a setting that was not given.
_NOT_GIVEN: Any = object()
#: Validation context that checks each setting but no rule across settings.
_FIELDS_ONLY = {"rules": False}


class Problem(NamedTuple):
    """A rule broken across settings: the keys below the block, the value given, what is allowed."""

    keys: tuple[str, ...]
    value: object
    requirement: str


#: A problem as reported: the keys of the setting from the top, the value given, what is allowed.
Found = tuple[tuple[str | int, ...], object, str]


class Settings(BaseModel):
    """Base for every settings block: camelCase keys, strict types, unknown keys refused, immutable."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        frozen=True,
        strict=True,
    )

    #: Keys that are no settings of this block but that a user may try, with the reason.
    refused_keys: ClassVar[Mapping[str, str]] = {}

    def problems(self) -> Iterator[Problem]:
        """Rules across several settings of this block (a setting's own rules sit on its type)."""
        return iter(())

    @classmethod
    def key_path(cls, *fields: str) -> tuple[str, ...]:
        """The keys a user writes for a field, nested: ``key_path("task_pool", "max_count")``."""
        block: Any = cls
        written = []
        for name in fields:
            info = block.model_fields[name]
            written.append(info.alias or name)
            block = info.annotation
        return tuple(written)

    @model_validator(mode="after")
    def _obeys_rules(self, info: ValidationInfo) -> Self:
        if info.context == _FIELDS_ONLY:
            return self
        problems = list(self.problems())
        if problems:
            raise PydanticCustomError("rules", "{count} rules broken", {"count": len(problems), "problems": problems})
        return self
