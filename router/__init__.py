"""The router: from a classification to exactly one routing decision."""
