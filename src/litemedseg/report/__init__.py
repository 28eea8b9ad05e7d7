"""Reports across evaluations: worst/best galleries, parameters-vs-Dice and spider plots, one HTML page."""

from litemedseg.report.api import build_report
from litemedseg.report.loading import Evaluation, load_evaluation

__all__ = ["Evaluation", "build_report", "load_evaluation"]
