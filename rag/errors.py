"""Errors a user can act on. The CLI prints them as one line (exit 2); the UI shows them."""


class RagError(Exception):
    """Base class: the message says what was wrong and what to do."""


class InvalidQuestion(RagError):
    """Empty, whitespace-only or over-long question."""


class UnknownSpeaker(RagError):
    """A speaker filter that names nobody in the corpus."""


class UnknownQuarter(RagError):
    """A quarter filter that is malformed or not in the corpus."""


class UnknownCompany(RagError):
    """A company filter that is not in the corpus."""


class IndexUnavailable(RagError):
    """No index on disk and no transcripts to build one from, or an index that cannot be read."""


class TranscriptError(RagError):
    """A transcript file that cannot be used (binary, empty, undecodable, unknown layout)."""


class ModelUnavailable(RagError):
    """The embedding model is not materialised and cannot be."""


class InvalidSetting(RagError):
    """An environment variable or setting with a value the product cannot use."""
