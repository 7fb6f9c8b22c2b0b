"""The knowledge base for AI assistants: a read-only MCP server (`alliancekb mcp`).

`server` builds it on the official MCP SDK (the `mcp` extra, imported only here and by the
`mcp` command); `tools` derives one tool per read question from its declaration
(`query/questions.py`) plus `diff`; `schema` turns the declared parameters into the tools'
JSON Schemas; `guide` is what an assistant is told (descriptions, the status lifecycle,
how to cite). Nothing here writes, runs SQL given to it, or reaches the network.
"""
