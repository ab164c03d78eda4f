"""The pure domain core: plain functions over plain values, no I/O.

Nothing in this package may import Kafka, faust, HTTP or database modules
(``tests/unit/test_core_is_pure.py`` enforces it).
"""
