"""Word lists the rules read: attribution cues, hedges, source nouns.

Verbs are listed as base forms and expanded to their inflections once at import, so a list
stays readable and "say" also catches "says", "said" and "saying".
"""

from __future__ import annotations

_IRREGULAR = {
    "say": ("said",),
    "tell": ("told",),
    "think": ("thought",),
    "understand": ("understood",),
    "write": ("wrote", "written"),
    "show": ("shown",),
    "hold": ("held",),
    "find": ("found",),
    "foresee": ("foresaw", "foreseen"),
}


def _forms(base: str) -> set[str]:
    forms = {base, *_IRREGULAR.get(base, ())}
    if base.endswith("e"):
        forms |= {base + "s", base + "d", base[:-1] + "ing"}
    elif base.endswith("y") and base[-2] not in "aeiou":
        forms |= {base[:-1] + "ies", base[:-1] + "ied", base + "ing"}
    elif base.endswith(("s", "sh", "ch", "x")):
        forms |= {base + "es", base + "ed", base + "ing"}
    else:
        forms |= {base + "s", base + "ed", base + "ing"}
        if base in {"admit", "regret"}:
            forms |= {base + base[-1] + "ed", base + base[-1] + "ing"}
    return forms


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def expand(bases: str) -> frozenset[str]:
    return frozenset(f for b in bases.split() for f in _forms(b))


# Plain statements: the source asserts the content.
SAY = expand(
    "say tell add state announce warn claim report confirm declare explain note insist argue "
    "assert acknowledge disclose reveal deny admit maintain stress emphasize emphasise testify "
    "allege write tweet post reiterate concede caution conclude recount indicate continue "
    "remark describe testify urge promise pledge cite disagree respond reply recall observe find "
    "contend inform assure"
)
# Beliefs, assessments, expectations: the content is held, not asserted as fact (medium).
BELIEF = expand(
    "believe think expect suspect assess estimate fear understand suggest predict "
    "reckon assume anticipate project forecast hope doubt speculate"
)
CUES = SAY | BELIEF
# Beliefs whose object noun phrase is itself the claim: "reports suggest a criminal act".
BELIEF_OBJECTS = expand("suggest predict expect forecast estimate fear")
# A stance taken against something named: "X disagreed with the findings" is X's claim.
DISAGREE = expand("disagree")
# Speculation: what follows is an open possibility to its source (low, not medium).
SPECULATE = expand("speculate")
# Accusations: asserted, but as a charge still to be proved (medium, like a belief).
ALLEGE = expand("allege accuse")
# Verbs that attribute only what they introduce in quotation marks ("Ruiz continued, '...'"):
# otherwise they are ordinary verbs ("the conflict continues to rage").
QUOTE_CUES = expand("continue remark respond reply disagree observe recall")
# Speech acts whose direct object is itself the claim ("China announced the attachment",
# "the United States and South Korea have condemned these shipments"): the actor is the source.
ANNOUNCE = expand(
    "announce confirm disclose acknowledge reveal deny report admit condemn dismiss criticise "
    "criticize accuse praise express welcome reject blame urge promise pledge describe cite thank"
)
# Nouns that carry a claim in a clause: "X has issued a stark warning that ...".
CLAIM_NOUNS = frozenset(
    {
        "warning",
        "claim",
        "statement",
        "assessment",
        "announcement",
        "belief",
        "view",
        "conclusion",
        "prediction",
        "estimate",
        "assurance",
        "allegation",
        "insistence",
    }
)
BELIEF_NOUNS = frozenset({"assessment", "belief", "view", "prediction", "estimate", "conclusion"})
# Hearsay without an owner: "amid reports of ...", "there have been reports that ...".
HEARSAY_NOUNS = _words("reports rumours rumors claims allegations")
# A report the reporter relays without naming who made it: "He reportedly fled".
HEARSAY_ADVERBS = _words("reportedly allegedly purportedly supposedly")

# Confidence markers, matched on lower-cased tokens or phrases.
LOW_MODALS = frozenset({"may", "might", "could"})
LOW_WORDS = _words(
    "possibly perhaps maybe unconfirmed speculated rumoured rumored purportedly conceivably"
)
# Low only as verbs: "I suspect it is worse" hedges, "the suspect fled" names a person.
LOW_VERBS = _words("suspect speculate")
# "possible" hedges only as a predicate ("it is possible that"), not "four possible drugs".
LOW_PREDICATES = _words("possible")
# Likewise "he is alleged to have" is an unconfirmed accusation, "alleged fraud" a label.
MEDIUM_PREDICATES = _words("alleged")
MEDIUM_WORDS = _words(
    "likely probably reportedly apparently presumably expected believed thought understanding "
    "seems appears preliminary estimated would suggests suggested think believe believes "
    "suspected guess allegedly unlikely"
)
# "first reports suggested", "it is thought", "are said to": partial or second-hand.
MEDIUM_PHRASES = (
    "said to", "thought to", "believed to", "reported to", "expected to", "is thought",
    "it is believed", "first reports", "early reports", "initial reports", "our understanding",
    "appears to", "seems to", "is likely", "are likely", "i hope", "we hope", "i think",
    "we think", "i believe", "we believe", "i expect", "we expect", "accused of",
    "in my view", "in our view",
)  # fmt: skip

