"""What the article tells us about the people it names: their roles, their grammatical
gender, and who is mentioned as a pair.

There is no coreference model offline, so "he", "she", "they", "the minister" and "both
officers" are resolved by rules over spaCy's entities and parse: the nearest earlier person
the phrase can refer to. Gender is never guessed from a first name; it is known only when the
article shows it (an honorific, a gendered noun such as "mother" or "spokeswoman", or a
pronoun that can only point at that person), and a person of unknown gender stays a candidate
for either pronoun.
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass, field
from typing import Any

from reportedly.backends.rules.lexicon import (
    FEMALE_WORDS,
    HONORIFICS,
    MALE_WORDS,
    PERSON_ROLES,
    TITLE_WORDS,
)

Token = Any
Doc = Any
Span = Any

PRONOUN_GENDER = {"he": "m", "him": "m", "his": "m", "she": "f", "her": "f", "hers": "f"}
# How far back (characters) "they" or "both officers" may reach for a named pair.
PAIR_REACH = 2500
# Among the last few people named, one the article has shown to match the pronoun wins over a
# nearer one whose gender it never showed.
_GENDER_REACH = 4
_ROLE_WORDS = PERSON_ROLES | TITLE_WORDS | FEMALE_WORDS | MALE_WORDS


@dataclass
class Person:
    name: str
    position: int  # where last named
    mentions: list[int] = field(default_factory=list)  # every place named, in reading order
    role: str = ""  # "Deputy Mayor", "the boy's mother": the fullest the article gives
    gender: str = ""  # "m", "f" or unknown


@dataclass
class Pair:
    names: tuple[str, str]
    role: str
    position: int


@dataclass
class People:
    by_name: dict[str, Person] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)  # most recently named last
    pairs: list[Pair] = field(default_factory=list)
    topic: Person | None = None  # the person a sentence led with, lately
    topic_at: int = -1  # where that sentence starts
    latest: int = -1  # where the sentence last observed starts

    def seen(self, name: str, position: int, role: str = "", gender: str = "") -> Person:
        person = self.by_name.setdefault(name, Person(name, position))
        person.position = position
        bisect.insort(person.mentions, position)
        if len(role) > len(person.role):
            person.role = role
        person.gender = person.gender or gender
        if name in self.order:
            self.order.remove(name)
        self.order.append(name)
        return person

    def observe(self, doc: Doc, offset: int, persons: list[tuple[Span, str]]) -> None:
        """Record the sentence's people: `persons` are its PERSON entities with full names."""
        self.latest = offset
        for ent, name in persons:
            role = role_of(doc, ent)
            person = self.seen(name, offset + ent.start_char, role, _gender_of(role, doc, ent))
            if ent is persons[0][0] and _leads(doc, ent):
                self.topic, self.topic_at = person, offset
        self._pronoun_genders(doc, persons)
        self._pairs(doc, offset, persons)

    def _pronoun_genders(self, doc: Doc, persons: list[tuple[Span, str]]) -> None:
        """ "Ann Lee, who waived her right ...": a pronoun after the one person named before
        it in the sentence shows that person's gender."""
        for t in doc:
            gender = PRONOUN_GENDER.get(t.lower_)
            if gender is None or not t.tag_.startswith("PRP"):
                continue
            before = {name for ent, name in persons if ent.end <= t.i}
            if len(before) == 1:
                person = self.by_name[before.pop()]
                person.gender = person.gender or gender

    def _pairs(self, doc: Doc, offset: int, persons: list[tuple[Span, str]]) -> None:
        """ "officers Ann Lee and Bo Park": two people named together, for "they"."""
        for (a, first), (b, second) in itertools.pairwise(persons):
            between = [t.lower_ for t in doc[a.end : b.start]]
            if between in (["and"], [",", "and"]) and first != second:
                role = role_of(doc, a)
                self.pairs.append(Pair((first, second), role, offset + a.start_char))

    def pronoun(self, word: str, before: int) -> Person | None:
        """The person "he"/"she" most likely means: the subject a sentence led with, if it is
        the pronoun's own sentence ("Lee denied it, but on seeing Kim's letter he ...") or the
        nearest person ("Lee was 17. He said ...") and not shown to differ; else among the
        last few people named before `before`, one shown to match; else the nearest not
        shown to differ."""
        gender = PRONOUN_GENDER.get(word)
        recent = self._named_before(before)
        topic = self.topic
        if topic is not None and topic.gender in ("", gender) and topic in recent:
            own_sentence = self.topic_at == self.latest
            if own_sentence or (recent and recent[0] is topic):
                return topic
        for person in recent[:_GENDER_REACH]:
            if gender and person.gender == gender:
                return person
        return next((p for p in recent if not gender or p.gender in ("", gender)), None)

    def _named_before(self, before: int) -> list[Person]:
        """People named before `before`, the most recently named first. A name later in
        the pronoun's own sentence ("He said Lee's ...") does not hide an earlier mention."""

        def last(p: Person) -> int:
            # Mentions are recorded in reading order: a binary search keeps this linear.
            k = bisect.bisect_left(p.mentions, before)
            return p.mentions[k - 1] if k else -1

        named = [p for p in self.by_name.values() if last(p) >= 0]
        return sorted(named, key=last, reverse=True)

    def pair(self, before: int, role_word: str = "") -> Pair | None:
        """The last pair named within reach, whose role fits `role_word` when one is given."""
        for pair in reversed(self.pairs):
            if pair.position >= before:
                continue
            if before - pair.position > PAIR_REACH:
                return None
            if not role_word or role_word in pair.role.lower():
                return pair
        return None

    def role(self, name: str) -> str:
        """The person's own role, if the article gave one (not a pair's "officers")."""
        person = self.by_name.get(name)
        if person is None or not person.role:
            return ""
        last = person.role.split()[-1]
        return "" if last.lower() in PERSON_ROLES and last.endswith("s") else person.role

    def by_role(self, word: str, before: int) -> Person | None:
        """ "the minister": the nearest earlier person whose role has that word."""
        for name in reversed(self.order):
            person = self.by_name[name]
            if person.position < before and word in person.role.lower().split():
                return person
        return None


