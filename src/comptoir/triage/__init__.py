"""Triage: language, noise, sentiment, intent, urgency, needs_reply, influence → an explained priority.

Public API: :func:`analyze`, :func:`analyze_batch`, :class:`TriageInput`, :class:`TriageResult`; learning loop in
:mod:`comptoir.triage.learning`; pluggable classifiers in :mod:`comptoir.triage.backends`.
"""

from comptoir.triage.analyze import analyze, analyze_batch, analyze_with_model, load
from comptoir.triage.types import Influence, TriageInput, TriageResult

__all__ = ["Influence", "TriageInput", "TriageResult", "analyze", "analyze_batch", "analyze_with_model", "load"]
