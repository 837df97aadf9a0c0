"""Module-level ASGI app for multi-process serving (`uvicorn comptoir.web.asgi:app --workers N`)."""

from comptoir.web.app import create_app

app = create_app()
