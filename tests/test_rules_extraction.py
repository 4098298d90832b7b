"""The rules extractor on sentences written for these tests (not copied from the samples)."""

from __future__ import annotations

import datetime as dt

import pytest
from reportedly.backends.base import Article
from reportedly.backends.rules.claims import extract
from reportedly.schema import Document, Draft, DraftClaim


def run(text: str, published: dt.date | None = None, title: str | None = None) -> Draft:
    return extract(
        Article(document=Document(text=text), clean_text=text, title=title, published=published)
    )


def only(draft: Draft, containing: str) -> DraftClaim:
    found = [c for c in draft.claims if containing in c.evidence[0].text]
    assert len(found) == 1, [c.evidence for c in draft.claims]
    return found[0]


def test_spokeswoman_for_unnamed_body_after_quote_is_unnamed() -> None:
    draft = run('"Two men were arrested at the scene," said a spokeswoman for the police.')
    claim = only(draft, "Two men")
    assert claim.source.type == "unnamed"
    assert "spokeswoman" in claim.source.name
    assert claim.claim == "Two men were arrested at the scene."
    # an unnamed account is not stated as fact
    assert claim.confidence == "medium"


def test_officials_said_is_unnamed() -> None:
    claim = only(run("Officials said the northern road would remain closed until Friday."), "road")
    assert claim.source.type == "unnamed"
    assert claim.source.name.lower() == "officials"


def test_named_minister_believing_is_a_person_with_medium_confidence() -> None:
    draft = run("The minister, John Smith, said he believed the new plan would fail.")
    claim = only(draft, "John Smith")
    assert claim.source.type == "person"
    assert claim.source.name.split(",")[0] == "John Smith"
    assert claim.confidence == "medium"


@pytest.mark.parametrize("hedge", ["may", "could", "might"])
def test_modal_hedges_make_a_claim_low(hedge: str) -> None:
    draft = run(f"Doctors at the clinic said the outbreak {hedge} spread to nearby towns.")
    assert only(draft, "outbreak").confidence == "low"


def test_plain_statement_by_named_person_is_high() -> None:
    draft = run("Harbour master Elena Ruiz said the ferry left the port on time.")
    claim = only(draft, "ferry")
    assert claim.source.type == "person"
    assert claim.source.name.startswith("Elena Ruiz")
    assert claim.confidence == "high"
    assert claim.claim == "The ferry left the port on time."


def test_according_to_the_report_is_a_document() -> None:
    draft = run("According to the report, water use rose by a third in the dry months.")
    claim = only(draft, "water use")
    assert claim.source.type == "document"
    assert "report" in claim.source.name
    assert claim.claim.startswith("Water use rose by a third")


def test_according_to_a_named_body() -> None:
    draft = run("Prices fell sharply last year, according to the Ministry of Finance.")
    claim = only(draft, "Prices")
    assert claim.source.type == "government"
    assert "Ministry of Finance" in claim.source.name


def test_pronoun_resolves_to_the_last_named_person() -> None:
    text = (
        "Maria Lopez has run the shelter for ten years. "
        "She said the building needs a new roof before winter."
    )
    claim = only(run(text), "She said")
    assert claim.source == claim.source.model_copy(update={"name": "Maria Lopez"})
    assert claim.source.type == "person"


def test_claim_text_replaces_bare_pronouns_with_names() -> None:
    text = "Tom Baker founded the club in 1990. He said his team would win the league."
    claim = only(run(text), "He said")
    assert claim.source.name == "Tom Baker"
    assert "Tom Baker's team" in claim.claim
    assert " his " not in f" {claim.claim} "


def test_two_cues_in_one_sentence_are_two_claims_by_the_same_source() -> None:
    text = "Mayor Ann Cole stated that the budget was balanced, and believed taxes would fall."
    draft = run(text)
    assert len(draft.claims) == 2
    stated, believed = draft.claims
    assert {stated.source.name.split(",")[0], believed.source.name.split(",")[0]} == {"Ann Cole"}
    assert stated.confidence == "high"
    assert believed.confidence == "medium"
    assert "taxes" not in stated.evidence[0].text
    assert "budget" not in believed.evidence[0].text


def test_passive_said_to_is_medium() -> None:
    draft = run("Three climbers are said to be missing on the glacier, a park ranger said.")
    claim = only(draft, "climbers")
    assert claim.confidence == "medium"
    assert claim.source.type == "unnamed"


