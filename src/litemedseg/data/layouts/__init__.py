"""Official dataset layouts (ISIC, Kvasir-SEG, CVC-ClinicDB, PH2, DRIVE, CHASE_DB1, MoNuSeg, BUSI, GlaS, nnU-Net)
read and converted into the standard folder: images/, masks/, optional fov/, split.json (docs/data.md).

    >>> from litemedseg.data.layouts import detect_layout, convert_dataset
    >>> detect_layout("~/Downloads/DRIVE")           # doctest: +SKIP
    'drive'
    >>> convert_dataset("~/Downloads/DRIVE", "data/DRIVE").summary()  # doctest: +SKIP
"""

# Registration order is detection order: specific layouts first, broad ones (plain images/ + masks/) last,
# so the import sorter is kept away from this block.
# isort: off
from litemedseg.data.layouts import (  # noqa: F401  (imported to register)
    nnunet,
    isic,
    drive,
    chase,
    monuseg,
    ph2,
    busi,
    cvc,
    glas,
    kvasir,
)
# isort: on

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
