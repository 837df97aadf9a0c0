"""Local stand-ins for the platforms (Meta, X): signed webhooks out, documented send APIs in.

Python API: :class:`comptoir.simulators.meta.MetaSimulator`, :class:`comptoir.simulators.x.XSimulator`
(their ``.app`` is a Starlette ASGI app; :func:`comptoir.simulators.common.serving` runs one on loopback).
CLI: ``comptoir simulate meta|x`` (:mod:`comptoir.simulators.cli`).
"""
