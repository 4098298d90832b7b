"""From an article to a `Draft`: segment, parse, attribute, rate, date, and write each claim.

Every evidence quote is cut from `document.text` at the sentence's own offsets (or a clause
inside it), so grounding finds it exactly; furniture ranges never reach the parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from reportedly.backends.base import Article
from reportedly.backends.rules import (
    attribution,
    clauses,
    confidence,
    lead,
    nlp,
    segment,
    timeframes,
)
from reportedly.backends.rules.attribution import Attribution
from reportedly.backends.rules.lexicon import (
    ANNOUNCE,
    BELIEF,
    CUES,
    GROUP_NOUNS,
    HEARSAY_ADVERBS,
    OFFICIAL_GROUPS,
    SPECULATE,
)
from reportedly.backends.rules.sources import AUTHOR, Entities, np_tokens, resolve
from reportedly.schema import Draft, DraftClaim, Quote, Source, Timeframe

Token = Any
Doc = Any

_EDGE = "\"'\u201c\u201d\u2018\u2019 ,;:-\u2014"
# Group nouns count as actors as arguments of a verb; "" when the sentence was not parsed.
_ARGUMENTS = frozenset({"nsubj", "nsubjpass", "dobj", "pobj", ""})
_HEARSAY_PASSIVES = frozenset(
    {"said", "thought", "believed", "reported", "rumoured", "rumored", "accused", "alleged"}
)
_ANONYMOUS = frozenset({"source", "sources", "insider", "insiders"})
_PARTIAL = frozenset({"first", "early", "initial", "preliminary", "unconfirmed"})


def extract(article: Article) -> Draft:
    """The article's claims, headline and summary; CPU-bound (the backend runs it in a thread).

    Sentence by sentence: furniture, headings, captions and questions are skipped; a sentence
    with attribution gives one claim per outermost cue (plus the reporter's main clause when
    the cue hangs off it); a quotation that runs on, or the paragraphs after a `said:`
    lead-in, continue that speaker; anything else is the reporter's own claim (`author`).
    """
    document = article.document
    sents = segment.sentences(document)
    docs = nlp.annotate([s.text for s in sents], [attribution.may_attribute(s.text) for s in sents])
    entities = Entities()
    claims: list[DraftClaim] = []
    opening: list[str] = []  # the first claim sentences, for the summary
    headline = lead.headline(article.title, sents)
    carry = _Carry()
    for k, (s, doc) in enumerate(zip(sents, docs, strict=True)):
        if not _is_claim_sentence(s, doc, headline):
            if not segment.looks_like_furniture(s.text):
                entities.observe(doc, s.start)
            carry.quoted = None
            continue
        # Names in this sentence become known first ("NIS" after "... Service (NIS)");
        # pronouns still resolve only to names before them.
        entities.observe(doc, s.start)
        skip = lead.strip_dateline(s.text)
        writer = _Writer(article, s, doc, entities, skip)
        claims.extend(_sentence_claims(writer, carry))
        speaker = _lead_in_speaker(writer, sents, k)
        if speaker is not None:
            carry.lead_in, carry.lines = speaker, _lead_in_lines(sents, k)
        if len(opening) < 3:
            opening.append(s.text[skip:])
    claims = _news_first(_one_name_per_person(_unique(claims), entities))
    return Draft(headline=headline, summary=lead.summarize(opening), claims=claims)


# The reporter's background: what a thing is, where it lies, when it was founded.
_BACKGROUND = re.compile(
    r"^[^,;]{0,80}?\b(?:is|are|was|were)\s+(?:an?|one of the)\s"
    r"|\b(?:founded|established|built|opened|formed|created)\s+in\s+(?:\d{4}|the\s+\d{4}s)\b"
    r"|\bis\s+(?:located|situated|known\s+as)\b"
)


def _news_first(claims: list[DraftClaim]) -> list[DraftClaim]:
    """The reporter's background ("X is a kind of Y", "founded in 1952") after the news, so
    a reader taking the first claims gets what happened and who said so."""
    background = [
        c for c in claims if c.source.type == "author" and _BACKGROUND.search(c.evidence[0].text)
    ]
    return [c for c in claims if c not in background] + background


def _one_name_per_person(claims: list[DraftClaim], entities: Entities) -> list[DraftClaim]:
    """Every claim by one person names them the same way: the fullest "Name, Role" the
    article gives, whichever sentence (a surname, a pronoun, a title) the claim came from,
    with the other names those claims had as its aliases."""
    bases = [_person_base(c.source, entities) for c in claims]
    fullest: dict[str, str] = {}
    names: dict[str, set[str]] = {}
    for c, base in zip(claims, bases, strict=True):
        if base is None:
            continue
        role = c.source.name.partition(", ")[2] or entities.people.role(base)
        name = f"{base}, {role}" if role else base
        if len(name) > len(fullest.get(base, "")):
            fullest[base] = name
        names.setdefault(base, set()).add(c.source.name)
    out = []
    for c, base in zip(claims, bases, strict=True):
        if base is not None:
            aliases = sorted(names[base] - {fullest[base]})
            c = c.model_copy(
                update={"source": Source(name=fullest[base], type="person", aliases=aliases)}
            )
        out.append(c)
    return out


def _person_base(source: Source, entities: Entities) -> str | None:
    """The full name of a one-person source ("Lee" -> "Lee Seong-kweun"); None otherwise."""
    if source.type != "person" or " and " in source.name:
        return None
    base = source.name.partition(", ")[0]
    known, label = entities.canonical(base, "PERSON")
    return known if label == "PERSON" else base


@dataclass
class _Carry:
    """Speakers whose words run on past the sentence that names them."""

    quoted: Source | None = None  # who spoke the last quotation
    open_quote: bool = False  # that quotation was left open at the sentence's end
    lead_in: Source | None = None  # "X said:" at a paragraph's end ...
    lines: frozenset[int] = frozenset()  # ... speaks the paragraphs after it


def _sentence_claims(writer: _Writer, carry: _Carry) -> list[DraftClaim]:
    doc = writer.doc
    parsed = doc.has_annotation("DEP")
    they = writer.entities.people.pair(writer.s.end) is not None
    found = attribution.find(doc, they) if parsed else []
    mask = attribution.quoted_mask(doc)
    cues = {_anchor(a) for a in found}
    parts = clauses.independent(doc, mask, cues) if parsed else [(0, len(doc))]
    if found:
        if len(parts) > 1:
            claims = writer.by_clause(found, parts)
        else:
            claims = [c for a in found for c in writer.attributed(a)]
            remainder = writer.remainder(found)
            if remainder is not None:
                claims.append(remainder)
        quoted = [a for a in found if any(mask[t.i] for t in a.content)]
        carry.quoted = writer.source_of(quoted[-1]) if quoted else None
        carry.open_quote = carry.quoted is not None and _leaves_quote_open(writer.s.text)
        return claims
    runs_on = carry.open_quote or (writer.s.text.lstrip()[:1] in _OPENING and any(mask))
    if carry.quoted is not None and runs_on:
        # A quotation on its own continues the previous speaker's quote.
        content = [t for t in doc if mask[t.i]] or list(doc)
        carry.open_quote = carry.open_quote != _leaves_quote_open(writer.s.text)
        return writer.spoken(carry.quoted, content, (0, len(doc)), False)
    carry.quoted, carry.open_quote = None, False
    if carry.lead_in is not None and writer.s.line in carry.lines:
        return [writer.claim(carry.lead_in, list(doc), (0, len(doc)), False)]
    if _speech_root(doc) is not None and writer.s.text.rstrip().endswith(":"):
        return []  # "Mayor Tom Reid said:" asserts nothing itself; the next paragraph does
    if len(parts) > 1:
        return [writer.author(lo, hi) for lo, hi in parts]
    return writer.author_split() if parsed else [writer.author()]


_OPENING = '"\u201c'


def _leaves_quote_open(text: str) -> bool:
    """Does the sentence open a quotation it does not close (it runs on into the next)?"""
    curly = text.count("\u201c") - text.count("\u201d")
    return curly > 0 or (curly == 0 and text.count('"') % 2 == 1)


def _lead_in_speaker(writer: _Writer, sents: list[segment.Sentence], k: int) -> Source | None:
    """The speaker of "X said:" or "X rejected this argument:" closing a paragraph: the
    following paragraph is what X said."""
    s = sents[k]
    if not s.text.rstrip().endswith(":") or (k + 1 < len(sents) and sents[k + 1].line == s.line):
        return None
    doc = writer.doc
    root = _speech_root(doc)
    if root is None:
        return None
    subject = attribution.cue_subject(root)
    if subject is None:
        return None
    source = resolve(subject, doc, writer.entities, s.start)
    return source if source.type != "unnamed" or subject.tag_ != "PRP" else None


def _speech_root(doc: Doc) -> Token | None:
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None or (root.lower_ not in CUES and root.lower_ not in ANNOUNCE):
        return None
    return root


_BLOCK_SPAN = 4  # paragraphs a block quotation may run before its dash-led "Name" line


def _lead_in_lines(sents: list[segment.Sentence], k: int) -> frozenset[int]:
    """The paragraph after the lead-in; a block quotation signed off by a dash line
    ("\u2013 Judge Ann Roe, ruling") within a few paragraphs runs up to that line."""
    lines: list[int] = []
    for s in sents[k + 1 :]:
        if s.line not in lines:
            lines.append(s.line)
        if len(lines) > _BLOCK_SPAN + 1:
            break
        if _DASH_SIGNATURE.match(s.text):
            return frozenset(lines[:-1])
    return frozenset(lines[:1])


_DASH_SIGNATURE = re.compile(r"^\s*[\u2013\u2014-]{1,2}\s*[A-Z]")


def _unique(claims: list[DraftClaim]) -> list[DraftClaim]:
    """Two cues on one clause ("acknowledged ..., disclosing ...") give one claim."""
    seen: set[tuple[str, Quote]] = set()
    out = []
    for c in claims:
        key = (c.claim, c.evidence[0])
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


def _official(source: Source) -> bool:
    """Is the unnamed source an institution's voice? Read its head noun, the last word before
    any preposition ("emergency workers", not "spokeswoman for the police")."""
    head = re.split(r"\s(?:for|of|at|from|in|with|on)\s", source.name.lower())[0].split()
    return bool(head) and head[-1] in OFFICIAL_GROUPS


_CLAUSES = frozenset({"advcl", "acl", "relcl", "ccomp", "xcomp", "pcomp", "csubj"})


def _in_clause(token: Token) -> bool:
    """Whether a token sits in a clause below the sentence's main verb."""
    while token.head.i != token.i:
        if token.dep_ in _CLAUSES:
            return True
        token = token.head
    return False


