"""The `local` backend: a real small LLM on this machine, through the same openai + instructor
path as the remote `llm` backend (TOOLS mode, which llama.cpp turns into a JSON grammar), so
the local model is tested by the code that serves real endpoints.

`server` supervises the llama.cpp process, `grammar` bounds what the model may write, and
`backend` adapts the two to the `Backend` seam.
"""
