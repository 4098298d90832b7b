"""Who is named in the article, and who a speaker phrase refers to.

`Entities` remembers, in reading order, the people, organisations and states the article
names, with their short forms ("Lee" for "Lee Seong-kweun", "NIS" for "National Intelligence
Service (NIS)"), so a later "he", "the agency" or surname resolves to the full name.

Source naming convention: a person is "Name" or "Name, Role" when the article puts a title
next to the name ("NIS Director Ji Jae-ryeol" -> "Ji Jae-ryeol, NIS Director"); an unnamed
source keeps its description ("spokeswoman for the British Transport Police"); the reporter's
own voice is `Source(name="author", type="author")`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from reportedly.backends.rules.lexicon import (
    COUNTRY_NOUNS,
    DEMONYMS,
    DOCUMENT_NOUNS,
    GOVERNMENT_WORDS,
    HONORIFICS,
    MEDIA_WORDS,
    ORG_NOUNS,
    PERSON_ROLES,
    SPOKESPEOPLE,
    TITLE_WORDS,
    UNNAMED_DETERMINERS,
)
from reportedly.schema import Source, SourceType

Token = Any  # spacy.tokens.Token (spaCy ships no type hints mypy can use)
Doc = Any

AUTHOR = Source(name="author", type="author")
ACTOR_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP"})
_NP_STOP = frozenset({"relcl", "acl", "advcl", "ccomp", "punct", "cc"})
_GENERIC_ADJ = frozenset(
    {"first", "early", "initial", "preliminary", "some", "local", "unconfirmed", "recent", "new"}
)
_LOCATIVE = frozenset(
    {"in", "at", "near", "into", "inside", "outside", "within", "across", "around",
     "throughout", "to", "onto", "toward", "towards", "via", "over"}
)  # fmt: skip
_GOV_NAMES = re.compile(
    r"\b(?:ministry|department|government|police|army|navy|air force|military|"
    r"council|parliament|congress|senate|kremlin|pentagon|white house|"
    r"intelligence|embassy|administration|agency|commission|court|authority|bureau)\b",
    re.I,
)


@dataclass
class Mention:
    name: str
    label: str
    position: int  # character offset in the document


def _clean_name(text: str) -> str:
    text = re.sub(r"(?:['\u2019]s?)$", "", text.strip())
    text = re.sub(r"^(?:the|The)\s+", "", text)
    words = text.split()
    while words and words[0].lower() in HONORIFICS:
        words = words[1:]
    return " ".join(words).strip(" ,.;:")


def split_title(name: str) -> tuple[str, str] | None:
    """ "Chief Financial Officer Anja Richter" (an ORG to NER) -> ("Anja Richter", the title)."""
    words = name.split()
    k = 0
    while k < len(words) and words[k].lower().strip(".") in TITLE_WORDS:
        k += 1
    rest = words[k:]
    if k == 0 or len(rest) < 2 or not all(w[:1].isupper() for w in rest):
        return None
    if any(w.lower() in TITLE_WORDS | ORG_NOUNS | GOVERNMENT_WORDS for w in rest):
        return None
    return " ".join(rest), " ".join(words[:k])


def org_type(name: str) -> SourceType:
    words = {w.lower().strip("()") for w in name.split()}
    if words & MEDIA_WORDS:
        return "media"
    if _GOV_NAMES.search(name):
        return "government"
    return "organization"


class Entities:
    """Named actors seen so far, with their short forms."""

    def __init__(self) -> None:
        self.mentions: list[Mention] = []
        self._alias: dict[str, tuple[str, str]] = {}

    def canonical(self, text: str, label: str) -> tuple[str, str]:
        name = _clean_name(text)
        if label == "NORP":
            state = DEMONYMS.get(name.lower())
            return (state, "GPE") if state else (name, label)
        known = self._alias.get(name.lower())
        if known is not None and (known[1] == label or len(name.split()) == 1):
            return known
        if label == "ORG" and (titled := split_title(name)) is not None:
            return titled[0], "PERSON"
        return name, label

    def observe(self, doc: Doc, offset: int) -> None:
        """Record the sentence's entities (after its claims were built from earlier ones)."""
        for ent in doc.ents:
            if ent.label_ not in ACTOR_LABELS:
                continue
            name, label = self.canonical(ent.text, ent.label_)
            if not name or not name[0].isupper():
                continue
            if label == "PERSON" and len(name.split()) >= 2:
                parts = name.split()
                for part in (parts[0], parts[-1]):
                    self._alias.setdefault(part.lower(), (name, "PERSON"))
            if label == "ORG":
                after = doc.text[ent.end_char : ent.end_char + 12]
                acronym = re.match(r"\s*\(([A-Z][A-Za-z]{1,9})\)", after)
                if acronym:
                    self._alias[acronym.group(1).lower()] = (name, "ORG")
            self.mentions.append(Mention(name, label, offset + ent.start_char))

    def add_person(self, name: str, position: int) -> None:
        """A person the rules recognised where NER did not ("Chief Financial Officer X Y")."""
        parts = name.split()
        for part in (parts[0], parts[-1]):
            self._alias.setdefault(part.lower(), (name, "PERSON"))
        self.mentions.append(Mention(name, "PERSON", position))

    def last(self, labels: frozenset[str], before: int) -> Mention | None:
        for m in reversed(self.mentions):
            if m.label in labels and m.position < before:
                return m
        return None

    def actors(self, doc: Doc, start: int, end: int, exclude: str | None = None) -> list[str]:
        """Actors named between char offsets start..end of `doc`, full names, deduplicated.

        Places are not actors: a state or city after a locative preposition ("in Ukraine",
        "near Grayrigg") is where something happens, and "South Korea's" in "South Korea's
        National Intelligence Service" is part of the agency's name.
        """
        out: list[str] = []
        for ent in doc.ents:
            if ent.label_ not in ACTOR_LABELS or ent.start_char < start or ent.end_char > end:
                continue
            # Read from neighbouring tokens, not the parse: not every sentence is parsed.
            before = doc[ent.start - 1].lower_ if ent.start > 0 else ""
            after = doc[ent.end : ent.end + 2]
            owner_of_org = (
                ent[-1].tag_ == "POS" or (len(after) and after[0].tag_ == "POS")
            ) and any(t.ent_type_ == "ORG" for t in after)
            possessor = ent[-1].tag_ == "POS" or (len(after) > 0 and after[0].tag_ == "POS")
            located = before in _LOCATIVE and not possessor  # "adds to China's ..." is not a place
            if ent.label_ == "GPE" and (located or owner_of_org):
                continue
            name, label = self.canonical(ent.text, ent.label_)
            if label == "NORP" or not name or not name[0].isupper():
                continue
            if name != exclude and name not in out:
                out.append(name)
        return out


