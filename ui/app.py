"""The chat web page: filters, the conversation, the sources panel, and for editors the forms that add
and remove transcripts; `serve()` runs it, open on this machine or with sign-in for a team."""

from __future__ import annotations

import html
import os
from collections.abc import Iterator
from typing import Any

import gradio as gr

from rag.api import Catalog, QueryEngine
from rag.settings import Settings
from ui import render, upload
from ui.accounts import Access, SignInGuard
from ui.chat import Filters, Message, next_context, refused_view, run_turn, waiting_view
from ui.examples import curated_examples, drawn_examples
from ui.limits import AnswerLine, QuestionLimiter
from ui.style import APP_CSS

WAIT_REFRESH_SECONDS = 0.5  # how often a waiting question's place in the line is brought up to date
WARM_UP_QUESTION = "revenue guidance 收入指引"
MAX_EARLIER_PANELS = 20  # earlier answers whose sources stay in the page (folded) for their [n] links

FONTS = ("ui-sans-serif", "system-ui", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "sans-serif")
MONO_FONTS = ("ui-monospace", "Noto Sans Mono CJK SC", "Consolas", "monospace")


def _placeholder() -> str:
    """The empty chat's invitation (the header says what the library holds, in one line)."""
    return (
        "<strong>Ask what executives and analysts said on the earnings calls.</strong><br>"
        "Answers quote the transcripts; every [n] links to its source. English or 中文."
    )


def _choices(values: list[str], anything: str, label: Any = str) -> list[tuple[str, str]]:
    """A menu's (label, value) pairs sorted by label (any case); the value stays the canonical name."""
    return [(anything, ""), *sorted(((label(v), v) for v in values), key=lambda lv: lv[0].casefold())]


def _menus(known: Catalog, speakers: list[str] | None = None) -> tuple[list[tuple[str, str]], ...]:
    """The company, quarter and speaker menus (`speakers`: the people listed, by default everyone);
    speakers shown with role and company."""
    return (
        _choices(known.companies, "Any company"),
        [("Any quarter", ""), *((q, q) for q in reversed(known.quarters))],  # latest first
        _choices(known.speakers if speakers is None else speakers, "Anyone", known.speaker_label),
    )


def listed_speakers(engine: QueryEngine, known: Catalog, company: str, most: int) -> list[str]:
    """Who the speaker menu lists: the chosen company's people, else everyone while there are at most
    `most` (a library of thousands of speakers lists them once a company is chosen, or takes a typed name)."""
    if company:
        return engine.speakers_of(company)
    return known.speakers if len(known.speakers) <= most else []


def _title(known: Catalog) -> str:
    return f"# Earnings-call Q&A\n{html.escape(known.summary)}"


def example_questions(engine: QueryEngine, known: Catalog) -> list[str]:
    """Checked examples while their companies are loaded, else questions drawn from the loaded calls."""
    return curated_examples(known.companies) or drawn_examples(engine.store.chunks, known.quarters)


def _refreshed(
    known: Catalog, speakers: list[str], company: str = "", quarter: str = "", speaker: str = ""
) -> tuple[Any, ...]:
    """The title and the three filter menus for `known` (the speaker menu listing `speakers`),
    keeping each choice that still exists."""
    chosen = (
        (known.companies, company),
        (known.quarters, quarter),
        (known.speakers, speaker),
    )
    return (
        gr.Markdown(_title(known)),
        *(
            gr.Dropdown(choices=menu, value=v if v in values else "")
            for menu, (values, v) in zip(_menus(known, speakers), chosen, strict=True)
        ),
    )


def requester(request: gr.Request | None) -> str:
    """Who sent a request: the signed-in name, else the client's address (nobody signs in)."""
    if request is None:
        return "anonymous"
    if request.username:
        return str(request.username)
    host = request.client.host if request.client is not None else "unknown"
    return f"anonymous@{host}"


