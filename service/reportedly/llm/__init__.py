"""The only code that talks to an OpenAI-compatible endpoint (the openai SDK + instructor).

`client` asks for structured output and `failures` maps what the SDK and instructor raise to
our typed errors. Importing this package itself is cheap: the SDK is imported with
`reportedly.llm.client`, when an LLM backend first needs a client.
"""

from typing import Literal

LLMMode = Literal["tools", "json_schema", "json"]
LLM_MODES: tuple[LLMMode, ...] = ("tools", "json_schema", "json")
