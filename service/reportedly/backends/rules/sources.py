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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reportedly.backends.rules.lexicon import (
    COUNTRY_NOUNS,
    DEMONYMS,
    DOCUMENT_NOUNS,
    GOVERNMENT_WORDS,
    HONORIFICS,
    LEGAL_DOCUMENTS,
    MEDIA_NOUNS,
    MEDIA_WORDS,
    ORG_NOUNS,
    PERSON_ROLES,
    RESEARCH_NOUNS,
    SPOKESPEOPLE,
    TITLE_WORDS,
    UNNAMED_DETERMINERS,
)
from reportedly.backends.rules.people import PRONOUN_GENDER, People
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
    r"intelligence|embassy|administration|agency|commission|court|authority|bureau|federal|"
    r"sheriff(?:'s)?|highway patrol|investigative committee|security service|prosecutors?|"
    r"attorney general|district attorney|coroners?)\b",
    re.I,
)
# A web address as a name ("Harbourwatch.com") is a news site.
_DOMAIN = re.compile(r"\b[A-Za-z0-9-]+\.(?:com|net|ru|info|news|co\.uk)\b")


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
    if words & MEDIA_WORDS or _DOMAIN.search(name):
        return "media"
    if _GOV_NAMES.search(name):
        return "government"
    return "organization"


class Entities:
    """Named actors seen so far, with their short forms."""

    def __init__(self) -> None:
        self.mentions: list[Mention] = []
        self._alias: dict[str, tuple[str, str]] = {}
        self.people = People()

    def canonical(self, text: str, label: str) -> tuple[str, str]:
        name = _clean_name(text)
        if label == "NORP":
            state = DEMONYMS.get(name.lower())
            return (state, "GPE") if state else (name, label)
        known = self._alias.get(name.lower())
        # A person's full name stays theirs when NER calls it an ORG elsewhere.
        if known is not None and (known[1] == label or len(name.split()) == 1 or known[0] == name):
            return known
        if label == "ORG" and (titled := split_title(name)) is not None:
            return titled[0], "PERSON"
        return name, label

    def observe(self, doc: Doc, offset: int) -> None:
        """Record the sentence's entities (after its claims were built from earlier ones)."""
        persons: list[tuple[Any, str]] = []
        for ent in doc.ents:
            if ent.label_ not in ACTOR_LABELS:
                continue
            name, label = self.canonical(ent.text, ent.label_)
            if not name or not name[0].isupper():
                continue
            if label == "ORG" and (_person_beside_person(doc, ent) or _persons_body(doc, ent)):
                label = "PERSON"
            if label == "PERSON" and len(name.split()) >= 2:
                self._alias.setdefault(name.lower(), (name, "PERSON"))
                parts = name.split()
                for part in (parts[0], parts[-1]):
                    self._alias.setdefault(part.lower(), (name, "PERSON"))
            if label == "ORG":
                after = doc.text[ent.end_char : ent.end_char + 12]
                acronym = re.match(r"\s*\(([A-Z][A-Za-z]{1,9})\)", after)
                if acronym:
                    self._alias[acronym.group(1).lower()] = (name, "ORG")
            if label == "PERSON":
                persons.append((ent, name))
            self.mentions.append(Mention(name, label, offset + ent.start_char))
        for span, name in self._known_names(doc):
            persons.append((span, name))
            self.mentions.append(Mention(name, "PERSON", offset + span.start_char))
        persons.sort(key=lambda p: int(p[0].start))
        self.people.observe(doc, offset, persons)

    def _known_names(self, doc: Doc) -> list[tuple[Any, str]]:
        """Surnames of people met before that NER left unlabelled (it often misses a bare
        surname opening a sentence: "Okafor was 19 at the time")."""
        out: list[tuple[Any, str]] = []
        inside = {i for ent in doc.ents for i in range(ent.start, ent.end)}
        for t in doc:
            if t.tag_ != "NNP" or t.i in inside:
                continue
            known = self._alias.get(t.lower_)
            if known is not None and known[1] == "PERSON":
                out.append((doc[t.i : t.i + 1], known[0]))
        return out

    def add_person(self, name: str, position: int) -> None:
        """A person the rules recognised where NER did not ("Chief Financial Officer X Y")."""
        parts = name.split()
        for part in (parts[0], parts[-1]):
            self._alias.setdefault(part.lower(), (name, "PERSON"))
        self.mentions.append(Mention(name, "PERSON", position))
        self.people.seen(name, position)

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
        parsed = doc.has_annotation("DEP")  # only sentences that may hold an attribution
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
            if parsed and _modifier(ent):
                continue
            name, label = self.canonical(ent.text, ent.label_)
            if label == "NORP" or not name or not name[0].isupper():
                continue
            if name != exclude and name not in out:
                out.append(name)
        return out


