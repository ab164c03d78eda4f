"""Consistency checking: fold the acknowledged log with the pure core and compare."""
