"""Text, CSV, JSON and HTML of service results: formatting only, no database."""
