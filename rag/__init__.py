"""Question answering with cited passages over earnings-call transcripts."""

from rag.answers import Answer, Citation


def ask(question: str, **kwargs):  # type: ignore[no-untyped-def]
    """See `rag.api.ask`; imported lazily so `import rag` stays cheap."""
    from rag.api import ask as _ask

    return _ask(question, **kwargs)


__all__ = ["Answer", "Citation", "ask"]
