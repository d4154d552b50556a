"""Runtime settings and the service catalogue, validated at start-up."""
