"""Sentence, date, actor and claim analysis that the synthesizers build briefs from."""
