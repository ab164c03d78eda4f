"""Live sources: long-running watchers that publish through the ingest adapters."""
