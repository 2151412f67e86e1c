"""The chat web page: filters, the conversation, the sources panel; `serve()` runs it locally."""

from __future__ import annotations

import html
import os
from collections.abc import Iterator
from typing import Any

import gradio as gr

from rag.api import Catalog, QueryEngine
from rag.settings import Settings
from ui import render, upload
from ui.chat import Filters, Message, run_turn
from ui.style import APP_CSS

# Questions answered at once; the rest wait in the queue (Gradio tells them their place).
# Extractive answers are short CPU bursts, LLM answers mostly wait on the endpoint.
CONCURRENCY_LIMIT = 4
QUEUE_MAX_SIZE = 200
WARM_UP_QUESTION = "revenue guidance 收入指引"
MAX_EARLIER_PANELS = 20  # earlier answers whose sources stay in the page (folded) for their [n] links

EXAMPLES = (
    "What did Susan say about MTIA?",
    "Who asked about smart glasses?",
    "2023 年资本支出指引是多少?",
    "扎克伯格如何看待超级智能?",
    "What did Brian Nowak ask in 2024Q4?",
)

FONTS = ("ui-sans-serif", "system-ui", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "sans-serif")
MONO_FONTS = ("ui-monospace", "Noto Sans Mono CJK SC", "Consolas", "monospace")


def _placeholder(companies: list[str]) -> str:
    """The empty chat's invitation (static text of ours; company names escaped all the same)."""
    calls = f"the {html.escape(', '.join(companies))} earnings calls" if companies else "the earnings calls"
    return (
        f"<strong>Ask what executives and analysts said on {calls}.</strong><br>"
        "Answers quote the transcripts; every [n] links to its source. English or 中文."
    )


def _choices(values: list[str], anything: str) -> list[tuple[str, str]]:
    return [(anything, ""), *((v, v) for v in values)]


def _title(known: Catalog) -> str:
    return f"# Earnings-call Q&A\n{', '.join(known.companies)} earnings calls {', '.join(known.quarters)}"


def _refreshed(known: Catalog, company: str = "", quarter: str = "", speaker: str = "") -> tuple[Any, ...]:
    """The title and the three filter menus for `known`, keeping each choice that still exists."""
    menus = (
        (known.companies, "Any company", company),
        (known.quarters, "Any quarter", quarter),
        (known.speakers, "Anyone", speaker),
    )
    return (
        gr.Markdown(_title(known)),
        *(
            gr.Dropdown(choices=_choices(values, anything), value=v if v in values else "")
            for values, anything, v in menus
        ),
    )