# Source nouns.
PERSON_ROLES = _words(
    "spokesman spokeswoman spokesperson official officials officer officers minister director "
    "lawmaker lawmakers executive executives chief head leader president chairman chairwoman "
    "secretary ambassador diplomat diplomats commander general analyst analysts expert experts "
    "witness witnesses resident residents source sources investigator investigators scientist "
    "scientists doctor doctors engineer engineers worker workers employee employees manager "
    "representative representatives member members researcher researchers passenger passengers "
    "survivor survivors observer observers insider insiders aide aides adviser advisers advisor "
    "people person man woman lady prosecutor prosecutors judge inhabitants "
    "civilians citizens legislators lawyer lawyers attorney attorneys solicitor barrister "
    "eyewitness eyewitnesses governor mayor constable commissioner senator defendant defendants"
)
# Unnamed groups that speak for an institution: their plain statement is high ("officials
# said"), unlike a lone or lay voice ("a spokeswoman said", "witnesses said"), which is medium.
OFFICIAL_GROUPS = _words(
    "officials authorities prosecutors investigators officers workers scientists researchers "
    "archaeologists experts doctors engineers analysts police lawmakers legislators"
)
SPOKESPEOPLE = _words("spokesman spokeswoman spokesperson representative")
# Plural groups that stand in for actors when none is named ("3 passengers ... are at").
GROUP_NOUNS = _words(
    "passengers inhabitants residents civilians villagers workers employees students patients "
    "survivors victims refugees migrants protesters voters customers lawmakers legislators "
    "rescuers researchers scientists scholars archaeologists investigators firefighters "
    "soldiers troops doctors nurses children teachers farmers fans"
)
DOCUMENT_NOUNS = _words(
    "report reports study studies document documents statement statements survey surveys "
    "analysis data figures records briefing memo letter filing assessment review findings "
    "release paper footage statistics recordings filings ruling minutes transcript"
)
# Court and legal papers speak for themselves: "the complaint notes", "the decision stated".
LEGAL_DOCUMENTS = _words(
    "complaint lawsuit decision opinion ruling judgment judgement verdict indictment filing"
)
# A news outlet named by what it is: "the website reported" means the outlet named before.
MEDIA_NOUNS = _words("website site newspaper paper outlet broadcaster channel magazine tabloid")
# Written research: "the study found" is the study's claim, not the last body named.
RESEARCH_NOUNS = _words(
    "study studies report reports paper survey surveys analysis findings review"
)
# Titles NER sometimes folds into an ORG ("Chief Financial Officer Anja Richter").
TITLE_WORDS = _words(
    "chief executive financial operating officer director president vice minister secretary "
    "spokesman spokeswoman chairman chairwoman governor senator general commissioner ceo cfo coo "
    "head deputy prime foreign defence defense interior finance economy mayor ambassador judge "
    "professor prof dr inspector superintendent commander lieutenant colonel captain sergeant "
    "managing detective constable sheriff"
)
# Nouns for a company or body: "the carmaker said" means the company named before.
ORG_NOUNS = _words(
    "company firm group organisation organization operator carmaker automaker maker "
    "manufacturer bank lender insurer retailer airline producer developer startup conglomerate "
    "union party club team charity trust foundation university hospital school institute "
    "corporation inc corp co ltd ag plc llc gmbh sa"
)
GOVERNMENT_WORDS = _words(
    "government ministry department agency service council parliament congress senate "
    "administration military army navy police cabinet kremlin pentagon presidency office "
    "commission authority authorities intelligence forces embassy court"
)
MEDIA_WORDS = _words(
    "news times post journal bbc cnn reuters ap afp yonhap xinhua tass tribune herald guardian "
    "telegraph gazette broadcasting television tv radio press newspaper website site outlet "
    "broadcaster magazine"
)
COUNTRY_NOUNS = frozenset({"countries", "nations", "states", "governments", "sides", "country"})
UNNAMED_DETERMINERS = frozenset({"a", "an", "some", "one", "several", "two", "three", "many"})
# Words that show a person's grammatical gender when written next to their name.
FEMALE_WORDS = _words(
    "mrs ms miss mme madame dame lady mother wife daughter sister grandmother aunt niece widow "
    "woman girl spokeswoman chairwoman businesswoman congresswoman actress queen princess"
)
MALE_WORDS = _words(
    "mr sir monsieur father husband son brother grandfather uncle nephew widower man boy "
    "spokesman chairman businessman congressman actor king prince"
)
HONORIFICS = frozenset(
    {"mr", "mr.", "mrs", "mrs.", "ms", "ms.", "dr", "dr.", "prof", "prof.", "mme", "mme.", "miss"}
)

# Demonyms mapped to states, used only for `who` (only unambiguous, common ones).
DEMONYMS = {
    "american": "United States",
    "british": "United Kingdom",
    "chinese": "China",
    "russian": "Russia",
    "ukrainian": "Ukraine",
    "north korean": "North Korea",
    "south korean": "South Korea",
    "japanese": "Japan",
    "german": "Germany",
    "french": "France",
    "iranian": "Iran",
    "israeli": "Israel",
    "indian": "India",
    "canadian": "Canada",
    "australian": "Australia",
    "italian": "Italy",
    "spanish": "Spain",
    "turkish": "Turkey",
    "syrian": "Syria",
    "iraqi": "Iraq",
    "afghan": "Afghanistan",
    "pakistani": "Pakistan",
    "mexican": "Mexico",
    "brazilian": "Brazil",
    "polish": "Poland",
    "palestinian": "Palestine",
    "saudi": "Saudi Arabia",
    "egyptian": "Egypt",
}
