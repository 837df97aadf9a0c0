"""Module-level ASGI app for multi-process serving (`uvicorn comptoir.web.asgi:app --workers N`)."""

from comptoir.web.app import create_app
from comptoir.web.gc_tuning import tune_gc_for_serving

app = create_app()
tune_gc_for_serving()
