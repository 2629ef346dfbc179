"""The HTTP client against a real local server that speaks the OpenAI chat completions protocol."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from sqlsynth.llm import LLMClient, LLMConfig, LLMConfigError, LLMError, ResponseCache, Usage, create_llm
from sqlsynth.llm.client import retry_after
from sqlsynth.testing.fake_openai import FakeOpenAI

Action = Callable[[dict[str, Any]], Any]


class Scripted(FakeOpenAI):
    """Answers with the actions of `script` for the next requests, then with `ok`."""

    def __init__(self) -> None:
        self.script: list[Action] = []
        super().__init__(lambda body: (self.script.pop(0) if self.script else ok)(body))

    @property
    def count(self) -> int:
        return len(self.bodies)


def ok(body: dict[str, Any]) -> dict[str, Any]:
    """n choices echoing the last message (in reverse index order, as a server may send them)."""
    last = body["messages"][-1]["content"]
    choices = [
        {"index": i, "message": {"role": "assistant", "content": f"{i}: {last}"}, "finish_reason": "stop"}
        for i in range(body.get("n", 1))
    ]
    usage = {"prompt_tokens": len(last.split()), "completion_tokens": 5 * len(choices), "total_tokens": 0}
    return {"id": "x", "model": body["model"], "choices": choices[::-1], "usage": usage}


def status(code: int, headers: dict[str, str] | None = None) -> Action:
    return lambda body: (code, f"scripted {code}", headers or {})


def raw(payload: bytes) -> Action:
    return lambda body: payload


def sleep_then_ok(seconds: float) -> Action:
    def act(body: dict[str, Any]) -> dict[str, Any]:
        time.sleep(seconds)
        return ok(body)

    return act


@pytest.fixture
def server() -> Iterator[Scripted]:
    with Scripted() as srv:
        yield srv


def client(server: Scripted, **kw: Any) -> LLMClient:
    settings: dict[str, Any] = {
        "model": "m",
        "base_url": server.url,
        "backoff_base_s": 0.01,
        "backoff_max_s": 0.05,
    }
    return LLMClient(LLMConfig(**{**settings, **kw}))


# -- protocol ------------------------------------------------------------------------------------


def test_success_sends_the_whole_request_and_reads_the_answer(server: Scripted, monkeypatch) -> None:
    monkeypatch.setenv("SQLSYNTH_TEST_KEY", "sk-test")
    c = client(server, api_key_env="SQLSYNTH_TEST_KEY", temperature=0.3, max_tokens=64, seed=7)
    answer = c.chat(
        [{"role": "system", "content": "be brief"}, {"role": "user", "content": "how many orders"}]
    )
    assert answer.texts == ["0: how many orders"] and answer.text == "0: how many orders"
    assert answer.finish_reasons == ["stop"] and answer.model == "m" and not answer.cached
    assert answer.usage == Usage(3, 5)
    body = server.bodies[0]
    assert body == {
        "model": "m",
        "messages": [
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": "how many orders"},
        ],
        "temperature": 0.3,
        "max_tokens": 64,
        "n": 1,
        "seed": 7,
    }
    assert server.headers[0]["Authorization"] == "Bearer sk-test"
    assert c.stats.requests == 1 and c.stats.retries == 0


def test_n_choices_come_back_in_index_order_and_overrides_apply(server: Scripted) -> None:
    answer = client(server).chat("list tables", n=3, temperature=1.0)
    assert answer.texts == ["0: list tables", "1: list tables", "2: list tables"]
    assert server.bodies[0]["n"] == 3 and server.bodies[0]["temperature"] == 1.0


def test_429_then_success_honours_retry_after(server: Scripted) -> None:
    server.script = [status(429, {"Retry-After": "1"})]
    c = client(server, backoff_max_s=5)
    t = time.perf_counter()
    assert c.chat("hi").text == "0: hi"
    assert time.perf_counter() - t >= 0.9  # waited what the server asked, not the 10 ms backoff
    assert server.count == 2 and c.stats.retries == 1


def test_retry_after_forms() -> None:
    assert retry_after({"retry-after-ms": "250"}) == 0.25
    assert retry_after({"retry-after": "2"}) == 2.0
    date = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 30))
    assert 25 < retry_after({"retry-after": date}) <= 31  # type: ignore[operator]
    assert retry_after({}) is None and retry_after({"retry-after": "soon"}) is None


def test_500s_until_give_up_raise_a_clear_error(server: Scripted) -> None:
    server.script = [status(500)] * 10
    c = client(server, max_retries=2)
    with pytest.raises(LLMError) as err:
        c.chat("hi")
    assert server.count == 3 and err.value.status == 500 and err.value.attempts == 3
    assert "HTTP 500: scripted 500 (after 3 attempts)" in str(err.value)
    assert server.url in str(err.value)
    assert c.stats.failures == 1 and c.stats.retries == 2


def test_5xx_then_success_and_client_errors_are_not_retried(server: Scripted) -> None:
    server.script = [status(502), status(503)]
    c = client(server)
    assert c.chat("hi").text == "0: hi" and server.count == 3
    server.script = [status(401)]
    with pytest.raises(LLMError, match=r"HTTP 401: scripted 401 \(after 1 attempt\)"):
        c.chat("again")
    assert server.count == 4


def test_timeout_is_retried_then_reported(server: Scripted) -> None:
    server.script = [sleep_then_ok(1.0)]
    c = client(server, timeout_s=0.2)
    assert c.chat("slow").text == "0: slow" and server.count == 2
    server.script = [sleep_then_ok(1.0)] * 2
    with pytest.raises(LLMError, match=r"timed out after 0.2 s .*\(after 2 attempts\)") as err:
        client(server, timeout_s=0.2, max_retries=1).chat("slower")
    assert err.value.status is None


def test_malformed_json_is_retried_then_reported(server: Scripted) -> None:
    server.script = [raw(b'{"choices": [')]
    assert client(server).chat("x").text == "0: x"
    server.script = [raw(b"<html>oops</html>"), raw(b'{"object": "list", "data": []}')]
    with pytest.raises(LLMError, match="malformed response") as err:
        client(server, max_retries=1).chat("x")
    assert "no 'choices'" in str(err.value)


def test_connection_refused_is_a_clear_error() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when we call
    c = LLMClient(
        LLMConfig(model="m", base_url=f"http://127.0.0.1:{port}/v1", max_retries=1, backoff_base_s=0)
    )
    with pytest.raises(LLMError, match=r"connection failed: ConnectError.*\(after 2 attempts\)"):
        c.chat("x")


# -- concurrency, cache, accounting --------------------------------------------------------------


def test_concurrency_limit_is_respected(server: Scripted) -> None:
    server.delay = 0.1
    c = client(server, max_concurrency=3)
    answers = c.chat_many([f"q{i}" for i in range(12)])
    assert [a.text for a in answers] == [f"0: q{i}" for i in range(12)]  # input order
    assert server.max_in_flight == 3


def test_async_api_and_sync_wrapper_inside_a_running_loop(server: Scripted) -> None:
    c = client(server, max_concurrency=2)

    async def main() -> list[str]:
        async with c:
            many = await c.achat_many(["a", "b"])
            inner = c.chat("c")  # sync wrapper called from async code: runs on a helper thread
        return [*(m.text for m in many), inner.text]

    assert asyncio.run(main()) == ["0: a", "0: b", "0: c"]
    assert asyncio.run(main()) == ["0: a", "0: b", "0: c"]  # a second event loop: new connections


def test_cache_hit_makes_no_second_request(server: Scripted, tmp_path: Path) -> None:
    c = client(server, cache_dir=tmp_path / "cache", temperature=0.7, seed=1)
    first = c.chat("hello there")
    again = c.chat("hello there")
    assert server.count == 1 and again.cached and not first.cached and again.texts == first.texts
    c.chat("hello there", seed=2)  # any field of the request changes the key
    c.chat("hello there", n=2)
    c.chat("hello there", max_tokens=10)
    assert server.count == 4
    other = client(server, cache_dir=tmp_path / "cache", temperature=0.7, seed=1)  # a new client, same folder
    assert other.chat("hello there").cached and server.count == 4
    assert c.stats.cache_hits == 1 and other.stats.cache_hits == 1 and other.usage == Usage()


def test_failed_requests_are_not_cached(server: Scripted, tmp_path: Path) -> None:
    server.script = [status(400)]
    c = client(server, cache_dir=tmp_path)
    with pytest.raises(LLMError):
        c.chat("x")
    assert c.chat("x").text == "0: x" and server.count == 2 and len(ResponseCache(tmp_path)) == 1


def test_token_accounting_sums_fresh_requests(server: Scripted, tmp_path: Path) -> None:
    c = client(server, cache_dir=tmp_path)
    c.chat("one two three")  # 3 prompt, 5 completion
    c.chat("four five", n=2)  # 2 prompt, 10 completion
    c.chat_many(["a", "b c"])  # 1 + 2 prompt, 10 completion
    c.chat("one two three")  # cached: spends nothing
    assert c.usage == Usage(prompt_tokens=8, completion_tokens=25) and c.usage.total_tokens == 33


def _hammer(directory: str, worker: int) -> int:
    cache = ResponseCache(directory)
    request = {"model": "m", "messages": [{"role": "user", "content": "same"}]}
    for i in range(40):
        cache.put(request, {"worker": worker, "i": i, "pad": "x" * (1000 * (i % 7))})
        got = cache.get(request)
        assert got is not None and set(got) == {"worker", "i", "pad"}
    return worker


def test_cache_writes_are_atomic_across_processes(tmp_path: Path) -> None:
    import multiprocessing

    with ProcessPoolExecutor(4, mp_context=multiprocessing.get_context("fork")) as pool:
        assert sorted(pool.map(_hammer, [str(tmp_path)] * 4, range(4))) == [0, 1, 2, 3]
    assert len(ResponseCache(tmp_path)) == 1 and not list(tmp_path.rglob("*.tmp"))


def test_unreadable_cache_entry_is_a_miss(server: Scripted, tmp_path: Path) -> None:
    c = client(server, cache_dir=tmp_path)
    c.chat("x")
    (entry,) = tmp_path.rglob("*.json")
    entry.write_text("{truncated", encoding="utf-8")
    assert not c.chat("x").cached and server.count == 2
    assert c.chat("x").cached


# -- configuration -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"model": "  "}, "model: must name a model"),
        ({"model": "m", "temperature": -0.1}, "temperature: Input should be greater than or equal to 0"),
        ({"model": "m", "base_url": "localhost:8000"}, "is not an http(s) URL"),
        ({"model": "m", "base_url": "ftp://host/v1"}, "is not an http(s) URL"),
        ({"model": "m", "max_tokens": 0}, "max_tokens: Input should be greater than 0"),
        ({"model": "m", "n": 0}, "n: Input should be greater than or equal to 1"),
        ({"model": "m", "max_concurrency": 0}, "max_concurrency"),
        ({"model": "m", "api_key_env": "SQLSYNTH_SURELY_UNSET"}, "SQLSYNTH_SURELY_UNSET is not set"),
        ({"model": "m", "api_key_env": "not a name"}, "not an environment variable name"),
        ({"model": "m", "temperture": 0.5}, "temperture: Extra inputs are not permitted"),
        ({"model": "m", "backend": "local"}, "is not a directory"),
        ({}, "model: Field required"),
    ],
)
def test_bad_config_fails_before_any_call(settings: dict[str, Any], message: str) -> None:
    os.environ.pop("SQLSYNTH_SURELY_UNSET", None)
    with pytest.raises(ValidationError):
        LLMConfig(**settings)
    with pytest.raises(LLMConfigError) as err:
        LLMConfig.parse(settings)
    assert message in str(err.value) and str(err.value).startswith("llm config: ")


def test_parse_lists_every_problem_and_good_config_normalises() -> None:
    with pytest.raises(LLMConfigError) as err:
        LLMConfig.parse({"model": "", "temperature": 3, "base_url": "nope"})
    text = str(err.value)
    assert "model:" in text and "temperature:" in text and "base_url:" in text and "(got 3)" in text
    cfg = LLMConfig.parse({"model": " gpt ", "base_url": "https://api.example.com/v1/"})
    assert cfg.model == "gpt" and cfg.base_url == "https://api.example.com/v1" and cfg.api_key() is None
    assert isinstance(create_llm(cfg), LLMClient)


def test_bad_messages_fail_before_sending(server: Scripted) -> None:
    c = client(server)
    with pytest.raises(LLMError, match="needs a role"):
        c.chat([{"role": "wizard", "content": "x"}])
    with pytest.raises(LLMError, match="no messages"):
        c.chat([])
    assert server.count == 0
