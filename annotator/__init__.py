"""annotator: annotate propaganda and framing in news from the terminal."""

__version__ = "0.1.0"