def _signed_in_line(access: Access, request: gr.Request | None) -> str:
    if not access.signs_in or request is None or not request.username:
        return "Read-only: nobody can add transcripts here." if access.read_only else ""
    role = access.role_of(request.username) or "no longer a user"
    return f"Signed in as **{html.escape(str(request.username))}** ({role}) · [Sign out](logout)"


def build_app(
    settings: Settings | None = None, engine: QueryEngine | None = None, access: Access | None = None
) -> gr.Blocks:
    """The whole page, wired to a query engine (opened here unless given); filters are filled from the
    index's catalog, and reflect calls added elsewhere as the engine reloads the index.

    `access` says who signs in and who may edit: by default nobody signs in and everyone may add and
    remove (this machine only); the forms are shown to editors and every change is checked again on
    the server, so a reader who calls the endpoint directly is refused too."""
    settings = settings or (engine.settings if engine is not None else Settings.from_env())
    engine = engine or QueryEngine.open(settings)
    access = access or Access()
    serving = settings.serving
    known = engine.catalog
    examples = example_questions(engine, known)
    has_llm = bool(settings.llm_base_url)
    passage_embedder = upload.PassageEmbedder(settings)
    line = AnswerLine(serving.answer_workers)
    limiter = QuestionLimiter(serving.questions_per_minute)
    editing = not access.read_only  # the forms exist; each session sees them when its user may edit
    shown_to_all = editing and not access.signs_in

    def respond(
        question: str,
        history: list[Message] | None,
        earlier: list[tuple[str, str]] | None,
        company: str,
        quarter: str,
        speaker: str,
        mode: str,
        context: list[Message] | None,
        request: gr.Request,
    ) -> Iterator[tuple[Any, ...]]:
        """One chat turn; `earlier` holds this session's previous (question, sources panel) pairs,
        `context` its latest answer, for a follow-up to inherit from (ui.chat.next_context).
        The question waits its turn in the line (its place shown) and counts against its user's limit."""
        context = list(context or [])
        for view in _respond(question, history, earlier, company, quarter, speaker, mode, context, request):
            *shown, latest = view
            if latest is None:
                yield (*shown, context, gr.update())
            else:
                context = next_context(context, latest)
                inherited = latest.answer is not None and bool(latest.answer.inherited)
                yield (*shown, context, gr.update(visible=inherited))

    def respond_standalone(
        history: list[Message] | None,
        earlier: list[tuple[str, str]] | None,
        company: str,
        quarter: str,
        speaker: str,
        mode: str,
        context: list[Message] | None,
        request: gr.Request,
    ) -> Iterator[tuple[Any, ...]]:
        """The latest question asked again without the conversation's context."""
        last = str((context or [{}])[-1].get("question", ""))
        yield from respond(last, history, earlier, company, quarter, speaker, mode, [], request)

    def _respond(
        question: str,
        history: list[Message] | None,
        earlier: list[tuple[str, str]] | None,
        company: str,
        quarter: str,
        speaker: str,
        mode: str,
        context: list[Message],
        request: gr.Request,
    ) -> Iterator[tuple[Any, ...]]:
        filters = Filters.from_choices(company, quarter, speaker)
        question, history, earlier = question or "", history or [], list(earlier or [])
        placeholder = render.stack_sources(render.render_sources_placeholder(), earlier)
        if access.role_of(request.username if request else None) is None:
            gone = "Your account is no longer on this page's users list; sign in again."
            yield refused_view(question, history, gone).history, placeholder, "", earlier, None
            return
        wait = limiter.wait_seconds(requester(request))
        if wait > 0:
            yield (
                refused_view(question, history, limiter.message(wait)).history,
                placeholder,
                "",
                earlier,
                None,
            )
            return
        pending = render.stack_sources(render.render_sources_pending(), earlier)
        with line.ticket() as ticket:
            shown: tuple[int, int] | None = None
            # no wait when its turn is now; else the place is shown at once, then as it changes
            while not line.try_start(ticket, 0 if shown is None else WAIT_REFRESH_SECONDS):
                place = (line.ahead_of(ticket), line.answering)
                if place != shown:
                    shown = place
                    yield waiting_view(question, history, *place).history, pending, "", earlier, None
            for view in run_turn(question, history, filters, mode or "extractive", engine, context):
                if view.sources is None:
                    latest = (
                        render.render_sources_pending()
                        if view.pending
                        else render.render_sources_placeholder()
                    )
                    yield view.history, render.stack_sources(latest, earlier), "", earlier, view
                else:
                    panel = render.stack_sources(view.sources, earlier)
                    recent = [(question, view.sources), *earlier][:MAX_EARLIER_PANELS]
                    yield view.history, panel, "", recent, view

    with gr.Blocks(title="Earnings-call Q&A", analytics_enabled=False, fill_width=True) as app:
        with gr.Row(equal_height=True):
            title = gr.Markdown(_title(known), elem_id="title")
            signed_in = gr.Markdown(_signed_in_line(access, None), elem_id="signed-in")
        with gr.Row(equal_height=True):
            most = serving.max_menu_speakers
            company_menu, quarter_menu, speaker_menu = _menus(known, listed_speakers(engine, known, "", most))
            # filterable: type to narrow a menu of hundreds of companies or thousands of people
            company = gr.Dropdown(
                company_menu, value="", label="Company", filterable=True, elem_id="filter-company"
            )
            quarter = gr.Dropdown(
                quarter_menu, value="", label="Quarter", filterable=True, elem_id="filter-quarter"
            )
            large = len(known.speakers) > most
            speaker = gr.Dropdown(
                speaker_menu,
                value="",
                label="Speaker",
                filterable=True,
                allow_custom_value=large,  # a name typed in full, when the menu lists one company's people
                info=f"{len(known.speakers):,} people: choose a company to list its own, or type a name"
                if large
                else None,
                elem_id="filter-speaker",
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
                    placeholder=_placeholder(),
                    examples=[{"text": q} for q in examples],
                )
                with gr.Row():
                    question = gr.Textbox(
                        placeholder=f"Ask about the calls, e.g. {examples[0]}"
                        if examples
                        else "Ask about the calls",
                        show_label=False,
                        lines=1,
                        max_lines=4,
                        scale=6,
                        autofocus=True,
                        elem_id="question",
                    )
                    send = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="ask")
                again = gr.Button(
                    "Ask it again without the context", visible=False, size="sm", elem_id="ask-standalone"
                )
            with gr.Column(scale=2):
                gr.Markdown("### Sources")
                sources = gr.HTML(
                    render.render_sources_placeholder(), elem_id="sources", js_on_load=None, max_height=640
                )
        earlier = gr.State([])
        context = gr.State([])  # the latest answer: what a follow-up inherits from
        menus = [title, company, quarter, speaker]

        def on_load(request: gr.Request) -> tuple[Any, ...]:
            """Menus as they are when the page opens (another session may have added a call since
            start-up), and who is signed in."""
            known = engine.catalog
            listed = listed_speakers(engine, known, "", serving.max_menu_speakers)
            return (*_refreshed(known, listed), gr.Markdown(_signed_in_line(access, request)))

        if editing:
            add_panel, remove_panel, remove_choice = _editor_forms(
                settings, engine, access, passage_embedder, menus, shown_to_all
            )

            def on_load_with_forms(request: gr.Request) -> tuple[Any, ...]:
                may_edit = access.may_edit(request.username)
                return (
                    *on_load(request),
                    gr.Accordion(visible=may_edit),
                    gr.Accordion(visible=may_edit),
                    gr.Dropdown(choices=upload.call_choices(settings), value=None),
                )

            load_outputs = [*menus, signed_in, add_panel, remove_panel, remove_choice]
            app.load(on_load_with_forms, outputs=load_outputs, queue=False, api_visibility="private")
        else:
            app.load(on_load, outputs=[*menus, signed_in], queue=False, api_visibility="private")

        def on_company(company_now: str, speaker_now: str) -> Any:
            """The speaker menu narrowed to the chosen company's people (everyone again when cleared)."""
            known = engine.catalog
            listed = listed_speakers(engine, known, company_now or "", serving.max_menu_speakers)
            keep = speaker_now if speaker_now in listed or (speaker_now and not listed) else ""
            return gr.Dropdown(choices=_menus(known, listed)[2], value=keep)

        company.change(
            on_company, inputs=[company, speaker], outputs=[speaker], queue=False, api_visibility="private"
        )

        answer_event: dict[str, Any] = {
            "fn": respond,
            "inputs": [question, chatbot, earlier, company, quarter, speaker, mode, context],
            "outputs": [chatbot, sources, question, earlier, context, again],
            # Handlers admitted at once: AnswerLine runs serving.answer_workers of them, the rest wait
            # there with their place shown; beyond this Gradio's queue holds them.
            "concurrency_limit": serving.waiting_line,
            "concurrency_id": "ask",
            "show_progress": "minimal",
        }
        question.submit(api_name="ask", **answer_event)
        send.click(api_visibility="private", **answer_event)
        chatbot.example_select(_example_text, outputs=[question], queue=False, api_visibility="private").then(
            api_visibility="private", **answer_event
        )
        again.click(
            api_visibility="private",
            **{**answer_event, "fn": respond_standalone, "inputs": answer_event["inputs"][1:]},
        )
        chatbot.clear(
            lambda: (render.render_sources_placeholder(), [], [], gr.update(visible=False)),
            outputs=[sources, earlier, context, again],
            queue=False,
            api_visibility="private",
        )

    app.queue(max_size=serving.queue_size, default_concurrency_limit=serving.answer_workers)
    return app


