"""Backends turn an article into a `Draft`; grounding and the response are shared."""