def _modifier(ent: Any) -> bool:
    """A name that only says where, or whose, something else is: "a Florida highway",
    "Manhattan District Attorney Cyrus Vance", "from Marksville, Louisiana", "Northamptonshire's
    chief constable", "Neil Hammerschlag of the University of Miami".
    The claim is about the highway or the person, not the place or the employer."""
    root, head = ent.root, ent.root.head
    if ent.label_ == "NORP":
        return False  # "a Russian official", "North Korean soldiers": the state takes part
    if root.dep_ in {"compound", "nmod", "npadvmod"} and head.i >= ent.end:
        # "the Chinese government", "Security Council sanctions", "the Sacoolas family": the
        # state, body or family acts.
        place = ent.label_ == "GPE" and head.lower_ not in ORG_NOUNS | GOVERNMENT_WORDS
        return _person_word(head) or place
    if root.dep_ == "appos" and head.ent_type_ == "GPE" and ent.label_ == "GPE":
        return True  # the state after a town
    if root.dep_ == "poss":
        return _person_word(head)
    return root.dep_ == "pobj" and head.lower_ in {"of", "at"} and _person_word(head.head)


def _person_word(token: Token) -> bool:
    return bool(token.ent_type_ == "PERSON" or token.lower_ in PERSON_ROLES | TITLE_WORDS)


def _persons_body(doc: Doc, ent: Any) -> bool:
    """ "The Harbour Trust's Ann Lee" with "Ann Lee" an ORG to NER: a two- or three-word name
    with no organisation word, owned by an organisation, is one of its people."""
    words = ent.text.split()
    if not 2 <= len(words) <= 3 or not all(w[:1].isupper() for w in words) or ent.start < 2:
        return False
    if any(w.lower() in ORG_NOUNS | GOVERNMENT_WORDS | TITLE_WORDS | MEDIA_WORDS for w in words):
        return False
    before = doc[ent.start - 1]  # "'s", inside the organisation's entity or just after it
    return bool(before.tag_ == "POS" and "ORG" in {before.ent_type_, doc[ent.start - 2].ent_type_})


def _person_beside_person(doc: Doc, ent: Any) -> bool:
    """ "officers Ann Lee and Bo Park" with "Ann Lee" an ORG to NER: a two- or three-word
    name with no organisation word, joined by "and" to a person, is a person too."""
    words = ent.text.split()
    if not 2 <= len(words) <= 3 or not all(w[:1].isupper() for w in words):
        return False
    if any(w.lower() in ORG_NOUNS | GOVERNMENT_WORDS | TITLE_WORDS for w in words):
        return False
    for other in doc.ents:
        if other.label_ != "PERSON":
            continue
        between = (
            doc[ent.end : other.start] if other.start >= ent.end else doc[other.end : ent.start]
        )
        if [t.lower_ for t in between] in (["and"], [",", "and"]):
            return True
    return False


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


