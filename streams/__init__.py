"""Kafka streams: intake, the routing worker, and the embedded broker for development."""