def _groups(tokens: list[Token]) -> list[str]:
    """Unnamed groups the claim is about ("3 passengers ... are at"), when nobody is named."""
    out: list[str] = []
    # The doer when there is one ("rescuers recovered ten survivors" is about the rescuers).
    subjects = [t for t in tokens if t.dep_ in {"nsubj", "nsubjpass"}]
    if any(t.lower_ in GROUP_NOUNS and t.tag_ == "NNS" for t in subjects):
        tokens = subjects
    for t in tokens:
        if t.lower_ in GROUP_NOUNS and t.tag_ == "NNS" and t.dep_ in _ARGUMENTS:
            name = " ".join(
                x.text for x in t.lefts if x.ent_type_ == "NORP" or x.dep_ == "compound"
            )
            group = f"{name} {t.lower_}".strip()
            if group not in out:
                out.append(group)
    return out


def _second_predicate(content: list[Token], mask: list[bool]) -> tuple[list[Token], Token] | None:
    """ "(NIS believes) Russia is preparing X and is relying on Y": two propositions, one
    subject. Only a conjoined verb with its own auxiliary counts, so "slid and derailed" (one
    event) stays whole; and not inside quotation marks, where a speaker's sentence is one
    claim."""
    ids = {t.i for t in content}
    roots = [t for t in content if t.head.i not in ids or t.head.i == t.i]
    if len(roots) != 1 or not roots[0].tag_.startswith("VB"):
        return None
    head = roots[0]
    subject = attribution.subject_of(head)
    for conj in head.children:
        if (
            conj.dep_ == "conj"
            and not mask[conj.i]
            and conj.tag_.startswith("VB")
            and any(c.dep_ in {"aux", "auxpass"} for c in conj.children)
            and attribution.subject_of(conj) is None
            and subject is not None
            and subject.tag_ not in {"PRP", "EX"}
        ):
            return sorted(subject.subtree, key=lambda t: t.i), conj
    return None


