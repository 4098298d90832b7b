"""Attribution in one parsed sentence: who says (or believes) what.

Three shapes cover most news prose:

* a cue verb with a subject: "Lee told reporters ...", "..., said a spokeswoman for ...",
  "The NIS report suggests that ...", "Branson stated ... and believed ..." (a conjoined cue
  inherits the subject), "with Li Yuecheng saying ..." (a participle takes its own or the
  main clause's subject);
* "according to X" anywhere in the sentence;
* a sentence that is only a quotation, continuing the previous speaker (handled by the caller).

Cues inside quotation marks belong to the quote ("I was thinking ..."), and a cue inside
another cue's content ("Lee said the NIS believes ...") is part of that content: the outer
speaker is the source, the inner verb only lowers confidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from reportedly.backends.rules.lexicon import (
    ALLEGE,
    ANNOUNCE,
    BELIEF,
    BELIEF_NOUNS,
    BELIEF_OBJECTS,
    CLAIM_NOUNS,
    CUES,
    DISAGREE,
    HEARSAY_ADVERBS,
    HEARSAY_NOUNS,
    QUOTE_CUES,
    expand,
)

Token = Any
Doc = Any

_QUOTES_OPEN = {'"', "\u201c", "``"}
_QUOTE_CHARS = "\"\u201c\u201d'\u2018\u2019"
_PASSIVE_HEDGES = frozenset(
    {
        "said",
        "thought",
        "believed",
        "reported",
        "expected",
        "understood",
        "estimated",
        "rumoured",
        "rumored",
        "alleged",
        "suspected",
        "feared",
    }
)
_SUBJECTS = ("nsubj", "nsubjpass")
_WITHHOLD = expand("decline refuse fail")
_NOT_SPEAKERS = frozenset(
    {"it", "i", "we", "you", "there", "this", "that", "which", "who", "what", "they"}
)
_COMPLEMENTS = ("ccomp", "xcomp")


@dataclass
class Attribution:
    speaker: Token | None  # head of the speaker's noun phrase
    speaker_tokens: list[Token] | None  # for "according to X": X's phrase
    cue: Token | None
    content: list[Token]  # tokens of what is claimed (empty: the whole clause is the claim)
    clause: tuple[int, int]  # token range [i, j) the evidence quote covers
    belief: bool = False
    whole: bool = False  # "China announced X": the claim is the clause itself
    hearsay: bool = False  # "amid reports of X": nobody owns it
    nested: list[Token] = field(default_factory=list)


# Quote-only cues need quotation marks, which send a sentence to the parser anyway.
# Hearsay adverbs too: the parser finds the verb "reportedly" hangs on.
_TRIGGERS = (
    (CUES - QUOTE_CUES)
    | ANNOUNCE
    | CLAIM_NOUNS
    | HEARSAY_NOUNS
    | HEARSAY_ADVERBS
    | DISAGREE
    | {"according"}
)
_WORD = re.compile(r"[a-z]+")


def may_attribute(sentence: str) -> bool:
    """Could this sentence hold an attribution? Only those get the dependency parser."""
    if any(q in sentence for q in '"\u201c\u201d'):
        return True
    return not _TRIGGERS.isdisjoint(_WORD.findall(sentence.lower()))


def quoted_mask(doc: Doc) -> list[bool]:
    """Which tokens sit inside quotation marks (computed once per sentence)."""
    cached: list[bool] | None = doc.user_data.get("quoted")
    if cached is not None:
        return cached
    mask = [False] * len(doc)
    if any(q in doc.text for q in '"\u201c\u201d'):
        inside = False
        for t in doc:
            text, tag = t.text, t.tag_
            if text == "\u201c" or (text == '"' and not inside) or tag == "``":
                inside = True
                mask[t.i] = True
            elif text == "\u201d" or (text == '"' and inside) or tag == "''":
                mask[t.i] = True
                inside = False
            else:
                mask[t.i] = inside
    doc.user_data["quoted"] = mask
    return mask


def subject_of(verb: Token) -> Token | None:
    """The verb's own subject (active or passive), if the parse gives it one."""
    for child in verb.children:
        if child.dep_ in _SUBJECTS:
            return child
    return None


def _subtree(token: Token) -> list[Token]:
    return sorted(token.subtree, key=lambda t: t.i)


