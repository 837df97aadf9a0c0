"""Replay real message streams (TWCS CSV, JSON Lines) through the public ingestion API: `comptoir replay`."""

from comptoir.replay.sender import ReplayOptions, ReplaySummary, messages_path, replay_items, run_replay
from comptoir.replay.sources import (
    InvalidRecord,
    ReplayFormat,
    ReplayInputError,
    ReplayItem,
    ReplaySource,
    detect_format,
    iter_jsonl,
    iter_twcs,
)
from comptoir.replay.timing import Pacer, parse_speed, send_offsets

__all__ = [
    "InvalidRecord",
    "Pacer",
    "ReplayFormat",
    "ReplayInputError",
    "ReplayItem",
    "ReplayOptions",
    "ReplaySource",
    "ReplaySummary",
    "detect_format",
    "iter_jsonl",
    "iter_twcs",
    "messages_path",
    "parse_speed",
    "replay_items",
    "run_replay",
    "send_offsets",
]
