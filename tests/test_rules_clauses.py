"""Rules 1.4: one claim per proposition inside a segmented sentence, and hearsay in the
reporter's voice. Sentences written for these tests (not copied from any eval article)."""

from __future__ import annotations

from reportedly.backends.base import Article
from reportedly.backends.rules.claims import extract
from reportedly.schema import Document, Draft, DraftClaim


def run(text: str) -> Draft:
    return extract(Article(document=Document(text=text), clean_text=text, published=None))


def only(draft: Draft, containing: str) -> DraftClaim:
    found = [c for c in draft.claims if containing in c.evidence[0].text]
    assert len(found) == 1, [c.evidence for c in draft.claims]
    return found[0]


def test_quote_introduced_by_its_speaker_is_one_claim_per_sentence() -> None:
    text = (
        'Harbour master Elena Ruiz said, "The pier will stay shut this week. '
        'Divers found cracks in two pillars. We might reopen it in spring."'
    )
    draft = run(text)
    assert len(draft.claims) == 3
    assert all(c.source.name.startswith("Elena Ruiz") for c in draft.claims)
    first, second, third = draft.claims
    assert first.evidence[0].text.startswith("Harbour master Elena Ruiz said")
    assert second.evidence[0].text == "Divers found cracks in two pillars."
    assert second.confidence == "high"
    assert third.confidence == "low"  # each sentence keeps its own hedge


def test_semicolon_before_another_attribution_splits_the_sources() -> None:
    text = (
        "The ferry company denies the engine failed; according to the coastguard, "
        "the crew sent a distress call at noon."
    )
    draft = run(text)
    assert len(draft.claims) == 2
    denial = only(draft, "ferry company")
    call = only(draft, "distress call")
    assert denial.evidence[0].text == "The ferry company denies the engine failed"
    assert call.source.name.lower() == "coastguard"


def test_semicolon_in_the_reporters_own_account_stays_one_claim() -> None:
    text = "The first appeal failed; the court sent the case back to the tribunal."
    draft = run(text)
    assert len(draft.claims) == 1
    assert draft.claims[0].source.type == "author"


def test_but_with_a_new_subject_splits_the_reporter_from_the_source() -> None:
    text = (
        "The tenant moved out in March, but the landlord's lawyers have claimed "
        "the flat was left damaged."
    )
    draft = run(text)
    assert len(draft.claims) == 2
    moved = only(draft, "moved out")
    assert moved.source.type == "author"
    assert "lawyers" not in moved.evidence[0].text
    assert only(draft, "lawyers").source.type != "author"


def test_and_without_comma_keeps_one_event_whole() -> None:
    draft = run("Three carriages left the rails and two of them rolled down the slope.")
    assert len(draft.claims) == 1


def test_reportedly_in_the_reporters_voice_is_an_unnamed_medium_claim() -> None:
    claim = only(run("The suspect reportedly fled across the border on a stolen scooter."), "fled")
    assert claim.source.type == "unnamed"
    assert claim.confidence == "medium"


def test_accused_without_an_accuser_is_unnamed_hearsay() -> None:
    claim = only(run("The builder is accused of skipping safety checks on the tower."), "accused")
    assert claim.source.type == "unnamed"
    assert claim.confidence == "medium"


def test_allegedly_on_a_subordinate_verb_leaves_the_main_fact_to_the_reporter() -> None:
    text = "A second man has been charged for allegedly selling the boat to the smugglers."
    claim = only(run(text), "charged")
    assert claim.source.type == "author"


def test_semicolon_bounds_what_each_cue_introduces() -> None:
    text = (
        "The ministry denies the two fires are linked; according to firefighters, "
        "the second blaze started in a kitchen."
    )
    draft = run(text)
    denial = only(draft, "denies")
    assert denial.source.name.lower() == "ministry" or "ministry" in denial.source.name.lower()
    assert denial.evidence[0].text == "The ministry denies the two fires are linked"
    assert only(draft, "kitchen").source.name.lower() == "firefighters"


def test_rank_titles_before_a_name_make_a_person() -> None:
    claim = only(run("Detective Constable Mara Quill stated that the van was stolen."), "van")
    assert claim.source.type == "person"
    assert claim.source.name.startswith("Mara Quill")


def test_a_definite_office_with_a_proper_name_names_itself() -> None:
    text = (
        "The Lakeside Yacht Club opened a new pier. "
        "The Keswick Sheriff's Office said the lake road was closed."
    )
    claim = only(run(text), "lake road")
    assert claim.source.type == "government"
    assert "Sheriff's Office" in claim.source.name


def test_a_persons_own_lawyers_are_a_person_source() -> None:
    text = "Tom Varley was charged on Monday. His lawyers argued he acted in self-defence."
    claim = only(run(text), "lawyers")
    assert claim.source.type == "person"
    assert claim.confidence == "high"


def test_speech_acts_whose_object_is_the_claim() -> None:
    text = "A neighbour, Rosa Imber, described thick smoke and a loud bang."
    assert only(run(text), "smoke").source.name.startswith("Rosa Imber")
    text = "Ivo Brandt, a planner, disagreed with the council's traffic figures."
    assert only(run(text), "figures").source.name.startswith("Ivo Brandt")
    text = "Ivo Brandt contended the figures were out of date."
    assert only(run(text), "contended").source.name.startswith("Ivo Brandt")