def trim(doc: Doc, i: int, j: int) -> tuple[int, int]:
    """Shrink a token range so it neither starts nor ends on a comma or conjunction."""
    while i < j and ((doc[i].is_punct and doc[i].text not in _QUOTE_CHARS) or doc[i].dep_ == "cc"):
        i += 1
    while j > i and (doc[j - 1].text in {",", ";", ":", "-", "\u2014"} or doc[j - 1].dep_ == "cc"):
        j -= 1
    return i, j


def _balance_quotes(doc: Doc, i: int, j: int) -> tuple[int, int]:
    """Include a closing quote mark right after the range if the range opened one."""
    text = doc[i:j].text
    opened = text.count("\u201c") > text.count("\u201d") or text.count('"') % 2 == 1
    if opened and j < len(doc) and doc[j].text in {"\u201d", '"'}:
        j += 1
    return i, j


def cue_subject(cue: Token) -> Token | None:
    subject = subject_of(cue)
    if subject is None and _trailing_participle(cue):
        # "X described how the fire spread, saying ...": set off by a comma, the participle
        # speaks for the main clause's subject, wherever the parser hung it.
        root = next(t for t in cue.doc if t.dep_ == "ROOT")
        subject = subject_of(root) if root.i != cue.i else None
        if subject is not None:
            return subject
    hop = cue
    # A conjoined or participial cue borrows the subject of the verb it hangs on.
    while subject is None and hop.dep_ in {"conj", "advcl", "xcomp"} and hop.head.i != hop.i:
        hop = hop.head
        subject = subject_of(hop)
    return subject


def _trailing_participle(cue: Token) -> bool:
    return bool(cue.tag_ == "VBG" and cue.dep_ == "advcl" and cue.doc[cue.i - 1].text == ",")


def _content(cue: Token, mask: list[bool]) -> list[Token]:
    comps = [c for c in cue.children if c.dep_ in _COMPLEMENTS]
    tokens: list[Token] = []
    for c in comps:
        tokens.extend(_subtree(c))
    obj = next((c for c in cue.children if c.dep_ == "dobj"), None)
    if obj is not None and _object_is_content(cue, obj, comps):
        tokens.extend(_subtree(obj))
    if not comps and cue.dep_ == "parataxis":
        tokens = _parenthetical(cue)
    quoted = [t for t in cue.doc if mask[t.i]]
    # A quotation the complement sits in (or a quote with no complement) is the content:
    # the parser often attaches only the quote's last sentence to the verb. So is a quote
    # after the cue when all else the parse offers is the words before the cue (the
    # speaker's: "X of Y, Z disagreed with this: "...").
    after = bool(quoted) and quoted[0].i > cue.i
    if quoted and all(mask[t.i] or t.is_punct or (after and t.i < cue.i) for t in tokens):
        return quoted
    return sorted(tokens, key=lambda t: t.i)


def _object_is_content(cue: Token, obj: Token, comps: list[Token]) -> bool:
    """ "indicated a probe is ongoing" (the parser makes "a probe" the object and "is ongoing"
    a subjectless clause), or "reports suggest a criminal act": the object is part of what
    is claimed."""
    headless = [c for c in comps if c.dep_ == "ccomp" and c.i > obj.i and subject_of(c) is None]
    if headless:
        return True
    return not comps and cue.lower_ in BELIEF_OBJECTS and len(list(obj.subtree)) >= 3


def _parenthetical(cue: Token) -> list[Token]:
    """ "These orcas, she suggested, hunt sharks": the sentence around a cue set off by
    commas is what the cue's subject claims."""
    doc = cue.doc
    lo, hi = cue.left_edge.i, cue.right_edge.i
    while lo > 0 and doc[lo - 1].text in {",", "\u2014", "-"}:
        lo -= 1
    while hi + 1 < len(doc) and doc[hi + 1].text in {",", "\u2014", "-"}:
        hi += 1
    return [t for t in doc if not lo <= t.i <= hi]


