"""Train, evaluate and predict: the Python API behind the CLI."""

from litemedseg.engine.evaluation import EvaluationResult, evaluate
from litemedseg.engine.prediction import Segmenter
from litemedseg.engine.training import Trainer, TrainResult, train

__all__ = ["EvaluationResult", "Segmenter", "TrainResult", "Trainer", "evaluate", "train"]
