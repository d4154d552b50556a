"""Connectors: channels in (HTTP webhook, mail, phone events) and decisions back out."""
