"""The read API: projections, timelines, alerts and stats over the read model.

Built by :func:`services.api.app.create_app` (the one bootstrap); routes live in
:mod:`services.api.routes` and are listed in ``ROUTERS``.
"""