def _tag_after(doc: Doc, clause: tuple[int, int], words: list[Token]) -> bool:
    """Does the speaker's tag follow the quotation, with none of it before?"""
    mask = attribution.quoted_mask(doc)

    def tagged(tokens: Any) -> bool:
        return any(not mask[t.i] and not t.is_punct for t in tokens)

    return not tagged(doc[clause[0] : words[0].i]) and tagged(doc[words[-1].i + 1 : clause[1]])


def _relays_anonymous(a: Attribution) -> bool:
    """ "The paper reported its source said ...", "X claims police sources have linked ...": a
    source relaying an unnamed source is second-hand (medium), however plainly it puts it."""
    ids = {t.i for t in a.content}
    heads = [t for t in a.content if t.head.i not in ids and t.tag_.startswith("VB")]
    subjects = [attribution.cue_subject(cue) for cue in [*a.nested, *heads]]
    return any(s is not None and s.lower_ in _ANONYMOUS and not s.ent_type_ for s in subjects)


def _end(doc: Doc, hi: int) -> int:
    """Character offset in the sentence where token range [.., hi) ends."""
    return int(doc[hi - 1].idx + len(doc[hi - 1].text))


def _anchor(a: Attribution) -> int:
    """Where an attribution sits in its sentence: its cue, else its speaker."""
    if a.cue is not None:
        return int(a.cue.i)
    if a.speaker is not None:
        return int(a.speaker.i)
    return int(a.speaker_tokens[0].i) if a.speaker_tokens else 0


