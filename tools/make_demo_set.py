"""Regenerate the embedded demo set (src/litemedseg/data/demo/dsb2018_mini) from the shared DSB2018 copy.

    python tools/make_demo_set.py ../shared/datasets/DSB2018

96 images drawn with seed 0 from DSB2018 stage1_train (CC0), downscaled so the longest side is 128 px
(image: Lanczos; mask: area vote, foreground where covered >= 0.5, as the shared staging did), PNG.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from litemedseg.data.splits import make_split  # noqa: E402

COUNT, LONGEST = 96, 128


def main(source: Path) -> None:
    out = Path(__file__).resolve().parents[1] / "src/litemedseg/data/demo/dsb2018_mini"
    (out / "images").mkdir(parents=True, exist_ok=True)
    (out / "masks").mkdir(parents=True, exist_ok=True)
    stems = sorted(p.stem for p in (source / "images").glob("*.png"))
    chosen = sorted(random.Random(0).sample(stems, COUNT))
    for stem in chosen:
        image = Image.open(source / "images" / f"{stem}.png").convert("RGB")
        mask = np.asarray(Image.open(source / "masks" / f"{stem}.png").convert("L")) > 127
        scale = LONGEST / max(image.size)
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image.resize(size, Image.Resampling.LANCZOS).save(out / "images" / f"{stem}.png", optimize=True)
        cover = Image.fromarray(mask.astype(np.float32)).resize(size, Image.Resampling.BOX)
        Image.fromarray(((np.asarray(cover) >= 0.5) * 255).astype(np.uint8)).save(
            out / "masks" / f"{stem}.png", optimize=True
        )
    split = make_split(chosen)
    (out / "split.json").write_text(json.dumps(split, indent=1) + "\n")
    print(f"wrote {COUNT} pairs to {out}: " + ", ".join(f"{k} {len(v)}" for k, v in split.items()))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/datasets/DSB2018"))
