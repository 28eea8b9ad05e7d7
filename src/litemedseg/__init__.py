"""litemedseg: lightweight 2D medical image segmentation (Med-2D SegNet, Mini-Net) trained, scored and served."""

from litemedseg.errors import LitemedsegError
from litemedseg.models import create_model, list_models

__version__ = "0.1.0"

__all__ = ["LitemedsegError", "Segmenter", "__version__", "create_model", "list_models"]


def __getattr__(name: str):
    # Segmenter pulls in the data and engine layers; import it only when asked for.
    if name == "Segmenter":
        from litemedseg.engine.prediction import Segmenter

        return Segmenter
    raise AttributeError(f"module 'litemedseg' has no attribute {name!r}")