def _org_text(ent: Any) -> str:
    """An organisation's name with the places that end it: NER stops "Port Authority of New
    York and New Jersey" at "New York"."""
    doc, end = ent.doc, ent.end
    if ent.label_ != "ORG" or not any(t.lower_ == "of" for t in ent):
        return str(ent.text)
    places = {e.start: e.end for e in doc.ents if e.label_ == "GPE"}
    while end + 1 < len(doc) and doc[end].lower_ == "and" and end + 1 in places:
        end = places[end + 1]
    return str(doc[ent.start : end].text)


def _body(entities: Entities, ent: Any) -> Source:
    name, label = entities.canonical(_org_text(ent), ent.label_)
    if label == "PERSON":
        return Source(name=name, type="person")
    return Source(name=name, type="government" if label == "GPE" else org_type(name))


@dataclass
class _Phrase:
    """A speaker noun phrase, read once for the naming rules below."""

    head: Token
    doc: Doc
    tokens: list[Token]
    ents: list[Any]  # entities inside the phrase
    position: int  # character offset of the head in the article

    @property
    def low(self) -> str:
        text: str = self.head.lower_
        return text

    @property
    def description(self) -> str:
        return _descriptive(self.tokens)

    @property
    def definite(self) -> bool:
        return any(t.lower_ == "the" for t in self.tokens)

    @property
    def bodies(self) -> list[Any]:
        return [e for e in self.ents if e.label_ in {"ORG", "GPE"}]

    @property
    def body(self) -> Any:
        """The body the phrase names: its first organisation, else its last state. A place
        inside an organisation's name ("Port Authority of New York and New Jersey") is not
        the body."""
        orgs = [e for e in self.ents if e.label_ == "ORG"]
        return orgs[0] if orgs else self.bodies[-1]


_Rule = Callable[[_Phrase, Entities], "Source | None"]


def resolve(head: Token, doc: Doc, entities: Entities, offset: int) -> Source:
    """The `Source` a speaker noun phrase (headed by `head`) refers to."""
    position = offset + head.idx
    if head.tag_ in {"PRP", "PRP$"}:
        return _pronoun(head, doc, entities, position)
    tokens = np_tokens(head)
    start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)
    ents = [e for e in doc.ents if e.start_char >= start and e.end_char <= end]
    phrase = _Phrase(head, doc, tokens, ents, position)
    for rule in _RULES:
        source = rule(phrase, entities)
        if source is not None:
            return source
    return _fallback(phrase)


def _pronoun(head: Token, doc: Doc, entities: Entities, position: int) -> Source:
    low = head.lower_
    if low in PRONOUN_GENDER:
        partner = _conjoined_person(head, doc, entities)
        person = entities.people.pronoun(low, position)
        if partner is not None and person is not None:
            return Source(name=f"{person.name} and {partner}", type="person")  # "he and Ann Lee"
        if person is not None:
            person.gender = person.gender or PRONOUN_GENDER[low]
            return Source(name=person.name, type="person")
    if low in {"they", "them", "their"}:
        pair = entities.people.pair(position)
        if pair is not None:
            return Source(name=" and ".join(pair.names), type="person")
    return Source(name=head.text, type="unnamed")


def _conjoined_person(head: Token, doc: Doc, entities: Entities) -> str | None:
    for conj in head.children:
        if conj.dep_ != "conj":
            continue
        inside = {t.i for t in np_tokens(conj)}  # "he and the mayor, Lisa Kent"
        ent = next((e for e in doc.ents if e.label_ == "PERSON" and e.root.i in inside), None)
        if ent is not None:
            return entities.canonical(ent.text, "PERSON")[0]
    return None


def _person_by_role(p: _Phrase, entities: Entities) -> Source | None:
    """ "the minister" after "Health Minister Ann Lee": that person; "both officers" after
    "officers Ann Lee and Bo Park": the pair."""
    if p.low not in PERSON_ROLES or p.ents:
        return None
    people = entities.people
    if p.head.tag_ == "NNS":
        counted = any(t.lower_ in {"both", "two"} for t in p.tokens)
        if not (counted or p.definite):
            return None
        pair = people.pair(p.position, p.low.rstrip("s"))
        if pair is None and counted:
            pair = people.pair(p.position)
        return Source(name=" and ".join(pair.names), type="person") if pair else None
    if not p.definite or len(p.tokens) > 3:
        return None
    person = people.by_role(p.low, p.position)
    return Source(name=person.name, type="person") if person else None


