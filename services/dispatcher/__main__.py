"""``python -m services.dispatcher`` = ``docketline dispatcher``."""

import typer

from services.dispatcher.cli import dispatcher_command

typer.run(dispatcher_command)
