"""The accuracy report: replay labelled dockets through the real ingest path and the fold.

``evaluate(label_file, data_dir)`` reads each labelled docket with
:func:`services.ingest.formats.parse_path` (exactly what ``docketline ingest``
reads), folds the events with :func:`services.core.evolve.project`, and compares
the final status, disposition type and prejudice with the hand labels.
``docketline eval PATH...`` (:func:`eval_command`) prints the figures.
"""

from services.evaluation.cli import eval_command
from services.evaluation.evaluate import CaseResult, Report, evaluate
from services.evaluation.labels import Label, LabelError, load_labels
from services.evaluation.metrics import ClassMetrics, per_class

__all__ = [
    "CaseResult",
    "ClassMetrics",
    "Label",
    "LabelError",
    "Report",
    "eval_command",
    "evaluate",
    "load_labels",
    "per_class",
]
