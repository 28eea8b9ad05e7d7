"""Uploaded bytes -> image array, with the same guards and messages as reading a file from disk."""

from __future__ import annotations

import numpy as np

from litemedseg.data.io import DecodeBudget, ImageTooLargeError, as_image_array, decode_image_bytes
from litemedseg.errors import DataError


class UploadError(DataError):
    """A rejected upload; `status` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def decode_upload(data: bytes, channels: int | None = None, source: str = "upload",
                  budget: DecodeBudget | None = None) -> np.ndarray:
    """Decode PNG/JPEG/BMP/TIFF bytes into uint8 (H, W, C) (see `as_image_array`); errors are `UploadError`
    (413 for images above the pixel limit or `budget`, 400 otherwise)."""
    try:
        return as_image_array(decode_image_bytes(data, source, budget=budget), channels, source)
    except ImageTooLargeError as err:
        raise UploadError(str(err), 413) from None
    except DataError as err:
        raise UploadError(str(err)) from None
