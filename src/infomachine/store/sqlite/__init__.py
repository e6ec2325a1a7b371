"""The SQLite backend of the store contract: one file, WAL, one writer, FTS5 search."""
