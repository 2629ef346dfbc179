"""A local transformers model behind the same interface as `LLMClient` (needs the `ml` extra).

    llm = LocalLLM("path/to/model", temperature=0.7, seed=1)
    llm.chat([{"role": "user", "content": "..."}]).texts

The prompt is the tokenizer's chat template when it has one (else "Role: content" lines). Greedy
at temperature 0, otherwise sampled from a generator seeded by `seed` (0 when unset), so the same
request gives the same text. Generation runs on a worker thread, one request at a time.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

from sqlsynth.llm.base import ChatBase, LLMError, Message, MessagesLike, normalise_messages
from sqlsynth.llm.cache import ResponseCache
from sqlsynth.llm.config import SamplingParams


class LocalLLM(ChatBase):
    """Chat completions from a transformers causal LM in `model_path` (no download)."""

    def __init__(
        self,
        model_path: str | Path,
        *,
        params: SamplingParams | None = None,
        device: str = "cpu",
        dtype: Any = None,
        cache: ResponseCache | None = None,
        **overrides: Any,
    ) -> None:
        super().__init__()
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.model_path = Path(model_path).expanduser()
        if not self.model_path.is_dir():
            raise LLMError(f"{self.model_path} is not a directory with a transformers model")
        base = (params or SamplingParams()).model_dump()
        self.params = SamplingParams(**{**base, **overrides})
        self.tokenizer = AutoTokenizer.from_pretrained(self.model_path, local_files_only=True)
        kwargs = {"dtype": dtype} if dtype is not None else {}
        self.model = AutoModelForCausalLM.from_pretrained(self.model_path, local_files_only=True, **kwargs)
        self.model.to(device).eval()
        self.device = device
        self.cache = cache
        self._lock = threading.Lock()

    def prompt(self, messages: list[Message]) -> str:
        """The text the model continues: its chat template with the assistant turn opened."""
        if getattr(self.tokenizer, "chat_template", None):
            return self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        lines = [f"{m['role'].capitalize()}: {m['content']}" for m in messages]
        return "\n".join([*lines, "Assistant:"])

    def request_body(self, messages: MessagesLike, **overrides: Any) -> dict[str, Any]:
        p = SamplingParams(**{**self.params.model_dump(), **overrides})
        model = str(self.model_path.resolve())
        return {
            "backend": "local",
            "model": model,
            "messages": normalise_messages(messages),
            **p.model_dump(),
        }

    async def _fetch(self, body: dict[str, Any]) -> dict[str, Any]:
        data = await asyncio.to_thread(self._generate, body)
        self._count(requests=1)
        return data

    def _generate(self, body: dict[str, Any]) -> dict[str, Any]:
        """Run the model; returns an OpenAI-shaped response body."""
        import torch

        tok = self.tokenizer
        text = self.prompt(body["messages"])
        ids = tok(text, add_special_tokens=False, return_tensors="pt")["input_ids"].to(self.device)
        eos = tok.eos_token_id
        pad = tok.pad_token_id if tok.pad_token_id is not None else eos
        sample = body["temperature"] > 0
        n = body["n"]
        gen: dict[str, Any] = {"max_new_tokens": body["max_tokens"], "do_sample": sample, "pad_token_id": pad}
        if eos is not None:
            gen["eos_token_id"] = eos
        if sample:
            gen.update(temperature=body["temperature"], num_return_sequences=n, top_k=0)
            if body["top_p"] is not None:
                gen["top_p"] = body["top_p"]
        else:
            gen.update(temperature=None, top_p=None, top_k=None)
        with self._lock, torch.inference_mode(), torch.random.fork_rng(devices=[]):
            torch.manual_seed(body["seed"] if body["seed"] is not None else 0)
            out = self.model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), **gen)
        rows = [r[ids.shape[1] :].tolist() for r in out]
        if not sample:
            rows = rows[:1] * n  # greedy: n identical answers from one run
        choices, completion_tokens = [], 0
        for i, row in enumerate(rows):
            finish = "length"
            if eos is not None and eos in row:
                row, finish = row[: row.index(eos) + 1], "stop"
            completion_tokens += len(row) if sample or i == 0 else 0
            content = tok.decode(row, skip_special_tokens=True)
            for stop in body["stop"] or []:
                if stop and stop in content:
                    content, finish = content[: content.index(stop)], "stop"
            message = {"role": "assistant", "content": content}
            choices.append({"index": i, "message": message, "finish_reason": finish})
        usage = {"prompt_tokens": int(ids.shape[1]), "completion_tokens": completion_tokens}
        return {
            "object": "chat.completion",
            "model": self.model_path.name,
            "choices": choices,
            "usage": usage,
        }
