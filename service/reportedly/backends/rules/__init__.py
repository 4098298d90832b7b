"""The offline `rules` extractor: spaCy parse + NER and pattern lists, no model server, no network.

It is the default backend when no LLM is configured, so it must be fast (one spaCy pipeline per
process, loaded lazily) and must never invent text: every evidence quote is a span of the input.
"""

from reportedly.backends.rules.backend import RULES_VERSION, RulesBackend

__all__ = ["RULES_VERSION", "RulesBackend"]