def np_tokens(head: Token) -> list[Token]:
    """The noun phrase headed by `head`, without relative clauses and trailing punctuation."""
    out = [head]
    for child in head.children:
        if child.dep_ in _NP_STOP:
            continue
        out.extend(np_tokens(child))
    out.sort(key=lambda t: t.i)
    return out


def _span_text(doc: Doc, tokens: list[Token]) -> str:
    if not tokens:
        return ""
    text: str = doc.text[tokens[0].idx : tokens[-1].idx + len(tokens[-1].text)]
    return text


def _descriptive(tokens: list[Token]) -> str:
    """An NP as a description: no leading determiner, trimmed."""
    while tokens and (tokens[0].dep_ == "det" or tokens[0].is_punct):
        tokens = tokens[1:]
    while tokens and tokens[-1].is_punct:
        tokens = tokens[:-1]
    return _span_text(tokens[0].doc, tokens) if tokens else ""


def _names_head(ent: Any, head: Token) -> bool:
    """Does the entity name the phrase's head: the head itself, a compound, or an apposition
    ("a spokesman for the squad, Brian Mitchelhill")? Not a name in a prepositional phrase
    ("analysts at Berenberg")."""
    if ent.start <= head.i < ent.end:
        return True
    root, deps = ent.root, set()
    while root.i != head.i and root.head.i != root.i:
        deps.add(root.dep_)
        root = root.head
    return bool(root.i == head.i and ("appos" in deps or deps <= {"compound", "conj"}))


def _body(entities: Entities, ent: Any) -> Source:
    name, label = entities.canonical(ent.text, ent.label_)
    if label == "PERSON":
        return Source(name=name, type="person")
    return Source(name=name, type="government" if label == "GPE" else org_type(name))


