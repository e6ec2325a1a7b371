"""The publish stage: briefs and story data rendered as Markdown, HTML, JSON and Atom, and static site export."""
