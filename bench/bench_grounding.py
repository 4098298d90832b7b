"""Grounding under realistic quote drift: the hand-labelled evidence, perturbed as models
perturb quotes, looked up the way the service looks up a model's quote.

    .venv/bin/python -m bench.bench_grounding

Every gold evidence quote of the bundled dataset that occurs once in its article (a quote
that repeats is ambiguous even unperturbed) is perturbed one way at a time, deterministically,
and located with `grounding.Locator` at the service's default fuzzy threshold (90). A
located span is *right* when it overlaps the gold span by at least 90 % (characters,
intersection over union), *wrong* when it does not overlap it at all, *partial* otherwise.
Kinds that do not apply to a quote (no dash to vary, too few words to elide) skip it.
Targets (issue 10): >= 99 % right for typography, whitespace and ellipsis; no paraphrase
grounded to a wrong span.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Callable

from reportedly.cleaning import clean
from reportedly.evals.dataset import DEFAULT_DATASET, load_dataset
from reportedly.grounding import Locator

Perturb = Callable[[str, random.Random], str | None]

_SYNONYMS = {
    "said": "stated", "says": "states", "told": "informed", "expected": "anticipated",
    "troops": "soldiers", "soldiers": "troops", "deploy": "send", "support": "back",
    "large": "big", "largest": "biggest", "several": "a number of", "thousand": "1,000",
    "recent": "latest", "months": "weeks", "believes": "thinks", "warning": "alert",
    "killed": "died", "injured": "hurt", "train": "rail service", "people": "persons",
    "government": "administration", "announced": "declared", "reported": "said",
    "according": "per", "also": "additionally", "would": "will", "could": "might",
    "may": "might", "continue": "keep", "increase": "rise", "significant": "major",
}  # fmt: skip


def _swap_quotes(q: str, rng: random.Random) -> str | None:
    table = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"',
                           "'": "\u2019", '"': "\u201d"})  # fmt: skip
    out = q.translate(table)
    return out if out != q else None


def _swap_dashes(q: str, rng: random.Random) -> str | None:
    if not re.search(r"[-\u2013\u2014]", q):
        return None
    return re.sub(
        r"\s*\u2014\s*|\s*\u2013\s*|-", lambda m: rng.choice([" - ", "\u2013", "--", "\u2014"]), q
    )


def _whitespace(q: str, rng: random.Random) -> str | None:
    words = q.split(" ")
    if len(words) < 3:
        return None
    return "".join(w + rng.choice([" ", "  ", "\n", " \n "]) for w in words).strip() + " "


def _case(q: str, rng: random.Random) -> str | None:
    return q.lower() if q.lower() != q else q.upper()


def _ellipsis(q: str, rng: random.Random) -> str | None:
    words = q.split()
    if len(words) < 9:
        return None
    cut = rng.randint(3, len(words) - 6)
    return (
        " ".join(words[:cut])
        + rng.choice([" ... ", "\u2026 ", " \u2026 "])
        + " ".join(words[cut + 3 :])
    )


def _drop_word(q: str, rng: random.Random) -> str | None:
    words = q.split()
    if len(words) < 6:
        return None
    del words[rng.randint(1, len(words) - 2)]
    return " ".join(words)


def _add_word(q: str, rng: random.Random) -> str | None:
    words = q.split()
    if len(words) < 4:
        return None
    words.insert(rng.randint(1, len(words) - 1), rng.choice(["also", "reportedly", "now"]))
    return " ".join(words)


def _trailing(q: str, rng: random.Random) -> str | None:
    return q[:-1] if q[-1] in ".,;:!?" else q + rng.choice([".", ",", "\u201d"])


def _paraphrase(q: str, rng: random.Random) -> str | None:
    """What a model does when it summarises instead of quoting: synonyms, dropped words,
    the clauses swapped round a comma."""
    words = q.split()
    if len(words) < 6:
        return None
    out = []
    for i, word in enumerate(words):
        bare = word.strip(".,;:\"'\u201c\u201d\u2019").lower()
        if bare in _SYNONYMS:
            out.append(_SYNONYMS[bare])
        elif len(bare) > 3 and i % 3 == 1:
            continue  # dropped
        else:
            out.append(word)
    text = " ".join(out)
    if ", " in text:
        head, tail = text.split(", ", 1)
        text = f"{tail.rstrip('.')}, {head[0].lower()}{head[1:]}."
    return text if text != q else None


KINDS: dict[str, Perturb] = {
    "none": lambda q, rng: q,
    "curly/straight quotes": _swap_quotes,
    "dash variants": _swap_dashes,
    "whitespace": _whitespace,
    "case": _case,
    "ellipsis for dropped words": _ellipsis,
    "dropped word": _drop_word,
    "added word": _add_word,
    "trailing punctuation": _trailing,
    "paraphrase": _paraphrase,
}


def main() -> None:
    dataset = load_dataset(DEFAULT_DATASET)
    tally: dict[str, Counter[str]] = {kind: Counter() for kind in KINDS}
    for case in dataset.cases:
        document = clean(case.text)
        locator = Locator(document.text, document.removed, fuzzy_threshold=90.0)
        for claim in case.claims:
            for gold in claim.evidence:
                if case.text.count(gold.quote) != 1:
                    continue
                for kind, perturb in KINDS.items():
                    rng = random.Random(f"{case.id}:{gold.start}:{kind}")
                    quote = perturb(gold.quote, rng)
                    if quote is None:
                        continue
                    found = locator.search(quote).evidence
                    tally[kind][_verdict(found, gold.start, gold.end)] += 1
    print(f"{'kind':28} {'n':>4} {'right':>7} {'partial':>8} {'wrong':>6} {'missed':>7}")
    for kind, counts in tally.items():
        n = sum(counts.values())
        print(
            f"{kind:28} {n:4d} {counts['right'] / n:7.1%} {counts['partial'] / n:8.1%} "
            f"{counts['wrong'] / n:6.1%} {counts['missed'] / n:7.1%}"
        )


def _verdict(found: object, start: int, end: int) -> str:
    if found is None:
        return "missed"
    f_start, f_end = found.start, found.end  # type: ignore[attr-defined]
    inter = max(0, min(end, f_end) - max(start, f_start))
    union = max(end, f_end) - min(start, f_start)
    if inter == 0:
        return "wrong"
    return "right" if inter / union >= 0.9 else "partial"


if __name__ == "__main__":
    main()
