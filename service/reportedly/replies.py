"""What an LLM is asked to reply with: the response models behind the tool or JSON schema.

A reply is not a `Draft`: it is shaped for the model (evidence as verbatim quotes here) and
converted into the `Draft` that grounding checks. Its JSON schema is part of every plan's
hash, so a change here is a different run.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from reportedly.schema import ClaimFields, Draft, DraftClaim, Quote


class Reply(BaseModel):
    """A response model an LLM fills in; it knows how to become the draft grounding checks."""

    def to_draft(self) -> Draft:
        raise NotImplementedError


class QuotedClaim(ClaimFields):
    evidence: list[str] = Field(
        min_length=1,
        description="One or more verbatim quotes copied exactly from the article that support the claim.",
    )


class QuotedReply(Reply):
    """Claims whose evidence the model copies from the article word for word."""

    headline: str | None = Field(default=None, description="The article's headline, or null.")
    summary: str = Field(description="Two or three neutral sentences summarising the article.")
    claims: list[QuotedClaim]

    def to_draft(self) -> Draft:
        return Draft(
            headline=self.headline,
            summary=self.summary,
            claims=[
                DraftClaim(
                    **claim.model_dump(exclude={"evidence"}),
                    evidence=[Quote(text=q) for q in claim.evidence],
                )
                for claim in self.claims
            ],
        )
