"""The chat web page: filters, the conversation, the sources panel; `serve()` runs it locally."""

from __future__ import annotations

import html
import os
from collections.abc import Iterator
from typing import Any

import gradio as gr

from rag.api import ask, catalog
from rag.settings import Settings
from ui import render
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


def build_app(settings: Settings | None = None) -> gr.Blocks:
    """The whole page, wired to `rag.api`; filters are filled from the index's catalog."""
    settings = settings or Settings.from_env()
    known = catalog(settings)
    has_llm = bool(settings.llm_base_url)
    quarters = ", ".join(known.quarters)

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
        for view in run_turn(question or "", history or [], filters, mode or "extractive", settings):
            if view.sources is None:
                latest = (
                    render.render_sources_pending() if view.pending else render.render_sources_placeholder()
                )
                yield view.history, render.stack_sources(latest, earlier), "", earlier
            else:
                panel = render.stack_sources(view.sources, earlier)
                yield view.history, panel, "", [(question, view.sources), *earlier][:MAX_EARLIER_PANELS]

    with gr.Blocks(title="Earnings-call Q&A", analytics_enabled=False, fill_width=True) as app:
        gr.Markdown(
            f"# Earnings-call Q&A\n{', '.join(known.companies)} earnings calls {quarters}",
            elem_id="title",
        )
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
        earlier = gr.State([])

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
    app = build_app(settings)  # opens the index and the query embedder
    # One question before the doors open, so the first users do not share the tokenisers' lazy start-up.
    ask(WARM_UP_QUESTION, settings=settings)
    app.launch(server_name=host, server_port=port, **launch_options())
