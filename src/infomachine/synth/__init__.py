"""The synth stage: story items -> a verified, versioned Brief (extractive or LLM, timeline, verify, versions, stage)."""
