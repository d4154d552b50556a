"""Indgang: one entrance for a municipal contact centre."""
