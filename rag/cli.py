"""The `rag` command: ask questions, build the index, add and remove calls, serve the web UI, manage
the web UI's users."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from rag.answer.types import Answer
from rag.errors import RagError
from rag.settings import Settings


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def format_answer(answer: Answer) -> str:
    """The answer, then its sources, as an analyst reads them in a terminal."""
    lines = [answer.text, ""]
    if answer.notice:
        lines.insert(0, f"[{answer.notice}]")
    if answer.citations:
        lines.append("Sources:")
        for c in answer.citations:
            reply = (
                f" — in reply to {c.asker}{f' ({c.asker_firm})' if c.asker_firm else ''}" if c.asker else ""
            )
            lines.append(f"[{c.n}] {c.label}{reply}  (score {c.score:.3f}, {c.source})")
            passage = c.text if len(c.text) <= 400 else c.text[:400] + " …"
            lines.append("    " + passage.replace("\n", "\n    "))
    lines.append(f"(mode: {answer.mode}{', abstained' if answer.abstained else ''})")
    context = conversation_line(answer)
    if context:
        lines.append(context)
    return "\n".join(lines)


def conversation_line(answer: Answer) -> str:
    """What a follow-up took from the previous question, and the model's rewrite ("" when neither)."""
    from rag.query.followup import describe_inherited

    parts = []
    if answer.inherited:
        parts.append(f"(inherited {describe_inherited(answer.inherited)}, from your previous question)")
    if answer.rewritten:
        parts.append(f"(asked as: {answer.rewritten})")
    return "\n".join(parts)


def _cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from rag.api import QueryEngine

    history = [_read_previous_answer(Path(args.after))] if args.after else []
    query_engine = QueryEngine.open(settings)
    filters = {"speaker": args.speaker, "quarter": args.quarter, "company": args.company, "top_k": args.top_k}
    if args.llm:
        answer = _stream_llm_answer(
            query_engine.ask_stream(args.question, history=history, **filters), show_draft=not args.json
        )
    else:
        answer = query_engine.ask(args.question, history=history, **filters)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(format_answer(answer))
    return 0


def _read_previous_answer(path: Path) -> dict[str, object]:
    """A previous `rag ask --json` output, for `--after`; a bad file is a clear error, not a traceback."""
    from rag.errors import InvalidQuestion

    try:
        previous = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise InvalidQuestion(f"--after {path}: cannot read it ({err.strerror or err})") from err
    except json.JSONDecodeError as err:
        raise InvalidQuestion(
            f"--after {path}: not JSON ({err.msg}); give what `rag ask --json` printed"
        ) from err
    if not isinstance(previous, dict) or "question" not in previous:
        raise InvalidQuestion(f"--after {path}: not an answer; give what `rag ask --json` printed")
    return previous


def _stream_llm_answer(stream, *, show_draft: bool) -> Answer:  # type: ignore[no-untyped-def]
    """Print the model's tokens as they arrive (stderr when stdout is piped); return the verified Answer."""
    out = sys.stdout if sys.stdout.isatty() else sys.stderr
    answer: Answer | None = None
    drafted = False
    for item in stream:
        if isinstance(item, Answer):
            answer = item
        elif show_draft:
            print(item, end="", file=out, flush=True)
            drafted = True
    if drafted:
        print("\n" + "─" * 40 + " verified answer:", file=out, flush=True)
    assert answer is not None
    return answer


def _prepare_library(settings: Settings) -> None:
    from rag.indexing.library import prepare_library

    prepare_library(settings, _progress)


def _cmd_build(args: argparse.Namespace, settings: Settings) -> int:
    from rag.indexing.build import build_index
    from rag.indexing.embedding.embedders import load_embedder
    from rag.indexing.journal import recover
    from rag.indexing.store import staleness

    _prepare_library(settings)
    for line in recover(settings.transcripts_dir, settings.index_dir):
        _progress(f"Recovery: {line}")
    reason = staleness(settings)
    if reason is None and not args.force:
        print(f"Index at {settings.index_dir} is up to date (use --force to rebuild).")
        return 0
    build_index(settings, load_embedder(settings, for_queries=False, progress=_progress), _progress)
    return 0


def _cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    from rag.api import Conversation, QueryEngine

    conversation = Conversation(QueryEngine.open(settings))
    print("Ask about the earnings calls (empty line or Ctrl-D to quit; a follow-up keeps the context,")
    print("'/new QUESTION' asks without it).")
    while True:
        try:
            question = input("> ").strip()
        except EOFError:
            return 0
        if not question:
            return 0
        try:
            if question.startswith("/new "):
                answer = conversation.standalone(question[len("/new ") :])
            else:
                answer = conversation.ask(question)
            print(format_answer(answer))
        except RagError as err:
            print(f"error: {err}")


