"""Readers for labelled data: the seed examples shipped here and the shared data sets, read by path.

Each shared set is tagged with its licence use: ``train`` (licence allows shipping a model trained on it) or
``eval`` (evaluation only: non-commercial, no licence, or "use for evaluation" in its SOURCE.md).
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SEED_DIR = Path(__file__).resolve().parent / "seed"
_SENT = {
    "neg": "negative",
    "neu": "neutral",
    "pos": "positive",
    "0": "negative",
    "1": "neutral",
    "2": "positive",
}


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    lang: str | None = None
    intent: str | None = None
    sentiment: str | None = None
    urgency: str | None = None
    needs_reply: bool | None = None
    spam: bool | None = None
    id: str | None = None
    source: str = ""


# Licence use of each shared set (see docs/triage.md, "Training data and licences").
LICENCE_USE: dict[str, str] = {
    "banking77": "train",  # CC BY 4.0
    "clinc150": "train",  # CC BY 3.0
    "crisislex_t6": "unused",  # MIT, but general tweets: taught the model that tweet style means "other"
    "umsab_sentiment_french": "eval",  # underlying DEFT 2017 terms: evaluation
    "umsab_sentiment_english": "eval",  # underlying SemEval-2017 terms: evaluation
    "tweeteval": "eval",  # restrictions of the underlying SemEval tasks
    "twitter_us_airline_sentiment": "eval",  # CC BY-NC-SA 4.0
    "complaints_social_media": "eval",  # no licence: research use only
    "twcs_head5000": "eval",  # CC BY-NC-SA 4.0
    "free_fr_tweets_unlabelled": "eval",  # tweets: internal evaluation only
    "care_gold_dev": "eval",  # development gold set: never trained on
}


# Licence of each source the shipped model learns from (recorded in the model's meta.json).
SEED_LICENCE = "AGPL-3.0-or-later (written for Comptoir)"
TRAINING_LICENCES: dict[str, str] = {
    "banking77": "CC BY 4.0 (PolyAI-LDN/task-specific-datasets)",
    "clinc150": "CC BY 3.0 (clinc/oos-eval)",
}


def _optional(value: str) -> str | None:
    return None if value == "-" else value


def training_licence(source: str) -> str:
    """Licence of a training source: every ``seed_*`` file is ours; shared sets are listed above."""
    return SEED_LICENCE if source.startswith("seed_") else TRAINING_LICENCES[source]


def seed_examples() -> list[Example]:
    """Every ``seed/seed_<name>_<lang>.txt`` file: TAB-separated intent, sentiment, urgency, needs_reply, text.

    ``-`` marks a label the example does not carry (general tweets labelled for sentiment only); ``\\n`` in a
    text is a line break.
    """
    out: list[Example] = []
    for path in sorted(SEED_DIR.glob("seed_*.txt")):
        lang = path.stem.rsplit("_", 1)[1]
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
            if not line.strip() or line.startswith("#"):
                continue
            intent, sentiment, urgency, reply, text = line.split("\t", 4)
            label = _optional(intent)
            out.append(
                Example(
                    text=text.replace("\\n", "\n"),
                    lang=lang,
                    intent=label,
                    sentiment=_SENT[sentiment],
                    urgency=_optional(urgency),
                    needs_reply=None if reply == "-" else reply == "y",
                    spam=None if label is None else label == "spam",
                    id=f"{path.stem}-{n}",
                    source=path.stem,
                )
            )
    return out


# banking77: problem reports are complaints (money ones urgent); the rest are requests.
_BANKING_COMPLAINT_HIGH = {
    "card_payment_not_recognised",
    "cash_withdrawal_not_recognised",
    "compromised_card",
    "direct_debit_payment_not_recognised",
    "extra_charge_on_statement",
    "transaction_charged_twice",
    "wrong_amount_of_cash_received",
    "lost_or_stolen_card",
    "lost_or_stolen_phone",
    "card_swallowed",
    "transfer_not_received_by_recipient",
    "Refund_not_showing_up",
    "pin_blocked",
}
_BANKING_COMPLAINT = {
    "card_not_working",
    "contactless_not_working",
    "declined_card_payment",
    "declined_cash_withdrawal",
    "declined_transfer",
    "failed_transfer",
    "top_up_failed",
    "top_up_reverted",
    "reverted_card_payment?",
    "balance_not_updated_after_bank_transfer",
    "balance_not_updated_after_cheque_or_cash_deposit",
    "card_payment_wrong_exchange_rate",
    "wrong_exchange_rate_for_cash_withdrawal",
    "virtual_card_not_working",
    "unable_to_verify_identity",
    "card_payment_fee_charged",
    "cash_withdrawal_charge",
    "transfer_fee_charged",
    "pending_card_payment",
    "pending_cash_withdrawal",
    "pending_top_up",
    "pending_transfer",
    "card_arrival",
}


def banking77(data_dir: Path, limit: int = 3000, seed: int = 7) -> list[Example]:
    rows: list[Example] = []
    with (data_dir / "banking77" / "train.csv").open(newline="", encoding="utf-8") as fh:
        for n, row in enumerate(csv.DictReader(fh)):
            category = row["category"]
            if category in _BANKING_COMPLAINT_HIGH:
                intent, urgency, sentiment = "complaint", "high", "negative"
            elif category in _BANKING_COMPLAINT:
                intent, urgency, sentiment = "complaint", "normal", "negative"
            else:
                intent, urgency, sentiment = "request", "normal", "neutral"
            rows.append(
                Example(row["text"], "en", intent, sentiment, urgency, True, False, f"b77-{n}", "banking77")
            )
    random.Random(seed).shuffle(rows)
    return rows[:limit]


_CLINC_OTHER = {
    "who_made_you",
    "meaning_of_life",
    "who_do_you_work_for",
    "do_you_have_pets",
    "what_are_your_hobbies",
    "fun_fact",
    "what_is_your_name",
    "where_are_you_from",
    "goodbye",
    "greeting",
    "tell_joke",
    "are_you_a_bot",
    "how_old_are_you",
    "what_can_i_ask_you",
    "yes",
    "no",
    "maybe",
    "repeat",
}


def clinc150(data_dir: Path, limit: int = 2500, seed: int = 7) -> list[Example]:
    data = json.loads((data_dir / "clinc150" / "data_full.json").read_text(encoding="utf-8"))
    rows: list[Example] = []
    for key in ("train", "oos_train"):
        for n, (text, label) in enumerate(data[key]):
            if label == "thank_you":
                ex = Example(
                    text, "en", "praise", "positive", "low", False, False, f"clinc-{key}-{n}", "clinc150"
                )
            elif label in _CLINC_OTHER or label == "oos":
                ex = Example(
                    text, "en", "other", "neutral", "low", False, False, f"clinc-{key}-{n}", "clinc150"
                )
            else:
                ex = Example(
                    text, "en", "request", "neutral", "normal", True, False, f"clinc-{key}-{n}", "clinc150"
                )
            rows.append(ex)
    random.Random(seed).shuffle(rows)
    return rows[:limit]


def training_examples(data_dir: Path) -> list[Example]:
    """Everything the shipped model may learn from: seeds plus licence-compatible shared sets."""
    return seed_examples() + banking77(data_dir) + clinc150(data_dir)


# --- evaluation sets -------------------------------------------------------------------------------------------
def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def umsab(data_dir: Path, lang: str, split: str = "val") -> list[Example]:
    folder = data_dir / ("umsab_sentiment_french" if lang == "fr" else "umsab_sentiment_english")
    texts = _lines(folder / f"{split}_text.txt")
    labels = _lines(folder / f"{split}_labels.txt")
    return [
        Example(t, lang, sentiment=_SENT[lab.strip()], id=f"umsab-{lang}-{n}", source=f"umsab_{lang}")
        for n, (t, lab) in enumerate(zip(texts, labels, strict=True))
    ]


def care_gold(path: Path) -> list[Example]:
    out: list[Example] = []
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out.append(
                Example(
                    text=row["text"],
                    lang=row.get("lang") or None,
                    intent=row.get("intent") or None,
                    sentiment=row.get("sentiment") or None,
                    urgency=row.get("urgency") or None,
                    needs_reply=(row["needs_reply"] == "yes") if row.get("needs_reply") else None,
                    spam=(row["intent"] == "spam") if row.get("intent") else None,
                    id=row.get("id"),
                    source=row.get("source", "care_gold"),
                )
            )
    return out


def complaints(data_dir: Path) -> list[Example]:
    out: list[Example] = []
    with (data_dir / "complaints_social_media" / "complaints-data.csv").open(
        newline="", encoding="utf-8"
    ) as fh:
        for row in csv.reader(fh):
            if len(row) < 3:
                continue
            out.append(
                Example(row[1], "en", intent="complaint" if row[2] == "1" else "not_complaint", id=row[0])
            )
    return out


def airline(data_dir: Path) -> list[Example]:
    out: list[Example] = []
    path = data_dir / "twitter_us_airline_sentiment" / "Tweets.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out.append(Example(row["text"], "en", sentiment=row["airline_sentiment"], id=row["tweet_id"]))
    return out


def _bool_field(value: object) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    return str(value).lower() in ("yes", "true", "1", "y")


def labelled_jsonl(path: Path) -> Iterator[Example]:
    """JSONL with ``text`` and any of ``lang, intent, sentiment, urgency, needs_reply, spam``."""
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            if not line.strip():
                continue
            obj = json.loads(line)
            yield Example(
                text=str(obj.get("text") or ""),
                lang=obj.get("lang"),
                intent=obj.get("intent"),
                sentiment=obj.get("sentiment"),
                urgency=obj.get("urgency"),
                needs_reply=_bool_field(obj.get("needs_reply")),
                spam=_bool_field(obj.get("spam")),
                id=str(obj["id"]) if obj.get("id") is not None else f"line-{n + 1}",
                source=path.name,
            )


def load_labelled(path: Path) -> list[Example]:
    """A labelled file: the care_gold_dev CSV format (``.csv``) or JSONL with label fields."""
    if path.suffix.lower() == ".csv":
        return care_gold(path)
    return list(labelled_jsonl(path))
