from rag.settings import Settings
from rag.transcripts.clean import CleaningRules, clean_transcript, remove_symbol_noise


def test_noise_inside_numbers_is_removed():
    assert remove_symbol_noise("475◆--◇▷▼.16亿美元") == "475.16亿美元"
    assert remove_symbol_noise("183▪△○☆•.37亿美元") == "183.37亿美元"


def test_noise_inside_product_names_is_removed():
    assert remove_symbol_noise("Llama 4◆◆▼○-■.1") == "Llama 4.1"


def test_real_dashes_and_latin_text_stay():
    assert remove_symbol_noise("880 - 910 亿美元") == "880 - 910 亿美元"
    assert remove_symbol_noise("Click-to-WhatsApp 广告") == "Click-to-WhatsApp 广告"
    assert remove_symbol_noise("- 不同类型的 AI 代理。") == "- 不同类型的 AI 代理。"


def test_labels_lose_their_noise():
    assert remove_symbol_noise("李苏珊▽▪•:明年") == "李苏珊:明年"
    assert (
        remove_symbol_noise("摩根大通分析师道格·安慕斯(Doug Anmuth)▽•▼◆:")
        == "摩根大通分析师道格·安慕斯(Doug Anmuth):"
    )


def _seed(name: str) -> str:
    return (Settings().transcripts_dir / name).read_text(encoding="utf-8")


def test_web_boilerplate_of_2024q4_is_dropped():
    cleaned = clean_transcript(_seed("meta-2024q4.zh.txt"))
    for junk in (
        "全球数字财富领导者",
        "获赞",
        "收藏举报",
        "— 分享 —",
        "欢迎转载",
        "仅供参考",
        "这份记录可能不是100%",
    ):
        assert junk not in cleaned
    assert "\ngo\n" not in cleaned and not cleaned.rstrip().endswith("go")
    assert "目前,内部 MTIA 计划专注于支持我们的核心排名和推荐推理工作负载。" in cleaned


def test_ad_spam_of_2025q2_is_removed_and_numbers_restored():
    cleaned = clean_transcript(_seed("meta-2025q2.zh.txt"))
    assert "PG电子" not in cleaned and "蓝牙耳机" not in cleaned and "攀升电脑" not in cleaned
    assert "Meta当季营收为475.16亿美元" in cleaned
    assert "“亥伯龙”(Hyperion)集群,计划在未来几年内将其规模扩展至5千兆瓦" in cleaned
    assert not any(symbol in cleaned for symbol in "•■◆▪★▼●☆▷□▽◇◁○△▲")


def test_cleaning_rules_are_data():
    rules = CleaningRules.load()
    assert rules.is_boilerplate("获赞") and not rules.is_boilerplate("Susan")
