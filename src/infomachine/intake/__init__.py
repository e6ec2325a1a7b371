"""Intake: getting bytes from the network politely and safely (fetch, politeness, poll: due sources, backoff, Retry-After)."""
