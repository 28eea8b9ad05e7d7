"""Official dataset layouts (ISIC, Kvasir-SEG, CVC-ClinicDB, PH2, DRIVE, CHASE_DB1, MoNuSeg, BUSI, GlaS, nnU-Net)
read and converted into the standard folder: images/, masks/, optional fov/, split.json (docs/data.md).

    >>> from litemedseg.data.layouts import detect_layout, convert_dataset
    >>> detect_layout("~/Downloads/DRIVE")           # doctest: +SKIP
    'drive'
    >>> convert_dataset("~/Downloads/DRIVE", "data/DRIVE").summary()  # doctest: +SKIP
"""

# Detection order is each layout's `priority`, so the order of these imports does not matter.
from litemedseg.data.layouts import (  # noqa: F401  (imported to register)
    busi,
    chase,
    cvc,
    drive,
    glas,
    isic,
    kvasir,
    monuseg,
    nnunet,
    ph2,
)

from litemedseg.data.layouts.base import Case, ConversionReport, Found, Layout
from litemedseg.data.layouts.registry import (
    LAYOUTS,
    convert_command,
    convert_dataset,
    detect_layout,
    get_layout,
    layout_names,
    register_layout,
)

__all__ = [
    "LAYOUTS",
    "Case",
    "ConversionReport",
    "Found",
    "Layout",
    "convert_command",
    "convert_dataset",
    "detect_layout",
    "get_layout",
    "layout_names",
    "register_layout",
]
