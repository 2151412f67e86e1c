"""The dense search on Milvus: a collection exported from the index folder, searched behind the seam.

The index folder stays the source of truth (chunks, BM25, the FAISS index that `rag add` updates); a
collection holds its rows' vectors under their row positions as primary keys, with the fields the
filters restrict (company, quarter, speaker, kind, language) as scalar fields that Milvus filters on.
The collection records the identity of the index it was exported from (model, dimension, row count,
sources hash, a hash of the chunk ids in row order) and is refused, with the export command named,
when that is not the index being served: a stale collection is never searched silently.

BM25 stays local, beside it (rag.indexing.lexical): milvus-lite 3.2.2 has full-text search with a
jieba tokenizer but not Milvus's "chinese" analyzer, and either tokenises differently from the
product's tokens (glossary bridges, unit-normalised figures), which would change the rankings that
`rag eval` measures.

`RAG_VECTOR_STORE` chooses the engine: milvus://HOST:PORT is a Milvus server or cluster,
milvus-lite:/path/file.db the embedded engine (same client API; what the tests start).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from rag.errors import IndexUnavailable
from rag.indexing.store import IndexStore, model_name
from rag.indexing.vector_store import RowFilter
from rag.settings import Settings

IDENTITY_PROPERTY = "earnings_rag.identity"
IDENTITY_FORMAT = 1
EXPORT_HINT = "run `rag index export --to milvus` to export the index"
SCALAR_FIELDS = ("company", "quarter", "speaker", "kind", "language")
SCALAR_MAX_BYTES = 1024  # a speaker label or company name longer than this is refused at export

Progress = Callable[[str], None]


def client_uri(vector_store: str) -> str:
    """What pymilvus connects to for a RAG_VECTOR_STORE value (http://HOST:PORT or a lite file path)."""
    if vector_store.startswith("milvus://"):
        return "http://" + vector_store.removeprefix("milvus://").rstrip("/")
    if vector_store.startswith("milvus-lite:"):
        return str(Path(vector_store.removeprefix("milvus-lite:")).expanduser().resolve())
    raise ValueError(f"{vector_store!r} is not a Milvus vector store")


def connect(vector_store: str, timeout: float) -> Any:
    """A MilvusClient for `vector_store`; IndexUnavailable naming it when it cannot be reached."""
    try:
        from pymilvus import MilvusClient
    except ImportError as err:
        raise IndexUnavailable(
            f"RAG_VECTOR_STORE={vector_store} needs pymilvus: pip install 'earnings-rag[milvus]'"
        ) from err

    uri = client_uri(vector_store)
    if vector_store.startswith("milvus-lite:"):
        Path(uri).parent.mkdir(parents=True, exist_ok=True)
    try:
        return MilvusClient(uri=uri, timeout=timeout)
    except Exception as err:  # pymilvus raises MilvusException, grpc errors or OSError here
        raise IndexUnavailable(
            f"cannot reach the Milvus vector store {vector_store} ({_reason(err)}); start it, or set "
            "RAG_VECTOR_STORE=faiss to search the index folder's own vectors"
        ) from err


def collection_name(settings: Settings) -> str:
    """One collection per index folder: earnings_rag_default (the library), earnings_rag_shipped (eval)."""
    return "earnings_rag_" + re.sub(r"[^0-9A-Za-z_]", "_", settings.index_dir.name)


def index_identity(store: IndexStore, settings: Settings) -> dict[str, Any]:
    """What a collection must have been exported from to stand for `store`'s rows."""
    ids = hashlib.sha256("\n".join(c.id for c in store.chunks).encode()).hexdigest()
    return {
        "format": IDENTITY_FORMAT,
        "model": model_name(settings),
        "dimension": store.vectors.dimension,
        "count": len(store.chunks),
        "sources_hash": store.manifest.get("sources_hash"),
        "chunk_ids_sha256": ids,
    }


def filter_expression(where: RowFilter) -> str:
    """`where` as a Milvus boolean expression over the scalar fields (strings quoted as JSON)."""
    clauses = [
        f"{name} in [{', '.join(json.dumps(v, ensure_ascii=False) for v in values)}]"
        for name, values in where.fields().items()
    ]
    return " and ".join(clauses)


class MilvusSearch:
    """A Milvus collection of an index folder's vectors, searched exactly (FLAT, inner product)."""

    def __init__(self, client: Any, collection: str, dimension: int, count: int) -> None:
        self._client = client
        self.collection = collection
        self.dimension = dimension
        self.count = count

    def search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None, where: RowFilter | None
    ) -> tuple[np.ndarray, np.ndarray]:
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
            raise ValueError(f"k must be a positive integer, got {k!r}")
        if where is not None:
            expression = filter_expression(where)
        elif allowed is not None:  # a caller with row ids and no filter (tests of the ranking)
            expression = f"row in [{', '.join(str(int(r)) for r in allowed)}]"
        else:
            expression = ""
        limit = min(int(k), self.count if allowed is None else len(allowed))
        if limit == 0:
            return np.empty(0, dtype=np.float32), np.empty(0, dtype=np.int64)
        hits = self._client.search(
            self.collection,
            data=[_unit_query(query, self.dimension).tolist()],
            limit=limit,
            filter=expression,
            output_fields=["row"],
            search_params={"metric_type": "IP"},
        )[0]
        scores = np.asarray([h["distance"] for h in hits], dtype=np.float32)
        rows = np.asarray([h["row"] if "row" in h else h["id"] for h in hits], dtype=np.int64)
        return scores, rows


