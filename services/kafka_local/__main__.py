"""``python -m services.kafka_local start|stop|status|fetch``: the same commands as
``docketline kafka``, without importing the rest of the CLI (used by ``make kafka-jars``)."""

from services.kafka_local.cli import kafka_app

if __name__ == "__main__":
    kafka_app(prog_name="python -m services.kafka_local")
