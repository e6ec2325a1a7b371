"""Source parsers: each turns bytes from a file or URL into ``Record``s
(or ``IngestProblem``s for documents it could not read)."""
