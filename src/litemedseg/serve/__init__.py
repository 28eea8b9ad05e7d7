"""The local web page: upload an image, see its mask overlay and area, download the mask."""

from litemedseg.serve.server import (
    DEFAULT_HOST,
    DEFAULT_MAX_UPLOAD_BYTES,
    DEFAULT_PORT,
    ServeLimits,
    is_loopback,
    make_server,
)

__all__ = ["DEFAULT_HOST", "DEFAULT_MAX_UPLOAD_BYTES", "DEFAULT_PORT", "ServeLimits", "is_loopback", "make_server"]
