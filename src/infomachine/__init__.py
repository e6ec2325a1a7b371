"""The Information Machine: living, versioned, cited story briefs."""

__version__ = "0.1.0"