def _cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from ui.accounts import serving_access

    # checked before anything loads: a shared address without sign-in stops here, in a second
    access = serving_access(args.host, args.auth or settings.ui_auth_file, args.read_only)
    from ui.app import serve

    serve(host=args.host, port=args.port, settings=settings, access=access)
    return 0


def _users_file(args: argparse.Namespace, settings: Settings) -> Path:
    return Path(args.file) if args.file else settings.ui_auth_file or settings.data_dir / "users.json"


def _read_password(name: str) -> str:
    """From the terminal (typed twice, not echoed), or the first line of stdin when it is piped."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    import getpass

    first = getpass.getpass(f"Password for {name}: ")
    if getpass.getpass("Again: ") != first:
        raise ValueError("the two passwords differ; nothing changed")
    return first


def _cmd_users(args: argparse.Namespace, settings: Settings) -> int:
    from ui.accounts import UsersFile

    users = UsersFile(_users_file(args, settings))
    if args.action == "add":
        account = users.add(args.name, args.role, _read_password(args.name), replace=args.replace)
        print(f"{account.name} ({account.role}) can sign in; users file: {users.path}")
        print(f"serve it with: rag serve --host 0.0.0.0 --auth {users.path}")
    elif args.action == "remove":
        users.remove(args.name)
        print(f"Removed {args.name} from {users.path}")
    else:
        accounts = users.accounts() if users.path.exists() else {}
        for account in accounts.values():
            print(f"{account.name}  {account.role}")
        print(f"{len(accounts)} users in {users.path}")
    return 0


def _cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    import json
    import tempfile

    from rag.evaluation.runner import run_eval_command

    if settings.uses_library:  # the questions are about the shipped calls, whatever the library holds
        settings = settings.for_shipped_corpus()
    if not args.without_hand_knowledge:
        return run_eval_command(
            settings,
            mode=args.mode,
            json_path=args.json,
            gates=args.gates,
            questions_file=args.questions,
            corpus=args.corpus,
        )
    from rag.evaluation.knowledge import format_comparison, run_without_hand_knowledge

    with tempfile.TemporaryDirectory(prefix="rag-eval-") as scratch:
        json_path = args.json or str(Path(scratch) / "eval.json")
        code = run_eval_command(
            settings,
            mode=args.mode,
            json_path=json_path,
            gates=args.gates,
            questions_file=args.questions,
            corpus=args.corpus,
        )
        with_knowledge = json.loads(Path(json_path).read_text(encoding="utf-8"))["default"]["summary"]
    passed = ["--mode", args.mode]
    passed += ["--questions", args.questions] if args.questions else []
    passed += ["--corpus", args.corpus] if args.corpus else []
    print(format_comparison(with_knowledge, run_without_hand_knowledge(passed)))
    return code


def _cmd_index_export(args: argparse.Namespace, settings: Settings) -> int:
    import dataclasses

    import numpy as np

    from rag.api import open_index_folder
    from rag.indexing.milvus_store import export_to_milvus
    from rag.indexing.store import load_vectors
    from rag.settings import check_vector_store

    target = args.uri or settings.vector_store
    if target == "faiss":
        raise ValueError(
            "say which Milvus to export to: --uri milvus://HOST:PORT or --uri milvus-lite:/path/file.db "
            "(or set RAG_VECTOR_STORE to one)"
        )
    settings = dataclasses.replace(settings, vector_store=check_vector_store(target))
    if args.shipped:
        settings = settings.for_shipped_corpus()
    store = open_index_folder(settings, _progress)
    vectors = np.asarray(load_vectors(settings, len(store.chunks), store.vectors.dimension))
    result = export_to_milvus(store, vectors, settings, restart=args.restart, progress=_progress)
    print(
        f"{result.collection} on {target}: {result.rows:,} rows ({result.inserted:,} exported now) "
        f"in {result.seconds:.1f} s; serve it with RAG_VECTOR_STORE={target}"
    )
    return 0


def _cmd_add(args: argparse.Namespace, settings: Settings) -> int:
    from dataclasses import replace

    from rag.indexing.bulk import add_many, format_report
    from rag.indexing.history import os_user, record_change
    from rag.indexing.updates import AddOptions, AddResult, add_transcript
    from rag.transcripts.metadata_sources import NamePattern, load_file_manifest

    def record(added: AddResult) -> None:
        record_change(settings, actor=os_user(), via="cli", action=added.status, call=added.call)

    _prepare_library(settings)
    if args.device:
        settings = replace(settings, embed_device=args.device)
    paths = [Path(p) for p in args.files]
    bulk = (
        len(paths) > 1 or any(p.is_dir() for p in paths) or args.dry_run or args.name_pattern or args.manifest
    )
    if bulk:
        options = AddOptions(
            company=args.company,
            quarter=args.quarter,
            call_date=args.date,
            language=args.language,
            ticker=args.ticker,
            replace_existing=args.replace,
            name_pattern=NamePattern.parse(args.name_pattern) if args.name_pattern else None,
            manifest=load_file_manifest(Path(args.manifest)) if args.manifest else {},
        )
        report = add_many(
            paths, settings, options, progress=_progress, dry_run=args.dry_run, on_commit=record
        )
        print(format_report(report))
        return 1 if report.count("refused") else 0
    for path in paths:
        added = add_transcript(
            Path(path),
            settings,
            company=args.company,
            quarter=args.quarter,
            call_date=args.date,
            language=args.language,
            ticker=args.ticker,
            replace_existing=args.replace,
            progress=_progress,
        )
        if added.status != "unchanged":
            record_change(settings, actor=os_user(), via="cli", action=added.status, call=added.call)
    return 0


def _cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    from rag.indexing.history import format_history, read_history
    from rag.indexing.updates import format_call_list, list_calls

    if args.history:
        print(format_history(read_history(settings), settings))
        return 0
    _prepare_library(settings)
    summaries = list_calls(settings, company=args.company, quarter=args.quarter)
    if not summaries and (args.company or args.quarter):
        print(f"No call matches {' '.join(v for v in (args.company, args.quarter) if v)}.")
        return 0
    print(format_call_list(summaries, speakers=not args.brief))
    return 0


def _cmd_remove(args: argparse.Namespace, settings: Settings) -> int:
    from rag.indexing.history import os_user, record_change
    from rag.indexing.updates import remove_call
    from rag.text.quarters import normalize_quarter

    _prepare_library(settings)
    by_quarter = normalize_quarter(args.call) is not None and not Path(args.call).suffix
    removed = remove_call(
        settings,
        quarter=args.call if by_quarter else None,
        file=None if by_quarter else args.call,
        company=args.company,
        language=args.language,
        progress=_progress,
    )
    record_change(settings, actor=os_user(), via="cli", action="removed", call=removed)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rag", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    ask = sub.add_parser("ask", help="answer a question with cited passages")
    ask.add_argument("question")
    ask.add_argument("--speaker", help="only this person's turns (any alias: Susan, 李苏珊, the CFO …)")
    ask.add_argument("--quarter", help="only this call (2024Q4, Q4 2024, 4Q24, 2024年第四季度 …)")
    ask.add_argument("--company", help="only this company's calls")
    ask.add_argument("--top-k", type=int, default=None, help="passages to cite (default: Settings.top_k, 5)")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON")
    ask.add_argument(
        "--after",
        metavar="PREVIOUS.json",
        help="a follow-up: the previous question's `rag ask --json` output, to inherit its context from",
    )
    ask.add_argument(
        "--llm",
        action="store_true",
        help="generate the answer with the configured OpenAI-compatible endpoint",
    )
    ask.set_defaults(run=_cmd_ask)

    build = sub.add_parser("build", help="build the index (only when missing or stale unless --force)")
    build.add_argument("--force", action="store_true")
    build.set_defaults(run=_cmd_build)

    add = sub.add_parser(
        "add", help="add transcript files or folders to the corpus and the index (incrementally, resumable)"
    )
    add.add_argument(
        "files",
        nargs="+",
        metavar="FILE_OR_DIR",
        help="transcripts (text, markdown, JSON, PDF, HTML, DOCX); folders are searched recursively",
    )
    add.add_argument("--company", help="company of the call (else from FILE.json or the text)")
    add.add_argument("--quarter", help="quarter of the call: 2024Q4, Q4 2024, 2024年第四季度 …")
    add.add_argument("--date", help="date of the call, YYYY-MM-DD")
    add.add_argument("--language", help="language code of the transcript (default: detected, zh or en)")
    add.add_argument("--ticker")
    add.add_argument("--replace", action="store_true", help="replace the call already there for this quarter")
    add.add_argument(
        "--name-pattern",
        metavar="PATTERN",
        help="read fields from file names, e.g. '{ticker}_q{q}_{year}' (fields: {ticker} {company} {q} "
        "{year} {date} {language} {any}); the text must not contradict them",
    )
    add.add_argument(
        "--manifest", metavar="CSV_OR_JSON", help="file -> company, ticker, quarter, date, language per file"
    )
    add.add_argument(
        "--dry-run",
        action="store_true",
        help="say for every file what would be recorded and why; change nothing",
    )
    add.add_argument("--device", help="embedding device: cpu, cuda, cuda:1 … (default: CUDA when present)")
    add.set_defaults(run=_cmd_add)

    listing = sub.add_parser("list", help="show the calls with their turns, passages and speakers")
    listing.add_argument(
        "--history", action="store_true", help="show who added or removed which call, and when, instead"
    )
    listing.add_argument("--company", help="only the calls of this company (any case)")
    listing.add_argument("--quarter", help="only the calls of this quarter (2024Q4) or year (2024)")
    listing.add_argument("--brief", action="store_true", help="one line per call, without the speakers")
    listing.set_defaults(run=_cmd_list)

    remove = sub.add_parser("remove", help="take a call out of the corpus and the index")
    remove.add_argument("call", metavar="QUARTER_OR_FILE", help="quarter (2024Q4) or file name")
    remove.add_argument("--company", help="which company's call, when several have that quarter")
    remove.add_argument("--language", help="which language version, when there are several")
    remove.set_defaults(run=_cmd_remove)

    index = sub.add_parser("index", help="move the index to another vector engine")
    index_sub = index.add_subparsers(dest="index_command", required=True)
    export = index_sub.add_parser(
        "export", help="copy the index's vectors and filter fields into a Milvus collection (resumable)"
    )
    export.add_argument("--to", choices=("milvus",), required=True)
    export.add_argument(
        "--uri", help="milvus://HOST:PORT or milvus-lite:/path/file.db (default: RAG_VECTOR_STORE)"
    )
    export.add_argument(
        "--shipped", action="store_true", help="the shipped corpus's index (what `rag eval` measures)"
    )
    export.add_argument("--restart", action="store_true", help="drop the collection and export it again")
    export.set_defaults(run=_cmd_index_export)

    chat = sub.add_parser("chat", help="ask questions interactively in the terminal")
    chat.set_defaults(run=_cmd_chat)

    serve = sub.add_parser("serve", help="start the chat web UI")
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, this machine only)"
    )
    serve.add_argument("--port", type=int, default=7860)
    serve.add_argument(
        "--auth",
        type=Path,
        metavar="USERS_FILE",
        help="sign-in with the users of this file (`rag users add`; default RAG_UI_AUTH); "
        "needed to serve on an address other machines reach, unless --read-only",
    )
    serve.add_argument(
        "--read-only", action="store_true", help="nobody may add or remove transcripts through the page"
    )
    serve.set_defaults(run=_cmd_serve)

    users = sub.add_parser("users", help="manage who may sign in to the web UI, and their roles")
    users_sub = users.add_subparsers(dest="action", required=True)
    users_file_help = "the users file (default: RAG_UI_AUTH, else users.json in the data folder)"
    add_user = users_sub.add_parser(
        "add", help="add a user; the password is read from the terminal (or the first line of stdin)"
    )
    add_user.add_argument("name")
    add_user.add_argument(
        "--role", choices=("reader", "editor"), default="reader", help="readers ask; editors also add/remove"
    )
    add_user.add_argument("--replace", action="store_true", help="change the password or role of a user")
    add_user.add_argument("--file", help=users_file_help)
    remove_user = users_sub.add_parser("remove", help="take a user out of the users file")
    remove_user.add_argument("name")
    remove_user.add_argument("--file", help=users_file_help)
    list_users = users_sub.add_parser("list", help="the users and their roles")
    list_users.add_argument("--file", help=users_file_help)
    users.set_defaults(run=_cmd_users)
    evaluate = sub.add_parser("eval", help="measure the answers on eval/questions.jsonl (or --questions)")
    evaluate.add_argument("--mode", choices=("extractive", "llm"), default="extractive")
    evaluate.add_argument(
        "--questions",
        metavar="PATH",
        help="question set to score (default eval/questions.jsonl); eval/heldout.jsonl is the held-out set; "
        "eval/real_calls.jsonl and eval/samples_seeds.jsonl are asked over their corpus specs",
    )
    evaluate.add_argument(
        "--corpus",
        metavar="SPEC",
        help="corpus spec the --questions set is asked over (default: a shipped set's own, eval/corpora/); "
        "its corpus is built once into the per-user cache and reused",
    )
    evaluate.add_argument("--json", metavar="PATH", help="also write every metric and question as JSON")
    evaluate.add_argument(
        "--gates",
        action="store_true",
        help="exit 1 when a metric misses eval/gates.json; only with the default eval/questions.jsonl, "
        "which the gates were set on (refused with another --questions)",
    )
    evaluate.add_argument(
        "--without-hand-knowledge",
        action="store_true",
        help="also run with rag/data/glossary.json and speakers.json emptied and print the change: what "
        "the hand-kept vocabulary carries",
    )
    evaluate.set_defaults(run=_cmd_eval)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args, Settings.from_env()))
    except RagError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `rag ask … | head`: the reader has all it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