def _clause_head(doc: Doc, i: int, j: int) -> Token | None:
    """The token of doc[i:j] whose head lies outside it (the clause's verb), if parsed."""
    if not doc.has_annotation("DEP"):
        return None
    return next((t for t in doc[i:j] if t.head.i == t.i or not i <= t.head.i < j), None)


def _hearsay_head(head: Token | None) -> bool:
    """ "X are said to ...", "X was accused of ..." with no agent, or "X reportedly did ...":
    second-hand, with no one named who says it."""
    if head is None:
        return False
    children = list(head.children)
    if any(c.lower_ in HEARSAY_ADVERBS and c.dep_ == "advmod" for c in children):
        return True
    return (
        head.lower_ in _HEARSAY_PASSIVES
        and any(c.dep_ == "auxpass" for c in children)
        and not any(c.dep_ == "agent" for c in children)
    )


def _is_claim_sentence(s: segment.Sentence, doc: Doc, headline: str | None) -> bool:
    text = s.text.strip()
    # A paragraph of its own ending "X said:" looks like a heading but opens a quotation.
    heading = lead.is_heading(s) and not (text.endswith(":") and _speech_root(doc) is not None)
    if heading or text == headline or segment.looks_like_furniture(text):
        return False
    if re.search(r"\?[\"'\u201d\u2019]?$", text):
        return False
    return clauses.clause_like(doc, 0, len(doc))