def find(doc: Doc, they: bool = False) -> list[Attribution]:
    """Attributions in a sentence, outermost first, in reading order; `they`: "they said"
    counts, because the caller knows whom it can mean."""
    mask = quoted_mask(doc)
    found: list[Attribution] = []
    for t in doc:
        if mask[t.i]:
            continue
        if t.lower_ == "according" and t.i + 1 < len(doc) and doc[t.i + 1].lower_ == "to":
            att = _according(doc, t)
            if att is not None:
                found.append(att)
            continue
        if t.lower_ in CLAIM_NOUNS and t.tag_.startswith("NN"):
            att = _claim_noun(t)
            if att is not None:
                found.append(att)
            continue
        if not t.tag_.startswith("VB") or (t.lower_ not in CUES and t.lower_ not in ANNOUNCE):
            continue
        att = _cue_verb(t, mask, they)
        if att is not None:
            found.append(att)
    _keep_to_own_clause(doc, found, mask)
    found = _relay_beliefs(found)
    found = _drop_nested(found)
    if not found:
        hearsay = _hearsay(doc)
        if hearsay is not None:
            found.append(hearsay)
    _set_clauses(doc, found)
    return found


def _cue_verb(t: Token, mask: list[bool], they: bool = False) -> Attribution | None:
    passive = any(c.dep_ == "auxpass" for c in t.children)
    if passive:
        agent = next((c for c in t.children if c.dep_ == "agent"), None)
        pobj = next((c for c in agent.children if c.dep_ == "pobj"), None) if agent else None
        if pobj is None:
            return None  # "are said to", "is thought": a hedge, not a source
        subject: Token | None = pobj
    else:
        subject = cue_subject(t)
    if subject is None or _not_speaker(subject, they):
        return None
    if _denied(t):
        return None
    content = _content(t, mask) if t.lower_ in CUES else []
    if t.lower_ in QUOTE_CUES and not any(mask[c.i] for c in content):
        if t.lower_ in DISAGREE and _main_verb(t) and _prep(t, "with"):
            return Attribution(subject, None, t, [], (0, 0), whole=True)
        return None
    if content and content[0].lower_ in {"whether", "if"}:
        return None  # "declined to say whether X": X is not asserted
    if len([c for c in content if not c.is_punct]) >= 3:
        held = t.lower_ in BELIEF or t.lower_ in ALLEGE
        return Attribution(subject, None, t, content, (0, 0), belief=held)
    # A speech act is the claim only as the sentence's main verb ("China announced X"); as a
    # participle ("..., blaming weak demand") it trails the reporter's own sentence.
    if t.lower_ in ANNOUNCE and _main_verb(t) and any(c.dep_ == "dobj" for c in t.children):
        return Attribution(subject, None, t, [], (0, 0), whole=True)
    return None


def _main_verb(t: Token) -> bool:
    return bool(t.dep_ == "ROOT" or (t.dep_ == "conj" and t.head.dep_ == "ROOT"))


def _prep(t: Token, word: str) -> bool:
    return any(c.dep_ == "prep" and c.lower_ == word for c in t.children)


def _not_speaker(subject: Token, they: bool) -> bool:
    return subject.lower_ in _NOT_SPEAKERS and not (they and subject.lower_ == "they")


def _denied(cue: Token) -> bool:
    """ "did not say", "declined to say", "refused to confirm": nothing is asserted."""
    if any(c.dep_ == "neg" for c in cue.children):
        return True
    head = cue.head
    return cue.dep_ == "xcomp" and (
        head.lower_ in _WITHHOLD or any(c.dep_ == "neg" for c in head.children)
    )


def _claim_noun(noun: Token) -> Attribution | None:
    """ "X has issued a stark warning that Y may ...": X claims Y."""
    clause = next((c for c in noun.children if c.dep_ in {"acl", "ccomp"}), None)
    if clause is None or not any(c.dep_ == "mark" and c.lower_ == "that" for c in clause.children):
        return None
    verb = noun.head
    if noun.dep_ not in {"dobj", "attr"} or not verb.tag_.startswith("VB"):
        return None
    subject = cue_subject(verb)
    if subject is None or subject.lower_ in _NOT_SPEAKERS:
        return None
    content = _subtree(clause)
    belief = noun.lower_ in BELIEF_NOUNS
    return Attribution(subject, None, verb, content, (0, 0), belief=belief)