def _editor_forms(
    settings: Settings,
    engine: QueryEngine,
    access: Access,
    passage_embedder: upload.PassageEmbedder,
    menus: list[Any],
    visible: bool,
) -> tuple[gr.Accordion, gr.Accordion, gr.Dropdown]:
    """The "Add a transcript" and "Remove a call" panels (shown to editors) and their handlers, which
    check the role again: the forms are hidden from readers, the server refuses them as well."""
    max_mb = settings.serving.max_upload_mb
    with gr.Accordion("Add a transcript", open=False, visible=visible, elem_id="add-panel") as add_panel:
        with gr.Row(equal_height=False):
            add_file = gr.File(
                label=f"Transcript ({upload.file_types_text()}; up to {max_mb} MB)",
                file_types=upload.FILE_TYPES,
                file_count="single",
                type="filepath",
                scale=2,
                elem_id="add-file",
            )
            with gr.Column(scale=3):
                with gr.Row():
                    add_company = gr.Textbox(label="Company", placeholder="e.g. Acme", elem_id="add-company")
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
    with gr.Accordion("Remove a call", open=False, visible=visible, elem_id="remove-panel") as remove_panel:
        with gr.Row(equal_height=True):
            remove_choice = gr.Dropdown(
                upload.call_choices(settings), value=None, label="Call", scale=4, elem_id="remove-call"
            )
            remove_button = gr.Button(
                "Remove", variant="stop", min_width=80, scale=1, elem_id="remove-button"
            )
        remove_result = gr.HTML("", elem_id="remove-result")

    def refused(request: gr.Request, doing: str) -> str:
        if not access.signs_in:
            return render.render_add_result(False, f"Only editors may {doing}; this page is read-only.")
        role = access.role_of(request.username) or "no longer a user"
        message = f"Only editors may {doing}; you are signed in as {request.username} ({role})."
        return render.render_add_result(False, message)

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
        request: gr.Request,
    ) -> Iterator[tuple[Any, ...]]:
        """Add the file, showing its progress; on success the title, filters and remove menu list it."""
        if not access.may_edit(request.username):
            yield "", refused(request, "add transcripts"), *(gr.skip(),) * 5
            return
        form = upload.AddForm(company_text, quarter_text, date_text, language_text, replace_existing)
        for view in upload.run_add(file_path, form, engine, passage_embedder, requester(request)):
            result = render.render_add_result(view.ok, view.result)
            if view.catalog is None:
                yield view.status, result, *(gr.skip(),) * 5
            else:
                yield (
                    view.status,
                    result,
                    *_refreshed(
                        view.catalog,
                        listed_speakers(
                            engine, view.catalog, company_now, settings.serving.max_menu_speakers
                        ),
                        company_now,
                        quarter_now,
                        speaker_now,
                    ),
                    gr.Dropdown(choices=upload.call_choices(settings), value=None),
                )

    def remove(
        file: str | None, company_now: str, quarter_now: str, speaker_now: str, request: gr.Request
    ) -> tuple[Any, ...]:
        if not access.may_edit(request.username):
            return refused(request, "remove calls"), *(gr.skip(),) * 5
        done, message, known = upload.run_remove(file, engine, requester(request))
        if known is None:
            return render.render_add_result(done, message), *(gr.skip(),) * 5
        return (
            render.render_add_result(done, message),
            *_refreshed(
                known,
                listed_speakers(engine, known, company_now, settings.serving.max_menu_speakers),
                company_now,
                quarter_now,
                speaker_now,
            ),
            gr.Dropdown(choices=upload.call_choices(settings), value=None),
        )

    add_button.click(
        add,
        inputs=[add_file, add_company, add_quarter, add_date, add_language, add_replace, *menus[1:]],
        outputs=[add_status, add_result, *menus, remove_choice],
        concurrency_limit=1,
        concurrency_id="edit",
        show_progress="minimal",
        # callable by name (the concurrency benchmark's editor uses it); the role is checked all the same
        api_name="add",
        api_visibility="undocumented",
    )
    remove_button.click(
        remove,
        inputs=[remove_choice, *menus[1:]],
        outputs=[remove_result, *menus, remove_choice],
        concurrency_limit=1,
        concurrency_id="edit",
        show_progress="minimal",
        api_visibility="private",
    )
    return add_panel, remove_panel, remove_choice


