"""Pictures of the answers: membership timelines (`lanes`, drawn by `chart`), alliance
networks (`network`, written by `graph_files`), each file written whole or not at all
(`output`). The drawing and graph libraries are imported only by the commands that use them.
"""
