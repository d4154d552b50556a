"""Department queues: state from queue events, operator actions, accounts and feedback."""
