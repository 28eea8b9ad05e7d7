"""Pictures of results: mask overlays and error maps."""

from litemedseg.viz.overlay import CLASS_COLOURS, error_overlay, mask_overlay

__all__ = ["CLASS_COLOURS", "error_overlay", "mask_overlay"]
