"""Offline evaluation of the summarizer against gold fixtures."""