class _Writer:
    """Builds the claims of one sentence."""

    def __init__(
        self, article: Article, s: segment.Sentence, doc: Doc, entities: Entities, skip: int
    ):
        self.article, self.s, self.doc, self.entities, self.skip = article, s, doc, entities, skip

    def source_of(self, a: Attribution) -> Source:
        if a.hearsay or a.speaker is None:
            return Source(
                name=a.speaker_tokens[0].lower_ if a.speaker_tokens else "unnamed", type="unnamed"
            )
        return resolve(a.speaker, self.doc, self.entities, self.s.start)

    def attributed(self, a: Attribution) -> list[DraftClaim]:
        source = self.source_of(a)
        belief = a.belief or any(n.lower_ in BELIEF for n in a.nested)
        speaker = a.speaker_tokens or (np_tokens(a.speaker) if a.speaker is not None else [])
        partial = a.hearsay or any(t.lower_ in _PARTIAL for t in speaker) or _relays_anonymous(a)
        if a.cue is not None and a.cue.lower_ in SPECULATE:
            # "X speculated that ...": an open possibility to X (low), not X's belief.
            return [c.model_copy(update={"confidence": "low"}) for c in self._stated(a, source)]
        return self._stated(a, source, belief, partial)

    def _stated(
        self, a: Attribution, source: Source, belief: bool = False, partial: bool = False
    ) -> list[DraftClaim]:
        if a.whole:
            i, j = a.clause
            return [self.claim(source, list(self.doc[i:j]), a.clause, belief, partial, whole=True)]
        mask = attribution.quoted_mask(self.doc)
        split = _second_predicate(a.content, mask)
        if split is None:
            clause = clauses.second_clause(a.content, mask)
            if clause is None:
                return self.spoken(source, a.content, a.clause, belief, partial)
            split = [], clause
        subject, conj = split
        second = {t.i for t in conj.subtree}
        first = [
            t
            for t in a.content
            if t.i not in second and not (t.dep_ == "cc" and t.head.i == conj.head.i)
        ]
        both = sorted(subject + list(conj.subtree), key=lambda t: t.i)
        span = (conj.left_edge.i, conj.right_edge.i + 1)
        return [
            self.claim(source, first, a.clause, belief, partial),
            self.claim(source, both, span, belief, partial),
        ]

    def by_clause(self, found: list[Attribution], parts: list[tuple[int, int]]) -> list[DraftClaim]:
        """A sentence of independent clauses: each clause's own attributions, or the
        reporter's voice for a clause without one ("X denied it; reports say Y")."""
        out: list[DraftClaim] = []
        for lo, hi in parts:
            mine = [a for a in found if lo <= _anchor(a) < hi]
            if not mine:
                out.append(self.author(lo, hi))
                continue
            for a in mine:
                a.content = [t for t in a.content if lo <= t.i < hi]
                i, j = max(a.clause[0], lo), min(a.clause[1], hi)
                a.clause = attribution.trim(self.doc, *((i, j) if i < j else (lo, hi)))
                out.extend(self.attributed(a))
            # The reporter's own part of this clause ("X was halted, with Y saying ...").
            remainder = self.remainder(mine)
            limit = self.s.start + _end(self.doc, hi)
            if remainder is not None and (remainder.evidence[0].end or limit + 1) <= limit:
                out.append(remainder)
        return out

    def spoken(
        self,
        source: Source,
        content: list[Token],
        clause: tuple[int, int],
        belief: bool,
        partial: bool = False,
    ) -> list[DraftClaim]:
        """What a source says, one claim per sentence of a quotation it introduces
        ("X said: "A. B.""). A quotation that comes before its speaker ("A. B," said X) stays
        whole: news writing puts the tag after the first sentence of a long quote, so a
        quote-first unit is short, and is usually one point said twice."""
        mask = attribution.quoted_mask(self.doc)
        words = [t for t in content if not t.is_punct]
        if not words or not all(mask[t.i] for t in words) or _tag_after(self.doc, clause, words):
            return [self.claim(source, content, clause, belief, partial)]
        cuts = clauses.quote_cuts(self.doc, content[0].i, content[-1].i + 1, mask)
        out: list[DraftClaim] = []
        for lo, hi in clauses.split_range(clause[0], clause[1], cuts):
            piece = [t for t in content if lo <= t.i < hi]
            if any(not t.is_punct for t in piece):
                out.append(self.claim(source, piece, (lo, hi), belief, partial))
        return out or [self.claim(source, content, clause, belief, partial)]

    def author(self, lo: int = 0, hi: int | None = None) -> DraftClaim:
        """The reporter's sentence (or its clause lo..hi); "X are said to be ...", "it is
        thought ...", "X is accused of ...", "X reportedly did ..." is hearsay: nobody named
        owns it."""
        doc = self.doc
        hi = len(doc) if hi is None else hi
        i, j = attribution.trim(doc, lo, hi) if (lo, hi) != (0, len(doc)) else (lo, hi)
        i, j = (lo, hi) if i >= j else (i, j)
        head = _clause_head(doc, i, j)
        source = Source(name="unnamed", type="unnamed") if _hearsay_head(head) else AUTHOR
        return self.claim(source, list(doc[i:j]), (i, j), False)

    def author_split(self) -> list[DraftClaim]:
        """ "12 passengers were taken to X, where three casualties are said to be critical":
        the reporter states the first part; the hedged relative clause is hearsay."""
        doc = self.doc
        hedge = next(
            (
                t
                for t in doc
                if t.lower_ in _HEARSAY_PASSIVES
                and t.dep_ == "relcl"
                and any(c.dep_ == "auxpass" for c in t.children)
                and any(c.dep_ == "xcomp" for c in t.children)
            ),
            None,
        )
        if hedge is None:
            return [self.author()]
        cut = hedge.left_edge.i
        main = list(doc[0:cut])
        while main and (main[-1].is_punct or main[-1].dep_ == "cc"):
            main.pop()
        rest = [
            t for t in doc[cut:] if t.lower_ not in {"where", "which", "who", "whom"} or t.i != cut
        ]
        while rest and rest[-1].is_punct and rest[-1].text not in '"\u201d':
            rest.pop()
        if len(main) < 4 or len(rest) < 4:
            return [self.author()]
        unnamed = Source(name="unnamed", type="unnamed")
        return [
            self.claim(AUTHOR, main, (0, main[-1].i + 1), False),
            self.claim(unnamed, rest, (cut, rest[-1].i + 1), False),
        ]

    def remainder(self, found: list[Attribution]) -> DraftClaim | None:
        """ "The government supports X, with Li saying ...": the main clause is the author's."""
        root = next((t for t in self.doc if t.dep_ == "ROOT"), None)
        # A root that is itself a cue ("Lee said the NIS believes ...") leaves no fact of the
        # reporter's own.
        if root is None or root.lower_ in CUES or root.lower_ in ANNOUNCE or len(found) != 1:
            return None
        cue = found[0].cue
        if cue is None or cue.lower_ == "according":
            return None
        branch = cue
        while branch.head.i not in (root.i, branch.i):
            branch = branch.head
        if branch.head.i != root.i or branch.i == root.i or branch.left_edge.i <= root.i:
            return None
        end = min(
            branch.left_edge.i,
            found[0].speaker.left_edge.i if found[0].speaker is not None else len(self.doc),
        )
        tokens = [t for t in self.doc[0:end]]
        while tokens and (tokens[-1].is_punct or tokens[-1].dep_ in {"prep", "cc", "mark"}):
            tokens.pop()
        if len(tokens) < 4:
            return None
        return self.claim(AUTHOR, tokens, (0, tokens[-1].i + 1), False)

    def claim(
        self,
        source: Source,
        content: list[Token],
        clause: tuple[int, int],
        belief: bool,
        partial: bool = False,
        whole: bool = False,
    ) -> DraftClaim:
        doc, s = self.doc, self.s
        content = [t for t in content if t.idx >= self.skip] or content
        i, j = clause
        start = max(doc[i].idx, self.skip if i == 0 else 0)
        end = doc[j - 1].idx + len(doc[j - 1].text)
        if start >= end:
            start = doc[i].idx
        quote = Quote(
            text=self.article.document.text[s.start + start : s.start + end],
            start=s.start + start,
            end=s.start + end,
        )
        attributed = source.type != "author"
        level = confidence.rate(content, belief, attributed)
        # An early, partial or unnamed account is at best medium (DESIGN.md rubric), unless the
        # unnamed voice is an institution's ("officials said").
        unnamed = source.type == "unnamed" and not whole and not _official(source)
        if (partial or unnamed) and level == "high":
            level = "medium"
        c_start = content[0].idx if content else start
        c_end = content[-1].idx + len(content[-1].text) if content else end
        # The speaker is not what their words are about, unless they are the doer
        # ("China announced ...") or speak of themselves ("The carriage I am in ...").
        first_person = any(
            t.lower_ in {"i", "me", "my"} and t.tag_.startswith("PRP") for t in content
        )
        exclude = None if whole or not attributed else source.name.split(",")[0]
        who = self.entities.actors(doc, c_start, c_end, exclude)
        if not who and not attributed:
            who = self.entities.actors(doc, start, end)
        if source.type == "person" and first_person and not who:
            who = [source.name.split(",")[0]]
        if not who:
            who = self._pronoun_subject(content) or _groups(content)
        timeframe = self._timeframe(doc.text[c_start:c_end])
        if attributed and timeframe == Timeframe():
            # The time of the report stands in when the words reported give none.
            timeframe = self._report_time(((start, c_start), (c_end, end)))
        return DraftClaim(
            who=who,
            claim=self._render(content) or quote.text,
            source=source,
            timeframe=timeframe,
            confidence=level,
            evidence=[quote],
        )

    def _timeframe(self, text: str) -> Timeframe:
        found = timeframes.find(text, self.article.published)
        return found[0].timeframe if found else Timeframe()

    def _report_time(self, spans: tuple[tuple[int, int], ...]) -> Timeframe:
        """A time said of the report itself ("said on Monday", "told the CBC in late June")
        in the sentence outside the words reported; not one inside a clause of its own ("With
        the centenary coming in 2049, Xi said ...")."""
        doc = self.doc
        for lo, hi in spans:
            for found in timeframes.find(doc.text[lo:hi], self.article.published):
                at = lo + found.start
                span = doc.char_span(at, at + 1, alignment_mode="expand")
                if span and not _in_clause(span[0]):
                    return found.timeframe
        return Timeframe()

    def _pronoun_subject(self, content: list[Token]) -> list[str]:
        """ "He was found guilty": the person a subject "he" or "she" stands for."""
        for t in content:
            if t.lower_ in {"he", "she"} and t.dep_ in {"nsubj", "nsubjpass"}:
                name = self._person_for(t)
                return [name] if name else []
        return []

    def _person_for(self, pronoun: Token) -> str | None:
        """The name (without role) of the person a pronoun stands for, if it is a person."""
        src = resolve(pronoun, self.doc, self.entities, self.s.start)
        return src.name.split(",")[0] if src.type == "person" else None

    def _render(self, tokens: list[Token]) -> str:
        """The content as one readable sentence, pronouns replaced by the names they stand for."""
        parts: list[str] = []
        for k, t in enumerate(tokens):
            text = t.text
            if (t.lower_ in {"he", "she"} and t.tag_ == "PRP") or (
                t.lower_ in {"his", "her"} and t.tag_ == "PRP$"
            ):
                name = self._person_for(t)
                if name:
                    text = name + ("'s" if t.tag_ == "PRP$" else "")
            gap = t.whitespace_
            if k + 1 < len(tokens) and tokens[k + 1].i != t.i + 1 and not gap:
                gap = " "
            parts.append(text + gap)
        out = "".join(parts).strip()
        out = re.sub(r"\s+([,.;:!?\u201d])", r"\1", out)
        out = re.sub(r"^(?:that|whether)\s+", "", out)
        out = out.strip(_EDGE)
        out = re.sub(r",\s*$", "", out)
        if not out:
            return ""
        out = out[0].upper() + out[1:]
        if out.count("\u201c") > out.count("\u201d"):
            out += "\u201d"
        elif out.count('"') % 2 == 1:
            out = out + '"' if not out.endswith('"') else out[:-1]
        out = re.sub(r"[,;:]+([.!?])$", r"\1", out)
        if not re.search(r"[.!?][\"\u201d']?$", out):
            out += "."
        return out