def _example_text(selected: gr.SelectData) -> str:
    value = selected.value
    return str(value.get("text", "")) if isinstance(value, dict) else str(value)


def launch_options(settings: Settings, access: Access) -> dict[str, Any]:
    """Styling, privacy, sign-in and upload options for `Blocks.launch()` (Gradio 6 takes CSS and theme
    there)."""
    serving = settings.serving
    options: dict[str, Any] = {
        "css": APP_CSS,
        # System fonts only: nothing is fetched from font CDNs, and CJK falls back to Noto/PingFang/YaHei.
        "theme": gr.themes.Default(primary_hue="blue", neutral_hue="slate", font=FONTS, font_mono=MONO_FONTS),
        "ssr_mode": False,
        "share": False,
        "show_error": False,
        "footer_links": ["api", "gradio", "settings"],
        "run_history": False,  # keep asked questions out of the browser's run log
        # Gradio refuses a larger upload in the browser and again on the server.
        "max_file_size": serving.max_upload_bytes,
        # every question admitted to the line waits in a worker thread of its own
        "max_threads": serving.waiting_line + serving.answer_workers + 8,
    }
    if access.users is not None:
        guard = SignInGuard(access.users, serving)
        options["auth"] = guard.check  # Gradio's sign-in page; gr.Request.username in every handler
        options["auth_message"] = guard.message()
    return options


def serve(
    host: str = "127.0.0.1", port: int = 7860, settings: Settings | None = None, access: Access | None = None
) -> None:
    """Run the page until interrupted; reachable only from this machine unless `host` says otherwise
    (the caller checks that such a host has sign-in or is read-only: `ui.accounts.serving_access`)."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    settings = settings or Settings.from_env()
    access = access or Access()
    engine = QueryEngine.open(settings)  # the index and the query embedder
    # One question before the doors open, so the first users do not share the tokenisers' lazy start-up.
    engine.ask(WARM_UP_QUESTION)
    app = build_app(settings, engine, access)
    app.launch(server_name=host, server_port=port, **launch_options(settings, access))