def build_app(settings: Settings | None = None, engine: QueryEngine | None = None) -> gr.Blocks:
    """The whole page, wired to a query engine (opened here unless given); filters are filled from the
    index's catalog, and reflect calls added elsewhere as the engine reloads the index."""
    settings = settings or (engine.settings if engine is not None else Settings.from_env())
    engine = engine or QueryEngine.open(settings)
    known = engine.catalog
    has_llm = bool(settings.llm_base_url)
    passage_embedder = upload.PassageEmbedder(settings)

    def respond(
        question: str,
        history: list[Message] | None,
        earlier: list[tuple[str, str]] | None,
        company: str,
        quarter: str,
        speaker: str,
        mode: str,
    ) -> Iterator[tuple[list[Message], str, str, list[tuple[str, str]]]]:
        """One chat turn; `earlier` holds this session's previous (question, sources panel) pairs."""
        filters = Filters.from_choices(company, quarter, speaker)
        earlier = list(earlier or [])
        for view in run_turn(question or "", history or [], filters, mode or "extractive", engine):
            if view.sources is None:
                latest = (
                    render.render_sources_pending() if view.pending else render.render_sources_placeholder()
                )
                yield view.history, render.stack_sources(latest, earlier), "", earlier
            else:
                panel = render.stack_sources(view.sources, earlier)
                yield view.history, panel, "", [(question, view.sources), *earlier][:MAX_EARLIER_PANELS]

    with gr.Blocks(title="Earnings-call Q&A", analytics_enabled=False, fill_width=True) as app:
        title = gr.Markdown(_title(known), elem_id="title")
        with gr.Row(equal_height=True):
            company = gr.Dropdown(
                _choices(known.companies, "Any company"), value="", label="Company", elem_id="filter-company"
            )
            quarter = gr.Dropdown(
                _choices(known.quarters, "Any quarter"), value="", label="Quarter", elem_id="filter-quarter"
            )
            speaker = gr.Dropdown(
                _choices(known.speakers, "Anyone"), value="", label="Speaker", elem_id="filter-speaker"
            )
            mode = gr.Radio(
                [("Extractive", "extractive"), ("LLM", "llm")],
                value="extractive",
                label="Answer mode",
                visible=has_llm,
                elem_id="mode",
            )
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    value=[],
                    label="Conversation",
                    elem_id="chat",
                    height=600,
                    render_markdown=False,  # replies arrive as escaped HTML from ui.render
                    sanitize_html=True,
                    allow_tags=False,
                    feedback_options=None,
                    buttons=["copy", "copy_all"],
                    placeholder=_placeholder(known.companies),
                    examples=[{"text": q} for q in EXAMPLES],
                )
                with gr.Row():
                    question = gr.Textbox(
                        placeholder="Ask about the calls, e.g. What did Susan say about MTIA?",
                        show_label=False,
                        lines=1,
                        max_lines=4,
                        scale=6,
                        autofocus=True,
                        elem_id="question",
                    )
                    send = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="ask")
            with gr.Column(scale=2):
                gr.Markdown("### Sources")
                sources = gr.HTML(
                    render.render_sources_placeholder(), elem_id="sources", js_on_load=None, max_height=640
                )
        with gr.Accordion("Add a transcript", open=False, elem_id="add-panel"):
            with gr.Row(equal_height=False):
                add_file = gr.File(
                    label="Transcript (.txt, .md or .json)",
                    file_types=upload.FILE_TYPES,
                    file_count="single",
                    type="filepath",
                    scale=2,
                    elem_id="add-file",
                )
                with gr.Column(scale=3):
                    with gr.Row():
                        add_company = gr.Textbox(
                            label="Company", placeholder="e.g. Acme", elem_id="add-company"
                        )
                        add_quarter = gr.Textbox(
                            label="Quarter", placeholder="e.g. 2025Q3", elem_id="add-quarter"
                        )
                        add_date = gr.Textbox(
                            label="Call date (optional)", placeholder="YYYY-MM-DD", elem_id="add-date"
                        )
                        add_language = gr.Textbox(
                            label="Language (optional)", placeholder="en, zh, …", elem_id="add-language"
                        )
                    with gr.Row():
                        add_replace = gr.Checkbox(
                            label="Replace existing (the same company, quarter and language)",
                            value=False,
                            elem_id="add-replace",
                        )
                        add_button = gr.Button("Add", variant="primary", min_width=80, elem_id="add-button")
            add_status = gr.Textbox(
                label="Progress",
                interactive=False,
                lines=4,
                max_lines=12,
                autoscroll=True,
                elem_id="add-status",
            )
            add_result = gr.HTML("", elem_id="add-result")
        earlier = gr.State([])

        def add(
            file_path: str | None,
            company_text: str,
            quarter_text: str,
            date_text: str,
            language_text: str,
            replace_existing: bool,
            company_now: str,
            quarter_now: str,
            speaker_now: str,
        ) -> Iterator[tuple[Any, ...]]:
            """Add the file, showing its progress; on success the title and filters list the new call."""
            form = upload.AddForm(company_text, quarter_text, date_text, language_text, replace_existing)
            for view in upload.run_add(file_path, form, engine, passage_embedder):
                result = render.render_add_result(view.ok, view.result)
                if view.catalog is None:
                    yield view.status, result, gr.skip(), gr.skip(), gr.skip(), gr.skip()
                else:
                    yield (
                        view.status,
                        result,
                        *_refreshed(view.catalog, company_now, quarter_now, speaker_now),
                    )

        add_button.click(
            add,
            inputs=[
                add_file,
                add_company,
                add_quarter,
                add_date,
                add_language,
                add_replace,
                company,
                quarter,
                speaker,
            ],
            outputs=[add_status, add_result, title, company, quarter, speaker],
            concurrency_limit=1,
            concurrency_id="add",
            show_progress="minimal",
            api_visibility="private",
        )
        # Menus as they are when the page opens (another session may have added a call since start-up).
        app.load(
            lambda: _refreshed(engine.catalog),
            outputs=[title, company, quarter, speaker],
            queue=False,
            api_visibility="private",
        )

        answer_event: dict[str, Any] = {
            "fn": respond,
            "inputs": [question, chatbot, earlier, company, quarter, speaker, mode],
            "outputs": [chatbot, sources, question, earlier],
            "concurrency_limit": CONCURRENCY_LIMIT,
            "concurrency_id": "ask",
            "show_progress": "minimal",
        }
        question.submit(api_name="ask", **answer_event)
        send.click(api_visibility="private", **answer_event)
        chatbot.example_select(_example_text, outputs=[question], queue=False, api_visibility="private").then(
            api_visibility="private", **answer_event
        )
        chatbot.clear(
            lambda: (render.render_sources_placeholder(), []),
            outputs=[sources, earlier],
            queue=False,
            api_visibility="private",
        )

    app.queue(max_size=QUEUE_MAX_SIZE, default_concurrency_limit=CONCURRENCY_LIMIT)
    return app


def _example_text(selected: gr.SelectData) -> str:
    value = selected.value
    return str(value.get("text", "")) if isinstance(value, dict) else str(value)


def launch_options() -> dict[str, Any]:
    """Styling and privacy options for `Blocks.launch()` (Gradio 6 takes CSS and theme there)."""
    return {
        "css": APP_CSS,
        # System fonts only: nothing is fetched from font CDNs, and CJK falls back to Noto/PingFang/YaHei.
        "theme": gr.themes.Default(primary_hue="blue", neutral_hue="slate", font=FONTS, font_mono=MONO_FONTS),
        "ssr_mode": False,
        "share": False,
        "show_error": False,
        "footer_links": ["api", "gradio", "settings"],
        "run_history": False,  # keep asked questions out of the browser's run log
    }


def serve(host: str = "127.0.0.1", port: int = 7860, settings: Settings | None = None) -> None:
    """Run the page until interrupted; reachable only from this machine unless `host` says otherwise."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    settings = settings or Settings.from_env()
    engine = QueryEngine.open(settings)  # the index and the query embedder
    # One question before the doors open, so the first users do not share the tokenisers' lazy start-up.
    engine.ask(WARM_UP_QUESTION)
    app = build_app(settings, engine)
    app.launch(server_name=host, server_port=port, **launch_options())