def _named_person(p: _Phrase, entities: Entities) -> Source | None:
    # NER sometimes calls a known person's surname an ORG ("Branson stated"). A name inside
    # a prepositional phrase ("analysts at Berenberg") is not the speaker's.
    persons = [
        e
        for e in p.ents
        if entities.canonical(e.text, e.label_)[1] == "PERSON" and _names_head(e, p.head)
    ]
    if not persons:
        return None
    ent = persons[0]
    name, _ = entities.canonical(ent.text, "PERSON")
    titled = split_title(_clean_name(ent.text))
    if titled is not None:
        return Source(name=f"{titled[0]}, {titled[1]}", type="person")
    role = _role_before(p, ent)
    return Source(name=f"{name}, {role}" if role else name, type="person")


def _role_before(p: _Phrase, ent: Any) -> str | None:
    """The title written in front of a name ("Harbour master Elena Ruiz"), if short."""
    tokens, doc = p.tokens, p.doc
    role = [
        t
        for t in tokens
        if t.i < ent.start
        and t.dep_ != "det"
        and not t.is_punct
        and t.lower_ not in {"mr", "mrs", "ms", "dr"}
    ]
    if tokens[0].i < ent.start and role and len(role) <= 4 and role[-1].i == ent.start - 1:
        return _span_text(doc, role)
    if p.head.i < ent.start and p.low in PERSON_ROLES:
        # "the minister, John Smith": the head noun is the role.
        role = [t for t in tokens if t.i < ent.start and t.dep_ != "det"]
        while role and role[-1].is_punct:
            role = role[:-1]
        if role and len(role) <= 4:
            return _span_text(doc, role)
    return None


def _unrecognised_name(p: _Phrase, entities: Entities) -> Source | None:
    """NER missed a name: a title-led proper-noun run, or a surname met before."""
    if p.ents:
        return None
    surname = _known_surname(p, entities)
    if surname is not None:
        return surname
    proper = [t for t in p.tokens if t.tag_ in {"NNP", "NNPS"}]
    if not proper or proper[-1].i - proper[0].i + 1 != len(proper):
        return None
    run = _span_text(p.doc, proper)
    titled = split_title(_clean_name(run))
    if titled is not None:
        entities.add_person(titled[0], p.position)
        return Source(name=f"{titled[0]}, {titled[1]}", type="person")
    known, label = entities.canonical(run, "PERSON")
    if label == "PERSON" and known != _clean_name(run):
        return Source(name=known, type="person")
    return None


def _known_surname(p: _Phrase, entities: Entities) -> Source | None:
    """A one-word capitalised head that is a person's name met before ("Fallows remarked"),
    whatever the tagger made of it."""
    if len(p.tokens) != 1 or not p.head.text[:1].isupper():
        return None
    known, label = entities.canonical(p.head.text, "PERSON")
    if label == "PERSON" and " " in known:
        return Source(name=known, type="person")
    return None


def _place_in_affiliation(p: _Phrase, entities: Entities) -> Source | None:
    """ "Jo Smith of the University of Leeds, Leeds disagreed": the parser can make the place
    that ends an organisation's name the subject; the speaker is the person the sentence
    opens with, so long as no verb comes between."""
    if not p.ents or any(e.label_ != "GPE" for e in p.ents):
        return None
    first = p.tokens[0]
    if first.i < 2 or p.doc[first.i - 1].text not in {",", "of"}:
        return None
    before = p.doc[first.i - 2]
    if before.ent_type_ != "ORG":
        return None
    person = next((e for e in p.doc.ents if e.label_ == "PERSON" and e.end <= before.i), None)
    if person is None or any(t.tag_.startswith("VB") for t in p.doc[person.end : first.i]):
        return None
    name, _ = entities.canonical(person.text, "PERSON")
    affiliation = p.doc[person.end : p.tokens[-1].i + 1]
    if affiliation[0].lower_ == "of":
        affiliation = affiliation[1:]
    role = _descriptive(list(affiliation))
    return Source(name=f"{name}, {role}" if role else name, type="person")


