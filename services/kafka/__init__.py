"""Kafka, in one place: client construction (``clients``), admin helpers (``admin``),
the topics docketline owns (``topics``) and bounded log reading (``read``)."""
