"""The operators' live dashboard of the department queues."""