def _spokesperson(p: _Phrase, entities: Entities) -> Source | None:
    """ "a spokeswoman for the British Transport Police": the body speaks."""
    if p.low in SPOKESPEOPLE and p.bodies:
        return _body(entities, p.body)
    return None


def _document(p: _Phrase, entities: Entities) -> Source | None:
    """ "The NIS report suggests": the body that wrote it; "the briefing": the body last
    named, else the document itself; "hospital reports", "first reports": unnamed."""
    if p.low in LEGAL_DOCUMENTS and p.definite:
        return Source(name=p.description, type="document")
    if p.low not in DOCUMENT_NOUNS:
        return None
    if p.bodies:
        return _body(entities, p.body)
    modifiers = [t for t in p.tokens if t.i != p.head.i and t.dep_ != "det"]
    if any(t.tag_.startswith("NNP") for t in modifiers):
        return Source(name=p.description, type="document")
    if p.definite and not modifiers and p.low not in RESEARCH_NOUNS:
        org = entities.last(frozenset({"ORG"}), p.position)
        if org is not None:
            return Source(name=org.name, type=org_type(org.name))
    return Source(name=p.description, type="document" if p.definite else "unnamed")


def _someones_people(p: _Phrase, entities: Entities) -> Source | None:
    """ "his lawyers", "Ann Roe's legal team": the people acting for one identified person
    are that person's own side, not an anonymous voice ("its spokesman" stays unnamed).
    "Leeds's mayor": the one holder of a named place's or body's office is a person too."""
    if p.low not in PERSON_ROLES and p.low not in ORG_NOUNS:
        return None
    for c in p.head.children:
        if c.dep_ != "poss":
            continue
        if c.lower_ in {"his", "her"} or c.ent_type_ == "PERSON":
            return Source(name=p.description, type="person")
        office = p.head.tag_ == "NN" and p.low in PERSON_ROLES and p.low not in SPOKESPEOPLE
        if office and c.ent_type_ in {"GPE", "ORG"}:
            return Source(name=p.description, type="person")
    return None


def _named_in_apposition(p: _Phrase, entities: Entities) -> Source | None:
    """ "One news site, Harbourwatch.com, claims": the body the apposition names."""
    for c in p.head.children:
        if c.dep_ != "appos":
            continue
        ent = next((e for e in p.ents if e.label_ == "ORG" and e.start <= c.i < e.end), None)
        if ent is not None:
            return _body(entities, ent)
    return None


def _media_noun(p: _Phrase, entities: Entities) -> Source | None:
    """ "the website reported": the last news outlet the article named."""
    if p.low not in MEDIA_NOUNS or not p.definite or p.ents:
        return None
    for m in reversed(entities.mentions):
        if m.position < p.position and m.label == "ORG" and org_type(m.name) == "media":
            return Source(name=m.name, type="media")
    return None


def _unnamed_role(p: _Phrase, entities: Entities) -> Source | None:
    if p.low in PERSON_ROLES:
        return Source(name=p.description, type="unnamed")
    return None


def _countries(p: _Phrase, entities: Entities) -> Source | None:
    """ "both countries": the last two states named."""
    if p.low not in COUNTRY_NOUNS:
        return None
    states: list[str] = []
    for m in reversed(entities.mentions):
        if m.label == "GPE" and m.name not in states:
            states.append(m.name)
        if len(states) == 2:
            return Source(name=" and ".join(reversed(states)), type="government")
    return Source(name=p.description, type="government")


