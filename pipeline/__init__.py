"""Prefect flows and deployments over the `extract` library."""
