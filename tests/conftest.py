"""Shared fixtures: the real program run offline for the real dev and prod stack files."""

from __future__ import annotations

import functools

import pytest

from tools.offline import ProgramRun, run_program

STACKS = ("dev", "prod")


@functools.cache
def planned(stack: str) -> ProgramRun:
    """The program's run for a committed stack file; one run per stack per test process."""
    return run_program(stack)


@pytest.fixture(params=STACKS)
def stack_run(request) -> ProgramRun:
    return planned(request.param)


@pytest.fixture
def dev_run() -> ProgramRun:
    return planned("dev")


@pytest.fixture
def prod_run() -> ProgramRun:
    return planned("prod")
