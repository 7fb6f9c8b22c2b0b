"""alliancekb: a structured knowledge base of defense-alliance facts, with provenance."""

__version__ = "0.1.0"
