"""Settings: every tuned number in one typed object, environment variables validated and named."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from rag.errors import InvalidSetting
from rag.settings import RankingSettings, Settings


def test_the_environment_overrides_paths_endpoints_and_modes() -> None:
    settings = Settings.from_env(
        {
            "RAG_INDEX_DIR": "/tmp/idx",
            "RAG_RETRIEVAL": "bm25",
            "OPENAI_BASE_URL": "http://x/v1",
            "RAG_TOP_K": "7",
        }
    )
    assert settings.index_dir == Path("/tmp/idx") and settings.retrieval == "bm25"
    assert settings.llm_base_url == "http://x/v1" and settings.top_k == 7


def test_the_project_variable_wins_over_the_openai_one() -> None:
    settings = Settings.from_env(
        {"RAG_LLM_BASE_URL": "http://ours/v1", "OPENAI_BASE_URL": "http://theirs/v1"}
    )
    assert settings.llm_base_url == "http://ours/v1"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"RAG_LLM_TIMEOUT": "soon"}, "RAG_LLM_TIMEOUT='soon' is not valid: write a number of seconds"),
        ({"RAG_LLM_TIMEOUT": "0"}, "RAG_LLM_TIMEOUT='0' is not valid"),
        ({"RAG_RETRIEVAL": "magic"}, "RAG_RETRIEVAL='magic' is not valid: use one of hybrid, dense, bm25"),
        ({"RAG_TOP_K": "many"}, "RAG_TOP_K='many' is not valid"),
        ({"RAG_TOP_K": "500"}, "RAG_TOP_K: top_k must be between 1 and 50"),
        ({"RAG_QUERY_THREADS": "-1"}, "RAG_QUERY_THREADS='-1' is not valid"),
    ],
)
def test_a_bad_variable_is_named_with_what_is_allowed(env: dict[str, str], named: str) -> None:
    with pytest.raises(InvalidSetting) as caught:
        Settings.from_env(env)
    assert str(caught.value).startswith(named)


def test_settings_are_checked_when_made_in_code() -> None:
    with pytest.raises(ValueError, match="retrieval must be one of"):
        Settings(retrieval="fuzzy")
    with pytest.raises(ValueError, match="top_k must be between 1 and 10"):
        Settings(top_k=20, ranking=RankingSettings(max_top_k=10))


def test_an_ablation_is_a_setting_and_settings_stay_hashable() -> None:
    base = Settings()
    ablated = replace(base, ranking=replace(base.ranking, lexical_weight_en=0.5))
    assert ablated.ranking.lexical_weight("en") == 0.5 and ablated.ranking.lexical_weight("zh") == 1.0
    assert len({base, ablated, Settings()}) == 2


def test_the_api_key_never_shows_in_the_settings_repr() -> None:
    assert "sk-secret" not in repr(Settings(llm_api_key="sk-secret"))


def test_ask_defaults_to_the_settings_top_k(engine) -> None:  # type: ignore[no-untyped-def]
    from rag.api import QueryEngine

    three = QueryEngine(engine.store, engine.embedder, replace(engine.settings, top_k=3))
    assert len(three.ask("What did Susan say about capex?").citations) == 3
    assert len(three.ask("What did Susan say about capex?", top_k=4).citations) == 4
    with pytest.raises(ValueError, match="top_k must be a whole number between 1 and 50"):
        three.ask("capex", top_k=0)


def test_rag_data_dir_moves_the_library_its_index_and_its_history() -> None:
    settings = Settings.from_env({"RAG_DATA_DIR": "/tmp/team-library"})
    root = Path("/tmp/team-library")
    assert settings.data_dir == root and settings.uses_library
    assert (
        settings.transcripts_dir == root / "transcripts" and settings.index_dir == root / "index" / "default"
    )
    assert settings.history_file == root / "history.jsonl"
    moved = Settings.from_env({"RAG_DATA_DIR": "/tmp/team-library", "RAG_INDEX_DIR": "/tmp/elsewhere"})
    assert moved.index_dir == Path("/tmp/elsewhere") and moved.transcripts_dir == root / "transcripts"
    pointed = Settings.from_env({"RAG_DATA_DIR": "/tmp/team-library", "RAG_TRANSCRIPTS_DIR": "/tmp/calls"})
    assert not pointed.uses_library  # a corpus of one's own is used as it is, never seeded or migrated


def test_the_default_data_folder_is_the_per_user_one_outside_the_source_tree() -> None:
    from platformdirs import user_data_dir

    from rag.settings import PROJECT_ROOT

    settings = Settings()
    assert settings.data_dir == Path(user_data_dir("earnings-rag", appauthor=False))
    assert (
        PROJECT_ROOT not in settings.transcripts_dir.parents
        and PROJECT_ROOT not in settings.index_dir.parents
    )


def test_the_shipped_corpus_is_read_in_place_with_its_own_index_in_the_data_folder() -> None:
    from rag.settings import SHIPPED_TRANSCRIPTS_DIR

    shipped = Settings().with_data_dir(Path("/tmp/d")).for_shipped_corpus()
    assert shipped.transcripts_dir == SHIPPED_TRANSCRIPTS_DIR and shipped.index_dir == Path(
        "/tmp/d/index/shipped"
    )
    assert not shipped.uses_library


def test_serving_limits_are_settings_checked_when_made() -> None:
    from rag.settings import ServingSettings

    assert Settings().serving.max_upload_bytes == 20 * 1024 * 1024
    with pytest.raises(ValueError, match="questions_per_minute must be at least 1"):
        ServingSettings(questions_per_minute=0)
    with pytest.raises(ValueError, match="waiting_line"):
        ServingSettings(answer_workers=8, waiting_line=4)
    assert Settings.from_env({"RAG_UI_AUTH": "~/team.json"}).ui_auth_file == Path("~/team.json").expanduser()
