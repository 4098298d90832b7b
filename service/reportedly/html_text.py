"""Article text from HTML, via trafilatura (never hand-written tag stripping).

Offsets for HTML requests index the text this returns, so it must be deterministic for a
given input: no network, no metadata or date lookups. Precision comes first (menus, footers
and link lists out); only when that finds nothing is a recall-oriented pass tried, since no
text at all is worse for a client than a slightly noisier text that cleaning still screens.
"""

from __future__ import annotations

import logging
from configparser import ConfigParser
from functools import lru_cache

logger = logging.getLogger(__name__)

# trafilatura rejects a lone fragment ("<p>...</p>") as not-quite-HTML; its own docs advise
# wrapping fragments in an element first.
_FRAGMENT_WRAPPER = "<html><body>{}</body></html>"


@lru_cache(maxsize=1)
def _recall_config() -> ConfigParser:
    """Settings for the fallback pass: accept short articles instead of returning nothing."""
    from trafilatura.settings import use_config

    config = use_config()
    config.set("DEFAULT", "MIN_EXTRACTED_SIZE", "1")
    config.set("DEFAULT", "MIN_OUTPUT_SIZE", "1")
    return config


def _extract(html: str, *, precision: bool) -> str | None:
    # Imported here: trafilatura takes a tenth of a second to import, and only HTML needs it.
    import trafilatura
    from trafilatura.settings import DEFAULT_CONFIG

    result = trafilatura.extract(
        html,
        output_format="txt",
        favor_precision=precision,
        favor_recall=not precision,
        include_comments=False,  # reader comments are not the article
        include_tables=True,
        include_images=False,
        include_links=False,
        include_formatting=False,
        with_metadata=False,
        deduplicate=False,
        config=DEFAULT_CONFIG if precision else _recall_config(),
    )
    return result if isinstance(result, str) else None


def html_to_text(html: str) -> str:
    """The article's text, paragraphs separated by newlines; "" when the page has none.

    A page without readable text (only markup, scripts or navigation) is a valid page with
    nothing to say, not an error: the caller answers it with an empty summary and a warning.
    """
    if not html.strip():
        return ""
    if "<html" not in html[:4096].lower():
        html = _FRAGMENT_WRAPPER.format(html)
    try:
        text = _extract(html, precision=True) or _extract(html, precision=False)
    except Exception as exc:  # a parser failure on hostile input: no readable text
        logger.warning("trafilatura failed on the HTML: %r", exc)
        return ""
    return text if text is not None and text.strip() else ""