def test_speculating_is_low() -> None:
    claim = only(run("The engineers speculated the cable snapped in the cold."), "cable")
    assert claim.confidence == "low"


def test_an_outlet_relaying_its_anonymous_source_is_medium() -> None:
    text = "The Daily Courier reported its source said the mayor had resigned."
    claim = only(run(text), "resigned")
    assert claim.source.name == "Daily Courier"
    assert claim.confidence == "medium"


def test_he_prefers_the_subject_his_sentence_led_with() -> None:
    text = (
        "Paul Okafor and Dana Wells were questioned. "
        "Okafor denied the theft, but after reading Wells's statement he admitted taking the car."
    )
    claim = only(run(text), "he admitted")
    assert claim.source.name.startswith("Paul Okafor")


def test_a_surname_the_tagger_missed_still_leads_for_the_next_pronoun() -> None:
    text = (
        "Paul Okafor met the actor Sir John Hale in May. "
        "Okafor was 19 at the time. He said the car was not his."
    )
    assert only(run(text), "He said").source.name.startswith("Paul Okafor")


def test_a_clause_with_its_own_subject_inside_what_is_said_is_a_second_claim() -> None:
    text = (
        "Constable Gary Lund said the drug spread in the town because it was cheap "
        "and colours such as green were used as a brand by dealers."
    )
    draft = run(text)
    assert len(draft.claims) == 2
    assert all(c.source.name.startswith("Gary Lund") for c in draft.claims)
    assert draft.claims[1].claim.startswith("Colours such as green")


def test_an_act_and_a_statement_sharing_a_subject_are_two_claims() -> None:
    text = "The embassy declined the request and said the family left on official advice."
    draft = run(text)
    assert len(draft.claims) == 2
    said = only(draft, "family left")
    assert "embassy" in said.source.name.lower()
    assert "family" not in only(draft, "declined").evidence[0].text


def test_a_quote_after_a_stance_is_split_per_sentence_with_its_speaker() -> None:
    text = (
        'Rita Osei, a marine biologist, disagreed with the survey: "The reef is '
        'recovering. It is unlikely, in my view, that trawling caused the damage."'
    )
    draft = run(text)
    assert len(draft.claims) == 2
    assert all(c.source.name.startswith("Rita Osei") for c in draft.claims)
    assert draft.claims[1].confidence == "medium"


def test_court_papers_are_document_sources() -> None:
    text = (
        "The Harlow Residents Association sued the council. "
        "The complaint states that the road floods every winter."
    )
    claim = only(run(text), "floods")
    assert claim.source.type == "document"
    assert claim.source.name == "complaint"


def test_an_outlet_named_in_apposition_and_later_as_the_website() -> None:
    text = (
        "One news site, Harbourwatch.com, claims the ferry was overloaded. "
        "The website further reported the captain had resigned."
    )
    first = only(run(text), "overloaded")
    later = only(run(text), "resigned")
    assert first.source.name == later.source.name == "Harbourwatch.com"
    assert first.source.type == later.source.type == "media"


def test_an_outlet_relaying_unnamed_sources_in_its_own_words_is_medium() -> None:
    text = "The Daily Courier claims police sources have linked the two fires."
    assert only(run(text), "linked").confidence == "medium"


def test_a_trailing_participle_speaks_for_the_main_subject() -> None:
    text = (
        'A neighbour watched from her balcony as the blaze spread, saying, "The roof went first."'
    )
    claim = only(run(text), "roof")
    assert claim.source.name.lower() == "neighbour"


def test_each_clause_keeps_the_reporters_part_beside_a_participle_cue() -> None:
    text = (
        "The ferry service was halted on Friday, with captain Lena Ortiz saying the swell "
        "was too high, and crews began repairs on the jetty."
    )
    draft = run(text)
    texts = [c.evidence[0].text for c in draft.claims]
    assert "The ferry service was halted on Friday" in texts
    assert only(draft, "crews began").source.type == "author"


def test_informed_reports_what_was_said() -> None:
    claim = only(run("Jana Holt informed police that she had sold the boat in May."), "boat")
    assert claim.source.name.startswith("Jana Holt")


def test_a_conjoined_verb_inside_a_quote_stays_in_its_sentence() -> None:
    text = 'The agency said such cases "receive close attention and are reviewed by a panel".'
    assert len(run(text).claims) == 1


def test_a_named_places_office_holder_is_a_person() -> None:
    text = (
        "The storm hit Ohio on Monday. Ohio's governor has promised each family will "
        "receive a grant."
    )
    claim = only(run(text), "grant")
    assert claim.source.type == "person"
    assert claim.confidence == "high"


def test_a_hedge_on_a_gerund_labels_the_charge() -> None:
    text = "A second man has been charged for allegedly selling the boat to the smugglers."
    assert only(run(text), "charged").confidence == "high"


def test_legislators_speak_as_an_institution() -> None:
    text = "State legislators backing the bill argued it would cut fraud."
    claim = only(run(text), "fraud")
    assert claim.source.type == "unnamed"
    assert claim.confidence == "high"


def test_a_possessor_does_not_lead_its_sentence() -> None:
    text = (
        "Ben Ortiz was hit by a van on Friday. "
        "Ortiz's coach, Maria Lopez, arrived later, and she said the driver fled."
    )
    claim = only(run(text), "driver fled")
    assert claim.source.name.startswith("Maria Lopez")
