"""Demo dockets (package data): the reference case and a few sample cases.

Regenerate with ``python -m services.demo.make_demo`` (see that module).
"""
