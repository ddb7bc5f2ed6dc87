"""Use cases over ``annotator.core`` and ``annotator.db``: they return data, never formatted text,
and import neither click nor Textual."""
