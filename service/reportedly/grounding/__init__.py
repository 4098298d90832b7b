"""Grounding: turn a backend's quotes into evidence with offsets the service checked itself.

`text_index` holds the offset-preserving normalised copies of a text, `locator` looks one
quote up in tiers (exact, normalised, elided, unpunctuated, fuzzy), and `policy` decides
which claims survive and what is reported about the rest.
"""

from reportedly.grounding.locator import Located, Locator, locate
from reportedly.grounding.policy import Grounded, Grounder, ground

__all__ = ["Grounded", "Grounder", "Located", "Locator", "ground", "locate"]
