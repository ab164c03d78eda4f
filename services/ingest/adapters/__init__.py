"""One module per source format; each exposes ``parse(data, name) -> Iterator[ParseResult]``.

Adapters are pure: bytes and a display name in, records out. They never raise
for bad content; every record becomes a ``Parsed`` event or a ``Rejected`` with
where it came from and why (see :mod:`services.ingest.records`).
"""
