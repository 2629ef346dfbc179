"""Shared fixtures: a throwaway PostgreSQL server for the session, fresh databases per test."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator

import pytest

from sqlsynth.testing.fake_openai import FakeOpenAI, Responder
from sqlsynth.testing.pgserver import PgServer, start_server

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One PostgreSQL cluster for the whole run (`make test` installs the binaries)."""
    server = start_server()
    try:
        yield server
    finally:
        server.stop()


_counter = itertools.count()


@pytest.fixture
def pg_url(pg_server: PgServer) -> str:
    """URL of a new, empty PostgreSQL database for one test."""
    return pg_server.create_database(f"t{os.getpid()}_{next(_counter)}")


@pytest.fixture
def serve() -> Iterator[Callable[[Responder], FakeOpenAI]]:
    """Start local OpenAI-protocol servers with scripted answers; all stopped after the test."""
    started: list[FakeOpenAI] = []

    def start(respond: Responder) -> FakeOpenAI:
        started.append(FakeOpenAI(respond).start())
        return started[-1]

    yield start
    for srv in started:
        srv.stop()
