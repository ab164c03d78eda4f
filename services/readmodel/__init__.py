"""The read model: projections, events and alerts from the log, ready to query.

Fed by :mod:`services.readmodel.feeder` from the processor's output topics and
read by the API. It is derived data: ``reset()`` and a replay of the log
rebuild it exactly.
"""
