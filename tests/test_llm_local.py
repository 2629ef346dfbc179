"""The local transformers backend with a tiny random Llama and a tokenizer trained here."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from sqlsynth.llm import LLM, LLMConfig, ResponseCache, Usage, create_llm  # noqa: E402
from sqlsynth.llm.local import LocalLLM  # noqa: E402

CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
SENTENCES = [
    "How many customers placed an order last month?",
    "List the names of products that cost more than 100 dollars.",
    "Which employee handled the most support tickets?",
    "Show the total revenue per category, highest first.",
    "What is the average rating of reviews for each product?",
]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    torch.set_num_threads(1)
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=300, special_tokens=specials, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    tok.train_from_iterator(SENTENCES * 4, trainer=trainer)
    fast = transformers.PreTrainedTokenizerFast(
        tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|endoftext|>", chat_template=CHAT_TEMPLATE
    )
    path = tmp_path_factory.mktemp("tiny-llama")
    fast.save_pretrained(path)
    config = transformers.LlamaConfig(
        vocab_size=len(fast),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=256,
        eos_token_id=fast.eos_token_id,
        pad_token_id=fast.pad_token_id,
        bos_token_id=None,
    )
    torch.manual_seed(0)
    transformers.LlamaForCausalLM(config).save_pretrained(path)
    return path


@pytest.fixture(scope="module")
def llm(model_dir: Path) -> LocalLLM:
    return LocalLLM(model_dir, max_tokens=8)


MESSAGES = [
    {"role": "system", "content": "Answer in SQL."},
    {"role": "user", "content": "How many customers?"},
]


def test_prompt_uses_the_chat_template(llm: LocalLLM) -> None:
    prompt = llm.prompt(MESSAGES)
    assert prompt == (
        "<|im_start|>system\nAnswer in SQL.<|im_end|>\n<|im_start|>user\nHow many customers?<|im_end|>\n"
        "<|im_start|>assistant\n"
    )
    template, llm.tokenizer.chat_template = llm.tokenizer.chat_template, None
    try:
        assert llm.prompt(MESSAGES) == "System: Answer in SQL.\nUser: How many customers?\nAssistant:"
    finally:
        llm.tokenizer.chat_template = template


def test_greedy_is_deterministic_and_counts_tokens(llm: LocalLLM) -> None:
    a = llm.chat(MESSAGES)
    b = llm.chat(MESSAGES, n=2)
    assert isinstance(llm, LLM)
    assert a.texts[0] and b.texts == [a.text, a.text]  # greedy: every choice is the same
    prompt_tokens = len(llm.tokenizer(llm.prompt(MESSAGES), add_special_tokens=False)["input_ids"])
    assert a.usage.prompt_tokens == prompt_tokens and 1 <= a.usage.completion_tokens <= 8
    assert a.finish_reasons[0] in ("stop", "length") and not a.cached


def test_sampling_is_reproducible_with_a_seed(llm: LocalLLM) -> None:
    first = llm.chat(MESSAGES, temperature=1.0, seed=1, n=3)
    again = llm.chat(MESSAGES, temperature=1.0, seed=1, n=3)
    other = llm.chat(MESSAGES, temperature=1.0, seed=2, n=3)
    assert first.texts == again.texts and len(first.texts) == 3
    assert other.texts != first.texts and len(set(first.texts)) > 1
    before = torch.random.get_rng_state()
    llm.chat(MESSAGES, temperature=1.0, seed=3)
    assert torch.equal(before, torch.random.get_rng_state())  # the global RNG is left alone


def test_same_interface_async_batch_cache_and_factory(model_dir: Path, tmp_path: Path) -> None:
    llm = create_llm(LLMConfig(backend="local", model=str(model_dir), max_tokens=4, cache_dir=tmp_path))
    assert isinstance(llm, LocalLLM)
    answers = llm.chat_many(["a question", "another question"])
    assert len(answers) == 2 and all(a.text for a in answers)
    spent = llm.usage
    assert spent.completion_tokens >= 2 and spent == answers[0].usage + answers[1].usage
    again = llm.chat("a question")
    assert again.cached and again.texts == answers[0].texts and llm.usage == spent
    assert len(ResponseCache(tmp_path)) == 2 and llm.stats.requests == 2 and llm.usage != Usage()
