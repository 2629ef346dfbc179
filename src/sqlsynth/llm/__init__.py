"""LLM access: an OpenAI-compatible HTTP client and a local transformers backend, one interface.

from sqlsynth.llm import LLMConfig, create_llm
llm = create_llm(LLMConfig(model="qwen2.5-7b-instruct", base_url="http://localhost:8000/v1"))
answer = llm.chat("Write one question about the orders table.").text
"""

from __future__ import annotations

from typing import Any

from sqlsynth.llm.base import LLM, Completion, LLMError, Stats, Usage
from sqlsynth.llm.cache import ResponseCache, request_key
from sqlsynth.llm.client import LLMClient
from sqlsynth.llm.config import LLMConfig, LLMConfigError, SamplingParams


def create_llm(config: LLMConfig, **local_kwargs: Any) -> LLM:
    """The backend the config names: `LLMClient` for "openai", `LocalLLM` for "local"."""
    cache = ResponseCache(config.cache_dir) if config.cache_dir else None
    if config.backend == "local":
        from sqlsynth.llm.local import LocalLLM

        return LocalLLM(config.model, params=config.sampling(), cache=cache, **local_kwargs)
    return LLMClient(config, cache=cache)


__all__ = [
    "LLM",
    "Completion",
    "LLMClient",
    "LLMConfig",
    "LLMConfigError",
    "LLMError",
    "ResponseCache",
    "SamplingParams",
    "Stats",
    "Usage",
    "create_llm",
    "request_key",
]
