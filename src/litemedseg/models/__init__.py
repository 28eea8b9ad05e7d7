"""Segmentation networks behind one registry; importing this package registers every model."""

from litemedseg.models import baselines, egeunet, med2dsegnet, mininet, unext  # noqa: F401  (registration side effects)
from litemedseg.models.factory import create_model
from litemedseg.models.registry import (
    ModelConfig,
    build_model,
    get_model_entry,
    list_models,
    model_config_of,
    register_model,
    size_divisor_of,
)

__all__ = [
    "ModelConfig",
    "build_model",
    "create_model",
    "get_model_entry",
    "list_models",
    "model_config_of",
    "register_model",
    "size_divisor_of",
]
