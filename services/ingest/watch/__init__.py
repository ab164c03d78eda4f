"""Live sources: long-running ingesters that watch courts and publish what is new.

Each watcher (``docketline watch rss``; ``watch mail`` beside it) reads a source
on its own schedule and hands what it reads to the same adapters, classifier
and idempotent publisher as ``docketline ingest``
(:func:`services.ingest.publisher.run_ingest` with the shared ledger), so an
entry seen by a watcher and in a file is one event.

Every watcher keeps its own state in ``DATA_DIR/watch/`` and offers a reader of
it to :mod:`services.ingest.watch.status`, which ``docketline watch status``
prints as one table.

Modules: :mod:`.schedule` (pure: when to poll next, conditional-GET validators,
per-feed state transitions), :mod:`.feeds` (which feeds to watch),
:mod:`.fetch` (one HTTP GET with the safety limits), :mod:`.state` (the SQLite
state file), :mod:`.rss` (the RSS watcher), :mod:`.metrics` (Prometheus),
:mod:`.status` (the shared status table), :mod:`.cli` (the ``watch`` commands).
"""