def resolve(head: Token, doc: Doc, entities: Entities, offset: int) -> Source:
    """The `Source` a speaker noun phrase (headed by `head`) refers to."""
    low = head.lower_
    position = offset + head.idx
    if head.tag_ in {"PRP", "PRP$"}:
        if low in {"he", "she", "him", "her", "his"}:
            own = [e for e in doc.ents if e.label_ == "PERSON" and e.end <= head.i]
            if own:
                name, _ = entities.canonical(own[-1].text, "PERSON")
                return Source(name=name, type="person")
            person = entities.last(frozenset({"PERSON"}), position)
            if person is not None:
                return Source(name=person.name, type="person")
        return Source(name=head.text, type="unnamed")

    tokens = np_tokens(head)
    start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)
    ents = [e for e in doc.ents if e.start_char >= start and e.end_char <= end]
    # NER sometimes calls a known person's surname an ORG ("Branson stated"). A name inside
    # a prepositional phrase ("analysts at Berenberg") is not the speaker's.
    persons = [
        e
        for e in ents
        if entities.canonical(e.text, e.label_)[1] == "PERSON" and _names_head(e, head)
    ]
    if persons:
        ent = persons[0]
        name, _ = entities.canonical(ent.text, "PERSON")
        titled = split_title(_clean_name(ent.text))
        if titled is not None:
            return Source(name=f"{titled[0]}, {titled[1]}", type="person")
        role_tokens = [
            t
            for t in tokens
            if t.i < ent.start
            and t.dep_ != "det"
            and not t.is_punct
            and t.lower_ not in {"mr", "mrs", "ms", "dr"}
        ]
        if (
            tokens[0].i < ent.start
            and role_tokens
            and len(role_tokens) <= 4
            and role_tokens[-1].i == ent.start - 1
        ):
            return Source(name=f"{name}, {_span_text(doc, role_tokens)}", type="person")
        if head.i < ent.start and head.lower_ in PERSON_ROLES:
            role = [t for t in tokens if t.i < ent.start and t.dep_ != "det"]
            while role and role[-1].is_punct:
                role = role[:-1]
            if role and len(role) <= 4:
                return Source(name=f"{name}, {_span_text(doc, role)}", type="person")
        return Source(name=name, type="person")

    if not ents:
        # NER missed a name: a title-led proper-noun run, or a surname met before.
        proper = [t for t in tokens if t.tag_ in {"NNP", "NNPS"}]
        run = _span_text(doc, proper) if proper else ""
        if proper and proper[-1].i - proper[0].i + 1 == len(proper):
            titled = split_title(_clean_name(run))
            if titled is not None:
                entities.add_person(titled[0], position)
                return Source(name=f"{titled[0]}, {titled[1]}", type="person")
            known, label = entities.canonical(run, "PERSON")
            if label == "PERSON" and known != _clean_name(run):
                return Source(name=known, type="person")
    description = _descriptive(tokens)
    bodies = [e for e in ents if e.label_ in {"ORG", "GPE"}]
    definite = any(t.lower_ == "the" for t in tokens)
    if low in SPOKESPEOPLE and bodies:
        # "a spokeswoman for the British Transport Police": the body speaks.
        return _body(entities, bodies[-1])
    if low in DOCUMENT_NOUNS:
        # "The NIS report suggests": the body that wrote it; "the briefing": the body last
        # named, else the document itself; "hospital reports", "first reports": unnamed.
        if bodies:
            return _body(entities, bodies[-1])
        modifiers = [t for t in tokens if t.i != head.i and t.dep_ != "det"]
        if any(t.tag_.startswith("NNP") for t in modifiers):
            return Source(name=description, type="document")
        if definite and not modifiers:
            org = entities.last(frozenset({"ORG"}), position)
            if org is not None:
                return Source(name=org.name, type=org_type(org.name))
        if definite:
            return Source(name=description, type="document")
        return Source(name=description, type="unnamed")
    if low in PERSON_ROLES:
        return Source(name=description, type="unnamed")
    if low in COUNTRY_NOUNS:
        states: list[str] = []
        for m in reversed(entities.mentions):
            if m.label == "GPE" and m.name not in states:
                states.append(m.name)
            if len(states) == 2:
                return Source(name=" and ".join(reversed(states)), type="government")
        return Source(name=description, type="government")

    orgs = [e for e in ents if e.label_ in {"ORG", "GPE", "NORP"}]
    head_in_ent = any(e.start <= head.i < e.end for e in orgs)
    if len(bodies) >= 2 and any(c.dep_ == "conj" for c in head.children):
        # "Both North Korea and Russia have acknowledged": both speak.
        names = [_body(entities, e) for e in bodies]
        kind: SourceType = (
            "government" if all(n.type == "government" for n in names) else "organization"
        )
        return Source(name=" and ".join(n.name for n in names), type=kind)
    if orgs and head_in_ent:
        name, label = entities.canonical(orgs[-1].text, orgs[-1].label_)
        if label == "PERSON":
            return Source(name=name, type="person")
        return Source(name=name, type="government" if label == "GPE" else org_type(name))
    if definite and not ents and head.tag_ in {"NN", "NNS"}:
        # "the trust" after "the Coastal Infrastructure Trust": the body it names.
        for m in reversed(entities.mentions):
            if m.label == "ORG" and m.position < position and low in m.name.lower().split():
                return Source(name=m.name, type=org_type(m.name))
    if low in GOVERNMENT_WORDS or low in ORG_NOUNS:
        named = [e for e in ents if e.label_ == "ORG"]
        if named:
            return _body(entities, named[-1])  # "the union IG Metall"
        if orgs:
            body: SourceType = "government" if low in GOVERNMENT_WORDS else org_type(description)
            return Source(name=description, type=body)  # "South Korea's intelligence agency"
        if definite:
            # "the agency", "the carmaker": the nearest organisation named before.
            org = entities.last(frozenset({"ORG"}), position)
            if org is not None:
                return Source(name=org.name, type=org_type(org.name))
        if low in GOVERNMENT_WORDS:
            return Source(name=description, type="government")
        return Source(name=description, type="unnamed")  # "a carmaker": which one is not said
    if tokens[0].lower_ in UNNAMED_DETERMINERS or not any(t.tag_.startswith("NNP") for t in tokens):
        return Source(name=description or head.text, type="unnamed")
    return Source(name=description, type="organization")
