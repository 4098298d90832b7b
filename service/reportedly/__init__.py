"""reportedly: who claims what, on whose authority, about when, and how firmly."""

__version__ = "0.1.0"