def open_milvus_search(store: IndexStore, settings: Settings) -> MilvusSearch:
    """The collection standing for `store` on settings.vector_store, refused when it does not match."""
    client = connect(settings.vector_store, settings.milvus_timeout)
    name = collection_name(settings)
    where = f"{settings.vector_store} (collection {name})"
    try:
        if not client.has_collection(name):
            raise IndexUnavailable(f"the Milvus vector store {where} does not exist; {EXPORT_HINT}")
        recorded = _recorded_identity(client, name)
        expected = index_identity(store, settings)
        differing = [key for key, value in expected.items() if recorded.get(key) != value]
        if differing:
            shown = ", ".join(f"{k} {recorded.get(k)!r} (index: {expected[k]!r})" for k in differing)
            raise IndexUnavailable(
                f"the Milvus vector store {where} was exported from another index ({shown}); {EXPORT_HINT}"
            )
        client.load_collection(name)
        rows = _row_count(client, name)
        if rows != expected["count"]:
            raise IndexUnavailable(
                f"the Milvus vector store {where} holds {rows} of the index's {expected['count']} rows "
                f"(an export did not finish); {EXPORT_HINT}"
            )
    except IndexUnavailable:
        client.close()
        raise
    except Exception as err:
        client.close()
        raise IndexUnavailable(f"the Milvus vector store {where} cannot be read ({_reason(err)})") from err
    return MilvusSearch(client, name, store.vectors.dimension, rows)


def attach_vector_store(
    store: IndexStore, settings: Settings, progress: Progress | None = None
) -> IndexStore:
    """`store` searching its dense vectors where settings.vector_store says (unchanged for faiss)."""
    if settings.vector_store == "faiss":
        return store
    search = open_milvus_search(store, settings)
    if progress is not None:
        progress(f"Dense search on {settings.vector_store} ({search.collection}, {search.count:,} rows)")
    return replace(store, dense_backend=search)


@dataclass(frozen=True)
class ExportResult:
    collection: str
    rows: int
    inserted: int  # 0 when the collection was already complete
    seconds: float


def export_to_milvus(
    store: IndexStore,
    vectors: np.ndarray,
    settings: Settings,
    *,
    restart: bool = False,
    progress: Progress = print,
) -> ExportResult:
    """Copy the index's rows into its collection on settings.vector_store, in batches with an ETA.

    Idempotent and resumable: a complete collection of this index is left as it is; a partial one
    (an interrupted export) is continued from the rows it holds; one exported from another index, or
    any with `restart`, is dropped and exported again.
    """
    started = time.perf_counter()
    if len(vectors) != len(store.chunks):
        raise ValueError(f"{len(store.chunks)} chunks but {len(vectors)} vectors")
    _check_scalars(store)
    client = connect(settings.vector_store, settings.milvus_timeout)
    name = collection_name(settings)
    identity = index_identity(store, settings)
    try:
        done = _resume_point(client, name, identity, restart, progress)
        if done is None:
            _create_collection(client, name, identity)
            done = 0
        total = len(store.chunks)
        if done == total:
            progress(f"{name} on {settings.vector_store} already holds this index's {total:,} rows")
            return ExportResult(name, total, 0, time.perf_counter() - started)
        batch = settings.milvus_export_batch
        done -= done % batch  # the batch in flight when it stopped is upserted again
        first, copied = done, time.perf_counter()
        progress(f"Exporting {total - done:,} rows to {name} on {settings.vector_store} …")
        for start in range(done, total, batch):
            stop = min(start + batch, total)
            client.upsert(name, _rows(store, vectors, start, stop))
            elapsed = time.perf_counter() - copied
            rate = (stop - first) / elapsed if elapsed > 0 else math.inf
            left = (total - stop) / rate if rate > 0 else math.inf
            progress(f"  {stop:,}/{total:,} rows ({rate:,.0f} rows/s, about {left:,.0f} s left)")
        client.flush(name)
        client.load_collection(name)
        rows = _row_count(client, name)
        if rows != total:
            raise IndexUnavailable(
                f"{name} on {settings.vector_store} holds {rows} rows after the export, not {total}; "
                "run `rag index export --to milvus --restart`"
            )
        return ExportResult(name, total, total - first, time.perf_counter() - started)
    finally:
        client.close()