def test_reporter_voice_is_author_and_questions_captions_headings_are_skipped() -> None:
    text = (
        "Factory Workers Celebrate New Contract\n"
        "The factory employs 300 people in the valley.\n"
        "Workers at the gate on Monday morning\n"
        "What happens next?\n"
    )
    draft = run(text)
    assert [c.evidence[0].text for c in draft.claims] == [
        "The factory employs 300 people in the valley."
    ]
    claim = draft.claims[0]
    assert claim.source.name == "author" and claim.source.type == "author"
    assert claim.confidence == "high"
    assert draft.headline == "Factory Workers Celebrate New Contract"


def test_timeframe_range_of_months_resolves_against_published() -> None:
    draft = run(
        "The company may open a second plant as early as July or August, its chief said.",
        published=dt.date(2025, 6, 26),
    )
    tf = only(draft, "second plant").timeframe
    assert tf.text == "as early as July or August"
    assert (tf.start, tf.end) == (dt.date(2025, 7, 1), dt.date(2025, 8, 31))


def test_timeframe_without_published_keeps_text_only() -> None:
    draft = run("The company may open a second plant as early as July or August, its chief said.")
    tf = only(draft, "second plant").timeframe
    assert tf.text == "as early as July or August"
    assert tf.start is None and tf.end is None


def test_dateline_is_not_part_of_the_claim() -> None:
    draft = run("LISBON, March 3: The city council approved a new tram line.")
    claim = draft.claims[0]
    assert claim.claim == "The city council approved a new tram line."
    assert not claim.evidence[0].text.startswith("LISBON")


def test_headline_prefers_title_and_summary_takes_lead_sentences() -> None:
    text = (
        "The river rose two metres overnight. Dozens of homes were evacuated. "
        "The army sent boats to the lower town. Rain is forecast to ease on Sunday."
    )
    draft = run(text, title="Floods hit the valley")
    assert draft.headline == "Floods hit the valley"
    assert draft.summary.startswith("The river rose two metres overnight. Dozens of homes")
    assert "Rain is forecast" not in draft.summary
    assert run(text).headline is None


def test_continuing_quote_keeps_the_speaker() -> None:
    text = (
        '"The water came in through the floor," said a resident, Paolo Verdi. '
        '"We lost everything in the kitchen."'
    )
    draft = run(text)
    assert len(draft.claims) == 2
    assert all(c.source.name.startswith("Paolo Verdi") for c in draft.claims)
    assert draft.claims[1].claim == "We lost everything in the kitchen."


def test_multi_sentence_quote_stays_one_claim_with_its_attribution() -> None:
    text = (
        '"We have closed the bridge. Engineers will inspect it tomorrow," '
        "said a spokesman for Harlow Council, Dev Patel."
    )
    draft = run(text)
    assert len(draft.claims) == 1
    claim = draft.claims[0]
    assert claim.evidence[0].text == text
    assert claim.source.type == "person" and claim.source.name.startswith("Dev Patel")


def test_definite_description_resolves_to_the_body_named_before() -> None:
    text = (
        "The Coastal Infrastructure Trust published its review on Monday. "
        "The trust said construction might not begin until 2027."
    )
    claim = only(run(text), "The trust said")
    assert claim.source.name == "Coastal Infrastructure Trust"
    assert claim.source.type == "organization"
    assert claim.confidence == "low"


def test_the_agency_resolves_to_the_last_named_organisation() -> None:
    text = (
        "The European Space Agency launched the probe in 2019. "
        "The agency said the probe had reached its orbit."
    )
    claim = only(run(text), "The agency said")
    assert claim.source.name == "European Space Agency"
    assert claim.source.type == "government"


@pytest.mark.parametrize(
    "sentence",
    [
        "A ministry spokesman declined to say whether funding had been approved.",
        "The mayor did not say that the budget was approved.",
    ],
)
def test_withheld_or_negated_statements_assert_nothing(sentence: str) -> None:
    claim = run(sentence).claims[0]
    # no claim puts "funding had been approved" in someone's mouth
    assert claim.source.type == "author"
    assert claim.evidence[0].text == sentence


