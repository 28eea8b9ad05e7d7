"""Explanations of segmentation models: Grad-CAM maps for a class over its predicted region."""

from litemedseg.explain.gradcam import GradCamMap, grad_cam, grad_cam_maps
from litemedseg.explain.layers import candidate_layers, default_layer_name, resolve_layer

__all__ = ["GradCamMap", "candidate_layers", "default_layer_name", "grad_cam", "grad_cam_maps", "resolve_layer"]
