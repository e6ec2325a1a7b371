"""The run loop: poll -> ingest -> cluster -> synthesize -> publish, on a schedule (``infomachine run``)."""