def test_hedged_relative_clause_is_split_from_the_reporters_fact() -> None:
    text = (
        "Forty workers were taken to the Harbour Clinic, "
        "where two of them are said to be in a serious condition."
    )
    draft = run(text)
    assert len(draft.claims) == 2
    fact, hearsay = draft.claims
    assert (fact.source.type, fact.confidence) == ("author", "high")
    assert fact.claim == "Forty workers were taken to the Harbour Clinic."
    assert (hearsay.source.type, hearsay.confidence) == ("unnamed", "medium")
    assert hearsay.claim.startswith("Two of them are said to be")
    assert all(text[q.start : q.end] == q.text for c in draft.claims for q in c.evidence)


def test_title_led_name_and_its_later_surname_and_pronoun_are_one_person() -> None:
    text = (
        "Chief Financial Officer Anja Richter told analysts the second half would be difficult. "
        '"We see no quick recovery in our largest market," Richter said. '
        "She added that the group would cut 2,000 jobs."
    )
    draft = run(text)
    assert [c.source.type for c in draft.claims] == ["person"] * 3
    assert [c.source.name.split(",")[0] for c in draft.claims] == ["Anja Richter"] * 3
    assert draft.claims[0].source.name == "Anja Richter, Chief Financial Officer"
    # The names the merged claims had are the canonical name's aliases.
    assert {alias for c in draft.claims for alias in c.source.aliases} == {"Anja Richter"}
    assert all(c.source.aliases == ["Anja Richter"] for c in draft.claims)


def test_a_reply_schema_never_asks_a_model_for_aliases() -> None:
    from reportedly.replies import QuotedReply

    assert "aliases" not in QuotedReply.model_json_schema()["$defs"]["Source"]["properties"]


def test_a_name_in_a_prepositional_phrase_is_not_the_speaker() -> None:
    claim = run("Analysts at Berenberg said the outlook could worsen if tariffs rise.").claims[0]
    assert claim.source.type == "unnamed"
    assert claim.confidence == "low"


def test_police_said_is_a_public_body() -> None:
    claim = run("Police said two people were arrested outside the headquarters.").claims[0]
    assert (claim.source.name.lower(), claim.source.type) == ("police", "government")


def test_two_predicates_in_reported_words_are_two_claims() -> None:
    text = "Engineers said the company is testing a new battery and is hoping to sell it by 2027."
    draft = run(text)
    assert [c.claim for c in draft.claims] == [
        "The company is testing a new battery.",
        "The company is hoping to sell it by 2027.",
    ]
    assert all(c.source.type == "unnamed" for c in draft.claims)
    assert [q.text for q in draft.claims[1].evidence] == ["is hoping to sell it by 2027"]
    assert draft.claims[1].timeframe.text == "by 2027"


def test_trailing_according_to_leaves_a_clean_sentence() -> None:
    text = "Ferry traffic resumed at noon, according to the Harbour Authority of Split."
    claim = run(text).claims[0]
    assert claim.claim == "Ferry traffic resumed at noon."
    assert claim.source.type == "government"


def test_impersonal_hearsay_is_unnamed_and_medium() -> None:
    claim = run("The two villages are said to be cut off by the flood.").claims[0]
    assert (claim.source.name, claim.source.type, claim.confidence) == (
        "unnamed",
        "unnamed",
        "medium",
    )


def test_trailing_participle_speech_act_stays_the_reporters_sentence() -> None:
    text = "Shares in the firm fell sharply on Monday, blaming weak demand in Asia."
    draft = run(text)
    assert len(draft.claims) == 1
    assert draft.claims[0].source.type == "author"


# Issue 9: cues and sources on unseen articles.


def test_officials_plain_statement_is_high() -> None:
    draft = run("Officials said four bridges were closed after the flood.")
    claim = only(draft, "bridges")
    assert claim.source.type == "unnamed"
    assert claim.confidence == "high"


def test_witnesses_plain_statement_stays_medium() -> None:
    draft = run("Witnesses said the lorry was travelling fast before the crash.")
    assert only(draft, "lorry").confidence == "medium"


def test_indicated_is_a_plain_statement() -> None:
    draft = run("Mayor Tomas Berg indicated twelve families were still without power.")
    claim = only(draft, "families")
    assert claim.source.name.startswith("Tomas Berg")
    assert claim.confidence == "high"


def test_possible_as_a_modifier_is_not_a_hedge() -> None:
    draft = run("The agency announced a trial of three possible vaccines was stopped early.")
    assert only(draft, "vaccines").confidence == "high"


