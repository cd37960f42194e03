"""A summarization API that proves every claim it returns against the article."""

__version__ = "0.1.0"
