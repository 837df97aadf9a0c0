"""The demo: our own hand-written corpus of customer messages for a fictional operator, Lumeo."""

from comptoir.demo.corpus import (
    DEMO_ACCOUNTS,
    DEMO_BRAND_NAME,
    CorpusError,
    DemoAccount,
    DemoAccountSpec,
    DemoMessage,
    Expected,
    demo_replay_items,
    load_corpus,
)

__all__ = [
    "DEMO_ACCOUNTS",
    "DEMO_BRAND_NAME",
    "CorpusError",
    "DemoAccount",
    "DemoAccountSpec",
    "DemoMessage",
    "Expected",
    "demo_replay_items",
    "load_corpus",
]
