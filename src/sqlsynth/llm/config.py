"""LLM settings as pydantic models: a bad value fails when the config is built, before any call."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sqlsynth.errors import SqlsynthError


class LLMConfigError(SqlsynthError):
    """An LLM configuration that cannot work (the message lists every problem)."""


class SamplingParams(BaseModel):
    """What to sample: shared by the HTTP client and the local backend, overridable per call."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    temperature: float = Field(0.0, ge=0.0, le=2.0, description="0 is greedy.")
    max_tokens: int = Field(512, gt=0, le=1_000_000, description="Most tokens per completion.")
    n: int = Field(1, ge=1, le=128, description="Completions per request.")
    seed: int | None = Field(None, description="Sampling seed (servers that support it; local: always).")
    top_p: float | None = Field(None, gt=0.0, le=1.0)
    stop: list[str] | None = None


class LLMConfig(SamplingParams):
    """An OpenAI-compatible chat completions endpoint (vLLM, Ollama, llama.cpp, hosted APIs) or, with
    `backend="local"`, a transformers model directory given in `model`."""

    backend: Literal["openai", "local"] = "openai"
    model: str = Field(description="Model name sent to the server, or the local model directory.")
    base_url: str = Field("http://localhost:8000/v1", description="Up to and including /v1.")
    api_key_env: str | None = Field(
        None, description="Environment variable holding the API key; when set, it must be set and non-empty."
    )
    timeout_s: float = Field(60.0, gt=0, description="Per request (connect, read, write).")
    max_concurrency: int = Field(8, ge=1, le=1024, description="Requests in flight at once.")
    max_retries: int = Field(5, ge=0, le=100, description="Retries after the first attempt.")
    backoff_base_s: float = Field(0.5, ge=0, description="First retry waits about this long, then doubles.")
    backoff_max_s: float = Field(30.0, ge=0, description="Cap on one wait (also on a server's Retry-After).")
    cache_dir: Path | None = Field(None, description="On-disk response cache; None disables it.")
    headers: dict[str, str] = Field(default_factory=dict, description="Extra HTTP headers.")

    @field_validator("model")
    @classmethod
    def _model_named(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must name a model (e.g. 'gpt-4o-mini', 'Qwen/Qwen2.5-7B-Instruct')")
        return value.strip()

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        value = value.strip()
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"{value!r} is not an http(s) URL such as 'http://localhost:8000/v1'")
        if parts.query or parts.fragment:
            raise ValueError(f"{value!r}: give the base URL without query or fragment")
        return value.rstrip("/")

    @field_validator("api_key_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        if value is not None and (not value or not value.replace("_", "a").isalnum()):
            raise ValueError(f"{value!r} is not an environment variable name (e.g. 'OPENAI_API_KEY')")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> LLMConfig:
        if self.backend == "openai" and self.api_key_env and not os.environ.get(self.api_key_env):
            raise ValueError(
                f"api_key_env: environment variable {self.api_key_env} is not set (or empty); "
                "export it, or set api_key_env to null for a server that needs no key"
            )
        if self.backend == "local" and not Path(self.model).expanduser().is_dir():
            raise ValueError(f"model: {self.model!r} is not a directory with a transformers model")
        if self.backoff_max_s < self.backoff_base_s:
            raise ValueError("backoff_max_s must be at least backoff_base_s")
        return self

    def api_key(self) -> str | None:
        """The key from the environment (read at call time, never stored in the config)."""
        return os.environ.get(self.api_key_env) if self.api_key_env else None

    def sampling(self) -> SamplingParams:
        return SamplingParams(**{k: getattr(self, k) for k in SamplingParams.model_fields})

    @classmethod
    def load(cls, path: str | Path, **overrides: Any) -> LLMConfig:
        """From a JSON file, with `overrides` (not None) replacing its fields; errors name the
        file and every problem."""
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as err:
            raise LLMConfigError(
                f"cannot read the LLM config ({err.strerror or err})", where=str(path)
            ) from None
        except json.JSONDecodeError as err:
            raise LLMConfigError(f"the LLM config is not JSON ({err})", where=str(path)) from None
        if not isinstance(data, dict):
            raise LLMConfigError("the LLM config must be a JSON object", where=str(path))
        data.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls.model_validate(data)
        except ValidationError as err:
            raise LLMConfigError(explain(err), where=str(path)) from None

    @classmethod
    def parse(cls, data: dict[str, Any]) -> LLMConfig:
        """Build from plain data (a config file), raising `LLMConfigError` listing every problem."""
        try:
            return cls.model_validate(data)
        except ValidationError as err:
            raise LLMConfigError(explain(err), where="llm config") from None


def explain(err: ValidationError) -> str:
    """One line per problem: `field: message (got value)`."""
    lines = []
    for e in err.errors():
        field = ".".join(str(p) for p in e["loc"])
        msg = e["msg"].removeprefix("Value error, ")
        shown = e["type"] != "missing" and not isinstance(e.get("input"), dict)
        got = f" (got {e['input']!r})" if shown and "input" in e else ""
        lines.append(f"{field}: {msg}{got}" if field else msg)
    return "; ".join(lines)
