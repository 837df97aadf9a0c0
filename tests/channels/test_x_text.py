"""X weighted length: URLs 23, CJK and emoji 2, the 280 limit."""

from __future__ import annotations

from comptoir.channels.x.text import MAX_WEIGHTED_LENGTH, fits, urls, weighted_length


def test_latin_text_counts_one_per_character() -> None:
    assert weighted_length("Bonjour, désolé pour le retard !") == 32
    assert weighted_length("é") == weighted_length("e\u0301") == 1  # NFC first


def test_urls_count_23_whatever_their_length() -> None:
    long_url = "https://example.com/" + "a" * 200
    assert weighted_length(long_url) == 23
    assert weighted_length(f"See {long_url}.") == 4 + 23 + 1
    assert weighted_length("see example.com/help") == 4 + 23
    assert urls("go to https://a.example/x, then www.example.org!") == [
        "https://a.example/x",
        "www.example.org",
    ]


def test_cjk_and_emoji_count_two() -> None:
    assert weighted_length("日本語") == 6
    assert weighted_length("😞") == 2
    assert weighted_length("👍🏽") == 2  # skin tone modifier joins the emoji
    assert weighted_length("👨\u200d👩\u200d👧") == 2  # a ZWJ family is one emoji
    assert weighted_length("🇫🇷") == 2


def test_limit() -> None:
    assert fits("a" * MAX_WEIGHTED_LENGTH)
    assert not fits("a" * (MAX_WEIGHTED_LENGTH + 1))
    assert not fits("日" * 141)
    assert fits("日" * 140)
    assert fits("a" * 256 + " https://example.com/" + "x" * 500)  # 256 + 1 + 23 = 280
    assert weighted_length("a" * 257 + " https://example.com/x") == 281
