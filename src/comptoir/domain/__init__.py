"""Typed, frozen domain values. Pure: no I/O, no ORM."""
