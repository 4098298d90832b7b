"""Rules 1.5: who a claim is about, and when, read from the parse (which sentences that may
hold an attribution get). Sentences written for these tests (not copied from any eval
article)."""

from __future__ import annotations

import datetime as dt

from reportedly.backends.base import Article
from reportedly.backends.rules.claims import extract
from reportedly.schema import Document, Draft

from tests.test_rules_clauses import only

PUBLISHED = dt.date(2026, 3, 4)  # a Wednesday


def run(text: str) -> Draft:
    return extract(Article(document=Document(text=text), clean_text=text, published=PUBLISHED))


def test_a_place_that_only_modifies_a_noun_is_not_an_actor() -> None:
    draft = run("Police said Ann Lee crashed a tanker on an Ohio highway.")
    assert "Ohio" not in draft.claims[0].who
    assert "Ann Lee" in draft.claims[0].who


def test_a_place_in_a_title_or_after_a_town_is_not_an_actor() -> None:
    text = (
        "Reporters said Denver District Attorney Mark Olsen charged Ben Ortiz. "
        "Police said Ben Ortiz comes from Aurora, Colorado."
    )
    draft = run(text)
    charged = only(draft, "charged")
    assert "Denver" not in charged.who
    assert {"Mark Olsen", "Ben Ortiz"} <= set(charged.who)
    assert "Colorado" not in only(draft, "comes from").who


def test_an_employer_given_for_a_person_is_not_an_actor() -> None:
    draft = run("Officials said Ann Lee of the University of Leeds met Omar Haddad in Rome.")
    who = draft.claims[0].who
    assert "University of Leeds" not in who
    assert {"Ann Lee", "Omar Haddad"} <= set(who)


def test_a_state_or_body_that_acts_stays_an_actor() -> None:
    text = (
        "Bankers said the French government froze the accounts. "
        "Canada reportedly expelled two diplomats."
    )
    draft = run(text)
    assert only(draft, "froze").who == ["France"]
    assert only(draft, "expelled").who == ["Canada"]


def test_a_pronoun_subject_is_the_person_it_stands_for() -> None:
    draft = run("Maria Costa was arrested on Monday. Police said she was charged with fraud.")
    assert only(draft, "charged").who == ["Maria Costa"]


def test_a_group_doing_something_is_the_actor_not_the_group_it_acts_on() -> None:
    draft = run("Officials said rescuers pulled ten survivors from the flooded tunnel.")
    assert draft.claims[0].who == ["rescuers"]


def test_the_time_of_a_report_stands_in_when_the_words_reported_give_none() -> None:
    draft = run("Police said on Monday that the bridge was unsafe.")
    timeframe = draft.claims[0].timeframe
    assert timeframe.text == "on Monday"
    assert timeframe.start == dt.date(2026, 3, 2)


def test_the_words_reported_keep_their_own_time() -> None:
    draft = run("Police said on Monday that the bridge would reopen in May.")
    assert draft.claims[0].timeframe.text == "in May"


def test_a_time_in_a_clause_of_its_own_is_not_the_reports() -> None:
    draft = run("With the election coming in 2030, the minister said that reform was overdue.")
    assert draft.claims[0].timeframe.text is None