def test_alleged_as_a_label_is_not_a_hedge_but_as_a_verb_it_is() -> None:
    label = run("Prosecutors in Lyon are investigating the mayor over alleged bribes.")
    assert only(label, "bribes").confidence == "high"
    verb = run("The mayor is alleged to have taken bribes from two builders.")
    assert only(verb, "bribes").confidence == "medium"


def test_continued_attributes_only_a_quotation() -> None:
    draft = run(
        'Harbour master Elena Ruiz spoke at the pier. Ruiz continued, "The crew acted quickly '
        'and nobody was hurt."'
    )
    assert only(draft, "crew").source.name.startswith("Elena Ruiz")
    fact = only(run("The strike in the northern ports continues to disrupt shipping."), "strike")
    assert fact.source.type == "author"


def test_surname_the_tagger_misses_is_the_person_met_before() -> None:
    text = (
        "The survey was run by Clara Fellows of the Marine Trust. "
        'Fellows remarked, "We had never seen so many seals in the bay."'
    )
    claim = only(run(text), "seals")
    assert claim.source.type == "person"
    assert claim.source.name.startswith("Clara Fellows")


def test_place_ending_an_affiliation_is_not_the_speaker() -> None:
    text = (
        "Maria Lind of the University of Texas, Austin disagreed with the survey: "
        '"The sample was far too small to draw any conclusion."'
    )
    claim = only(run(text), "sample")
    assert claim.source.type == "person"
    assert claim.source.name.startswith("Maria Lind")


def test_a_news_site_named_by_its_address_is_media() -> None:
    draft = run("Harbourwatch.com reported the ferry company had cancelled all sailings.")
    claim = only(draft, "sailings")
    assert claim.source.type == "media"


def test_said_colon_lead_in_speaks_the_next_paragraph_only() -> None:
    text = (
        "The council met on Friday to set the budget.\n\n"
        "Mayor Tom Reid said:\n\n"
        "The budget is balanced for the first time in ten years.\n\n"
        "The vote on the budget is due on Monday.\n"
    )
    draft = run(text)
    assert only(draft, "balanced").source.name.startswith("Tom Reid")
    assert only(draft, "vote").source.type == "author"
    # the lead-in itself asserts nothing
    assert not [c for c in draft.claims if c.evidence[0].text.startswith("Mayor Tom Reid said")]


def test_block_quotation_signed_with_a_dash_line_belongs_to_the_lead_in_speaker() -> None:
    text = (
        "The harbour company lost its case on Monday.\n\n"
        "Judge Mary Olsen rejected the company's claim in her ruling:\n\n"
        "The company offers no proof of the contract it relies on.\n\n"
        "Its reading of the lease would overturn a century of practice.\n\n"
        "\u2013 Judge Mary Olsen, ruling of the district court\n\n"
        "The company said it would appeal the ruling.\n"
    )
    draft = run(text)
    for words in ("no proof", "century of practice"):
        claim = only(draft, words)
        assert claim.source.name.startswith("Mary Olsen"), words
        assert claim.confidence == "high"  # "would" in a speaker's words is their statement


def test_quotation_left_open_runs_on_into_the_next_paragraph() -> None:
    text = (
        '"We will appeal this ruling," said the lawyer Ann Cole, "because the court ignored '
        "the evidence.\n\n"
        'The jury never saw the letters from the bank."\n'
    )
    claim = only(run(text), "letters")
    assert claim.source.name.startswith("Ann Cole")


def test_she_skips_a_nearer_person_the_article_never_showed_to_be_female() -> None:
    text = (
        "Clara Moss, who runs her own bakery, sued two inspectors, Paul Grant and Victor Hale. "
        "She told the court the inspectors had ignored her complaints for a year."
    )
    claim = only(run(text), "complaints")
    assert claim.source.name.startswith("Clara Moss")


def test_they_and_both_officers_are_the_pair_named_before() -> None:
    text = (
        "A court in Lyon fined officers Adam Quill and Noel Reddy on Monday. "
        "They said they would appeal the fine. "
        "Both officers indicated they would ask for a retrial."
    )
    draft = run(text)
    for words in ("appeal the fine", "retrial"):
        claim = only(draft, words)
        assert claim.source.type == "person", words
        assert claim.source.name == "Adam Quill and Noel Reddy", words


def test_the_minister_is_the_person_with_that_role() -> None:
    text = (
        "Health Minister Rosa Diaz opened the new clinic in Tarn on Monday. "
        "The minister said the clinic would treat two hundred patients a day."
    )
    claim = only(run(text), "two hundred")
    assert claim.source.type == "person"
    assert claim.source.name.startswith("Rosa Diaz")


