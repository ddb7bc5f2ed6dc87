"""The annotation screen (the only package that imports Textual)."""
