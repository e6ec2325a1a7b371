"""The LLM synthesizer on any OpenAI-compatible endpoint: client, sanitize, prompt, wire, convert, synthesizer."""