def _hearsay(doc: Doc) -> Attribution | None:
    """ "amid reports of X doing Y", "there have been reports that ...": unnamed, second-hand."""
    for t in doc:
        if t.lower_ not in HEARSAY_NOUNS or t.tag_ != "NNS":
            continue
        if any(c.dep_ in {"poss", "compound"} or c.tag_ == "NNP" for c in t.children):
            continue
        if t.dep_ == "attr" or (t.dep_ == "pobj" and t.head.lower_ in {"amid", "despite", "after"}):
            return Attribution(None, [t], None, list(doc), (0, len(doc)), hearsay=True)
    return None


def _relay_beliefs(found: list[Attribution]) -> list[Attribution]:
    """ "Lee said the NIS believes X": the belief's holder is the source, not the relayer."""
    out = list(found)
    for outer in found:
        for inner in found:
            if (
                inner is not outer
                and outer.cue is not None
                and inner.cue is not None
                and inner.belief
                and inner.cue.dep_ == "ccomp"
                and inner.cue.head.i == outer.cue.i
                and inner.speaker is not None
                and any(x.tag_.startswith("NNP") for x in inner.speaker.subtree)
                and outer in out
            ):
                out.remove(outer)
    return out


def _according(doc: Doc, according: Token) -> Attribution | None:
    to = doc[according.i + 1]
    objects = [c for c in to.children if c.dep_ == "pobj"] or [
        c for c in according.children if c.dep_ == "pobj"
    ]
    if not objects:
        return None
    phrase = {according.i, to.i}
    for obj in objects:
        phrase |= {x.i for x in obj.subtree}
    lo, hi = min(phrase), max(phrase) + 1
    content = [x for x in doc if not (lo <= x.i < hi)]
    while content and content[0].is_punct and content[0].text not in _QUOTE_CHARS:
        content = content[1:]
    if len([c for c in content if not c.is_punct]) < 3:
        return None
    # "(UK) National Rail Enquires": the object that is a name, else the last one.
    named = [o for o in objects if o.ent_type_ in {"PERSON", "ORG"}]
    speaker = named[-1] if named else objects[-1]
    return Attribution(speaker, None, according, content, (0, len(doc)))


def _keep_to_own_clause(doc: Doc, found: list[Attribution], mask: list[bool]) -> None:
    """ "X denies A; according to Y, B": the parser often hangs the clause before a semicolon
    on the verb after it, so one cue's content would swallow the other cue. What a cue
    introduces stops at a semicolon outside quotation marks."""
    semis = [t.i for t in doc if t.text == ";" and not mask[t.i]]
    if not semis:
        return
    for a in found:
        if a.cue is None:
            continue
        lo = max((k + 1 for k in semis if k < a.cue.i), default=0)
        hi = min((k for k in semis if k > a.cue.i), default=len(doc))
        # Nothing left on the cue's side ("reports describe speculation ..." once the parse
        # hung "X denies ..." on it): its own clause is what it says.
        a.content = [t for t in a.content if lo <= t.i < hi] or list(doc[lo:hi])


def _drop_nested(found: list[Attribution]) -> list[Attribution]:
    """A cue inside another attribution's content is part of that content."""
    out = []
    for a in found:
        holder = next(
            (
                b
                for b in found
                if b is not a and a.cue is not None and a.cue.i in {t.i for t in b.content}
            ),
            None,
        )
        if holder is not None:
            holder.nested.append(a.cue)
            continue
        out.append(a)
    return out


def _set_clauses(doc: Doc, found: list[Attribution]) -> None:
    """Evidence ranges: the whole sentence, unless several cues split it into clauses."""
    if len(found) <= 1:
        for a in found:
            a.clause = (0, len(doc))
        return
    cues = {a.cue.i for a in found if a.cue is not None}
    for a in found:
        if a.cue is None or a.cue.lower_ == "according":
            a.clause = (0, len(doc))
            continue
        keep = {x.i for x in a.cue.subtree}
        cut = len(doc)
        for child in a.cue.children:
            if child.dep_ == "conj" and any(x.i in cues for x in child.subtree):
                keep -= {x.i for x in child.subtree}
                cut = min(cut, child.left_edge.i)
        if a.speaker is not None and a.cue.dep_ != "conj" and a.speaker.i not in keep:
            keep |= {x.i for x in a.speaker.subtree}
        keep = {k for k in keep if k < cut}
        i, j = trim(doc, min(keep), max(keep) + 1)
        a.clause = _balance_quotes(doc, i, j)
