"""Shared text rules, each with one owner: HTML to text, folding, word patterns, stop words."""
