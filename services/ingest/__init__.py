"""Ingest: source files -> validated, classified docket events -> Kafka."""
