"""Question answering with cited passages over earnings-call transcripts.

`ask`, `Answer` and `Citation` are loaded on first use, so `import rag` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rag.answer.types import Answer, Citation


def ask(question: str, **kwargs: Any) -> Answer:
    """See `rag.api.ask`."""
    from rag.api import ask as _ask

    return _ask(question, **kwargs)


def __getattr__(name: str) -> Any:
    if name in ("Answer", "Citation"):
        from rag.answer import types

        return getattr(types, name)
    raise AttributeError(f"module 'rag' has no attribute {name!r}")


__all__ = ["Answer", "Citation", "ask"]
