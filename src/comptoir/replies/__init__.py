"""Replies: templates with variables, the template library, and the reply coach."""