def test_he_and_a_named_person_speak_together() -> None:
    text = (
        "Chief constable Mark Bell wrote to the embassy on Friday. "
        "Both he and the mayor Lisa Kent said the driver should return to face trial."
    )
    claim = only(run(text), "driver")
    assert claim.source.name == "Mark Bell and Lisa Kent"


def test_one_name_per_person_across_the_article() -> None:
    text = (
        "Harbour master Elena Ruiz said the ferry left the port on time. "
        "Ruiz said the storm arrived two hours later than forecast. "
        "She said nobody on board was hurt."
    )
    draft = run(text)
    names = {c.source.name for c in draft.claims if c.source.type == "person"}
    assert names == {"Elena Ruiz, Harbour master"}


def test_an_honorific_is_not_a_role() -> None:
    text = "Mr Adam Quill opened the bakery in 1990. Quill said the bakery would close in May."
    claim = only(run(text), "close")
    assert claim.source.name == "Adam Quill"


def test_places_in_an_organisations_name_stay_in_the_name() -> None:
    draft = run(
        "A spokesman for the Port Authority of New York and New Jersey said the tunnel "
        "would close in May."
    )
    claim = only(draft, "tunnel")
    assert claim.source.name == "Port Authority of New York and New Jersey"
    assert claim.source.type == "government"


def test_the_study_found_is_the_studys_claim() -> None:
    text = (
        "The Marine Trust funded the survey. "
        "The study, published in Coastal Letters, found that seals returned to the bay."
    )
    claim = only(run(text), "seals")
    assert claim.source.type == "document"
    assert "study" in claim.source.name


def test_an_allegation_is_medium_a_plain_statement_high() -> None:
    alleged = run("Prosecutors alleged that the mayor took bribes from two builders.")
    assert only(alleged, "bribes").confidence == "medium"
    said = run("Prosecutors said the mayor took bribes from two builders.")
    assert only(said, "bribes").confidence == "high"


@pytest.mark.parametrize(
    ("sentence", "level"),
    [
        ("The mayor reportedly took bribes from two builders.", "medium"),
        ("The bridge appears to have cracked during the storm.", "medium"),
        ("The fire was probably started by a cigarette.", "medium"),
        ("The mayor is accused of taking bribes from two builders.", "medium"),
        ("The new study suggests that sea levels are rising faster.", "medium"),
        ("The ferry could sail again by Friday.", "low"),
    ],
)
def test_confidence_cue_table(sentence: str, level: str) -> None:
    assert run(sentence).claims[0].confidence == level


def test_a_cue_set_off_by_commas_attributes_the_sentence_around_it() -> None:
    text = (
        "Marine biologist Ann Lee studied the bay for ten years. "
        "These seals, she suggested, hunt only at night in the winter."
    )
    claim = only(run(text), "These seals")
    assert claim.source.name.startswith("Ann Lee")


def test_an_object_the_parser_split_from_its_clause_is_still_content() -> None:
    claim = only(run("Fire crews have indicated a criminal probe is ongoing."), "probe")
    assert claim.source.type == "unnamed"
    assert claim.claim == "A criminal probe is ongoing."


def test_reports_suggest_a_noun_phrase_is_hearsay() -> None:
    claim = only(run("Some reports suggest a deliberate act of sabotage."), "sabotage")
    assert claim.source.type == "unnamed"
    assert claim.confidence == "medium"


def test_a_named_patrol_is_government() -> None:
    claim = only(run("Nevada Highway Patrol said the road reopened at noon."), "road")
    assert claim.source.type == "government"


def test_background_comes_after_the_news() -> None:
    text = (
        "The Coastal Trust was founded in 1952 to protect the dunes. "
        "A sea eagle is a kind of large raptor. "
        "Storms destroyed the trust's visitor centre on Monday, officials said."
    )
    claims = run(text).claims
    assert "visitor centre" in claims[0].evidence[0].text
    assert {c.source.type for c in claims[1:]} == {"author"}
    assert len(claims) == 3  # background is kept, only ordered after the news


def test_bare_authorities_are_unnamed_like_officials() -> None:
    claim = only(run("Authorities said the coastal road was closed by the storm."), "road")
    assert claim.source.type == "unnamed"
    assert claim.confidence == "high"
