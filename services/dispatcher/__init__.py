"""Webhook delivery of case alerts: subscriptions, matching, signing, retries, SSRF guard.

Pure parts (``matching``, ``schedule``, ``signing``, the SSRF address policy)
are plain functions over values; the edges (``subscriptions`` on Kafka,
``store`` on SQLite, ``dispatcher`` with an injected ``httpx.AsyncClient``)
are wired once in ``bootstrap``.
"""
