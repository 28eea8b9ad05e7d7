"""Pictures of results: mask overlays, error maps and heatmaps."""

from litemedseg.viz.heatmap import colourise, heatmap_overlay
from litemedseg.viz.overlay import CLASS_COLOURS, CLASS_TABLE, as_rgb, error_overlay, mask_overlay

__all__ = ["CLASS_COLOURS", "CLASS_TABLE", "as_rgb", "colourise", "error_overlay", "heatmap_overlay",
           "mask_overlay"]