def _joint_bodies(p: _Phrase, entities: Entities) -> Source | None:
    """ "Both North Korea and Russia have acknowledged": both speak."""
    if len(p.bodies) < 2 or not any(c.dep_ == "conj" for c in p.head.children):
        return None
    names = [_body(entities, e) for e in p.bodies]
    kind: SourceType = (
        "government" if all(n.type == "government" for n in names) else "organization"
    )
    return Source(name=" and ".join(n.name for n in names), type=kind)


def _named_body(p: _Phrase, entities: Entities) -> Source | None:
    orgs = [e for e in p.ents if e.label_ in {"ORG", "GPE", "NORP"}]
    if not orgs or not any(e.start <= p.head.i < e.end for e in orgs):
        return None
    if p.low in PERSON_ROLES and p.low not in ORG_NOUNS | GOVERNMENT_WORDS:
        # "Ohio's governor" (one entity to NER): one identified person, unnamed here.
        return Source(name=p.description, type="person")
    name, label = entities.canonical(orgs[-1].text, orgs[-1].label_)
    if label == "PERSON":
        return Source(name=name, type="person")
    return Source(name=name, type="government" if label == "GPE" else org_type(name))


def _short_body_name(p: _Phrase, entities: Entities) -> Source | None:
    """ "the trust" after "the Coastal Infrastructure Trust": the body it names."""
    if not p.definite or p.ents or p.head.tag_ not in {"NN", "NNS"}:
        return None
    for m in reversed(entities.mentions):
        if m.label == "ORG" and m.position < p.position and p.low in m.name.lower().split():
            return Source(name=m.name, type=org_type(m.name))
    return None


def _body_noun(p: _Phrase, entities: Entities) -> Source | None:
    low = p.low
    if low not in GOVERNMENT_WORDS and low not in ORG_NOUNS:
        return None
    if low == "authorities" and not p.ents and len(p.tokens) == 1:
        return Source(name=p.description, type="unnamed")  # like "officials said": no body named
    named = [e for e in p.ents if e.label_ == "ORG"]
    if named:
        return _body(entities, named[-1])  # "the union IG Metall"
    if any(e.label_ in {"ORG", "GPE", "NORP"} for e in p.ents):
        body: SourceType = "government" if low in GOVERNMENT_WORDS else org_type(p.description)
        return Source(name=p.description, type=body)  # "South Korea's intelligence agency"
    if p.definite and any(t.tag_ == "NNP" for t in p.tokens if t.i != p.head.i):
        # "The Keswick Sheriff's Office", which NER missed: the phrase is the body's name.
        kind: SourceType = "government" if low in GOVERNMENT_WORDS else org_type(p.description)
        return Source(name=p.description, type=kind)
    if p.definite:
        # "the agency", "the carmaker": the nearest organisation named before.
        org = entities.last(frozenset({"ORG"}), p.position)
        if org is not None:
            return Source(name=org.name, type=org_type(org.name))
    if low in GOVERNMENT_WORDS:
        return Source(name=p.description, type="government")
    return Source(name=p.description, type="unnamed")  # "a carmaker": which one is not said


def _fallback(p: _Phrase) -> Source:
    tokens = p.tokens
    if tokens[0].lower_ in UNNAMED_DETERMINERS or not any(t.tag_.startswith("NNP") for t in tokens):
        return Source(name=p.description or p.head.text, type="unnamed")
    return Source(name=p.description, type=org_type(p.description))


# Tried in order; the first that names the phrase wins.
_RULES: tuple[_Rule, ...] = (
    _place_in_affiliation,
    _named_person,
    _unrecognised_name,
    _spokesperson,
    _document,
    _person_by_role,
    _named_in_apposition,
    _media_noun,
    _someones_people,
    _unnamed_role,
    _countries,
    _joint_bodies,
    _named_body,
    _short_body_name,
    _body_noun,
)