def _resume_point(
    client: Any, name: str, identity: dict[str, Any], restart: bool, progress: Progress
) -> int | None:
    """Rows already exported of this index, or None when the collection is (re)created from nothing."""
    if not client.has_collection(name):
        return None
    if not restart and _recorded_identity(client, name) == identity:
        client.load_collection(name)
        return _row_count(client, name)
    why = "as asked (--restart)" if restart else "it was exported from another index"
    progress(f"Dropping {name}: {why}")
    client.drop_collection(name)
    return None


def _create_collection(client: Any, name: str, identity: dict[str, Any]) -> None:
    from pymilvus import DataType, MilvusClient

    schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("row", DataType.INT64, is_primary=True)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=identity["dimension"])
    for field_name in SCALAR_FIELDS:
        schema.add_field(field_name, DataType.VARCHAR, max_length=SCALAR_MAX_BYTES)
    index_params = client.prepare_index_params()
    # exact, as FAISS is up to 50k rows: the same top k (the equivalence test); a cluster serving
    # millions of rows would take an IVF or HNSW index here, with recall measured as bench/faiss_scale.py does
    index_params.add_index(field_name="vector", index_type="FLAT", metric_type="IP")
    client.create_collection(name, schema=schema, index_params=index_params)
    client.alter_collection_properties(name, properties={IDENTITY_PROPERTY: json.dumps(identity)})


def _rows(store: IndexStore, vectors: np.ndarray, start: int, stop: int) -> list[dict[str, Any]]:
    block = np.ascontiguousarray(vectors[start:stop], dtype=np.float32)
    return [
        {
            "row": row,
            "vector": block[row - start].tolist(),
            **{f: getattr(store.chunks[row], f) for f in SCALAR_FIELDS},
        }
        for row in range(start, stop)
    ]


def _check_scalars(store: IndexStore) -> None:
    for field_name in SCALAR_FIELDS:
        for value in store.rows_by[field_name]:
            if len(value.encode()) > SCALAR_MAX_BYTES:
                raise ValueError(
                    f"{field_name} {value[:40]!r}… is longer than the {SCALAR_MAX_BYTES} bytes a Milvus "
                    "scalar field holds here"
                )


def _recorded_identity(client: Any, name: str) -> dict[str, Any]:
    properties = client.describe_collection(name).get("properties") or {}
    try:
        recorded = json.loads(properties.get(IDENTITY_PROPERTY, "{}"))
    except ValueError:
        return {}
    return recorded if isinstance(recorded, dict) else {}


def _row_count(client: Any, name: str) -> int:
    return int(client.query(name, filter="", output_fields=["count(*)"])[0]["count(*)"])


def _unit_query(query: np.ndarray, dimension: int) -> np.ndarray:
    """The query as one unit float32 vector, as VectorIndex normalises it (so scores are cosines)."""
    q = np.asarray(query, dtype=np.float32).reshape(-1)
    if q.shape != (dimension,):
        raise ValueError(f"query must be one vector of {dimension} values, got shape {np.shape(query)}")
    norm = float(np.linalg.norm(q))
    if not math.isfinite(norm) or norm == 0.0:
        raise ValueError(f"query vector has norm {norm}; it must be finite and non-zero")
    return q / norm


def _reason(err: BaseException) -> str:
    text = getattr(err, "message", None) or str(err) or type(err).__name__
    return " ".join(str(text).split())[:300]
