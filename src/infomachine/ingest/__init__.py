"""The ingest stage: records -> stored items (extract, dedupe: exact and near-duplicate, batch: the one write path)."""