def _leads(doc: Doc, ent: Span) -> bool:
    """Is the name the sentence's lead, before any verb ("On Monday, Deputy Mayor Ann Roe
    said")? Read from tags, as not every sentence is parsed."""
    if ent.end < len(doc) and doc[ent.end].tag_ == "POS":
        return False  # "Lee's mother said": the sentence is about the mother
    return not any(t.tag_.startswith(("VB", "MD")) for t in doc[: ent.start])


def role_of(doc: Doc, ent: Span) -> str:
    """The role the article writes next to a name: in front ("Deputy Mayor Ann Roe",
    "officers Ann Lee"), or as an apposition ("the boy's mother, Jane Roe"; "Jo Lee, a
    Leeds lawyer,")."""
    return _title_before(doc, ent) or _apposition_before(doc, ent) or _apposition_after(doc, ent)


def _title_before(doc: Doc, ent: Span) -> str:
    k = ent.start
    while k > 0 and ent.start - k < 5:
        t = doc[k - 1]
        if t.is_punct or t.dep_ == "det" or t.tag_ not in {"NNP", "NNPS", "NN", "NNS", "JJ"}:
            break
        if t.ent_type_ == "PERSON":
            break
        k -= 1
    while k < ent.start and doc[k].lower_ in HONORIFICS:
        k += 1
    words = doc[k : ent.start]
    if k > 0 and doc[k - 1].text == "-":
        return ""  # the run starts inside a hyphenated word ("co-author"): not the whole role
    if not any(t.lower_ in _ROLE_WORDS for t in words):
        return ""
    return str(words.text)


def _apposition_before(doc: Doc, ent: Span) -> str:
    if ent.start < 3 or doc[ent.start - 1].text != ",":
        return ""
    head = doc[ent.start - 2]
    if head.lower_ not in _ROLE_WORDS:
        return ""
    k = ent.start - 2
    while k > 0 and ent.start - k < 6 and not doc[k - 1].is_punct:
        if doc[k - 1].dep_ == "det" or doc[k - 1].tag_ not in {"NNP", "NN", "JJ", "POS"}:
            break
        k -= 1
    return str(doc[k : ent.start - 1].text)


def _apposition_after(doc: Doc, ent: Span) -> str:
    if not doc.has_annotation("DEP"):
        return ""
    appos = next((c for c in ent.root.children if c.dep_ == "appos"), None)
    if appos is None or appos.lower_ not in _ROLE_WORDS:
        return ""
    words = [t for t in appos.subtree if t.i <= appos.i and t.dep_ != "det" and not t.is_punct]
    return " ".join(t.text for t in words)


def _gender_of(role: str, doc: Doc, ent: Span) -> str:
    words = {w.lower().strip(".") for w in role.split()}
    if ent.start > 0:
        words.add(doc[ent.start - 1].lower_.strip("."))
    if words & FEMALE_WORDS:
        return "f"
    if words & MALE_WORDS:
        return "m"
    return ""
