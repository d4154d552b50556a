"""Classifiers that label an inquiry in the label space of DOMAIN.md."""
