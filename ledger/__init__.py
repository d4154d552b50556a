"""The durable ledger: every accepted inquiry, its decision and its queue item."""
