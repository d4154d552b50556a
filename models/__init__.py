"""Shared data models: the label space, wire formats and the exception tree."""
