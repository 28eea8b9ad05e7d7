"""The bad-input corpus: generated broken files, folders, configs and weights, each with the command line that
must refuse it and what the refusal must say (docs/errors.md).

A case is a `Case`: an id, a `build(case_dir, env)` that writes the bad input into an empty folder and returns the
arguments of ``litemedseg ...``, the fragments the message must contain (the offending file or config field and
the problem; ``"a|b"`` accepts either) and the expected outcome:

- ERROR: exit status 1, exactly one line on stderr starting ``error: `` (warnings aside), naming the fragments,
  and nothing new on disk (no output folder with partial files, no temporary files);
- WARNING: a documented skip (``--skip-unpaired``, ``predict --skip-bad``): exit status 0, a ``warning: ``
  line naming the fragments, no ``error:`` line, the rest proceeds;
- REFUSED: refused by click's argument checks (usage error, exit 2) or with exit 1; the last line names the
  fragments;
- OK: a documented acceptance (exit 0, no error, no warning).

Every outcome: no traceback, no ``internal error`` (exit 3). One generator function per command
(`train_cases`, `evaluate_cases`, `predict_cases`, `export_cases`, `explain_cases`, `report_cases`,
`convert_cases`, `serve_cases`; weights problems in `weights_variants`, shared by every command that takes
``--weights``); `GENERATORS` lists them. A new subcommand adds ``def <command>_cases() -> list[Case]`` reusing the
shared variants (`bad_images`, `bad_masks`, `weights_variants`) and appends it to `GENERATORS`.
"""

from __future__ import annotations

import functools
import io
import json
import os
import re
import shutil
import struct
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from tests.helpers import make_folder

ERROR, WARNING, REFUSED, OK = "error", "warning", "refused", "ok"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
ROOT_SKIP = "running as root: file permissions do not stop root from reading, so there is nothing to refuse"
DECODE_PROBLEM = "corrupt or truncated|not a readable image|has no pages|has no pixels|too large"


@dataclass(frozen=True)
class Case:
    """One bad input and the refusal it must get (see the module docstring)."""

    id: str
    build: Callable[[Path, Env], list[str]]
    fragments: tuple[str, ...]
    outcome: str = ERROR
    check: Callable[[Path], None] | None = None  # extra post-conditions on the case folder
    keeps_outputs: bool = False  # outputs may appear (documented skips that go on)
    skip: str | None = None  # reason this case cannot apply on this machine


class Env:
    """Resources shared by every case of a session, built on first use and never modified by a case: a small
    valid dataset and a checkpoint trained on it (Mini-Net, RGB, 32 x 32, one epoch)."""

    def __init__(self, root: Path, invoke: Callable[[list[str]], tuple[int, str, str]]) -> None:
        self.root = root
        self.invoke = invoke  # argv -> (exit code, stdout, stderr)

    @functools.cached_property
    def tiny_data(self) -> Path:
        return make_folder(self.root / "tiny", count=4, size=(32, 32))

    @functools.cached_property
    def weights(self) -> Path:
        code, _, err = self.invoke(["train", "--data", str(self.tiny_data), "--model", "mininet", "--epochs", "1",
                                    "--size", "32", "--output", str(self.root / "runs"), "--name", "ref",
                                    "--no-progress", "--set", "tensorboard=false"])
        assert code == 0, err[-2000:]
        return self.root / "runs" / "ref" / "best"

    @functools.cached_property
    def good_image(self) -> Path:
        path = self.root / "good.png"
        Image.fromarray(rgb(32, 32)).save(path)
        return path

    @functools.cached_property
    def onnx(self) -> Path:
        """The reference checkpoint exported once (fp32 ONNX), for the cases that hand an ONNX file around."""
        path = self.root / "export" / "model.onnx"
        code, _, err = self.invoke(["export", "--weights", str(self.weights), "--output", str(path), "--no-check",
                                    "--no-progress"])
        assert code == 0, err[-2000:]
        return path

    @functools.cached_property
    def weights_sha256(self) -> str:
        from litemedseg.checkpoint import file_sha256

        return file_sha256(self.weights / "model.safetensors")


# ---- bytes of images ------------------------------------------------------------------------------------------

def rgb(height: int = 48, width: int = 64, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 255, (height, width, 3), dtype=np.uint8)


@functools.lru_cache(maxsize=None)
def encoded(fmt: str) -> bytes:
    """A valid 64 x 48 RGB image in `fmt` (PNG, JPEG, TIFF, BMP)."""
    buffer = io.BytesIO()
    if fmt == "TIFF":
        import tifffile

        tifffile.imwrite(buffer, rgb())
    else:
        Image.fromarray(rgb()).save(buffer, format=fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return buffer.getvalue()


def flipped(data: bytes, offset: int) -> bytes:
    out = bytearray(data)
    out[offset] ^= 0xFF
    return bytes(out)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_claiming(width: int, height: int, complete: bool = True) -> bytes:
    """A PNG whose header claims width x height RGB pixels, with a few bytes of pixel data (or, not `complete`,
    none at all: the header alone)."""
    header = PNG_SIGNATURE + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    if not complete:
        return header
    return header + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + _png_chunk(b"IEND", b"")


@functools.lru_cache(maxsize=None)
def png_bomb(side: int = 20000) -> bytes:
    """A complete, valid 1-bit PNG of side x side pixels (400 Mpx at 20000): ~50 kB on disk, never a big array."""
    compressor = zlib.compressobj(1)
    rows = (b"\x00" * (1 + (side + 7) // 8)) * 500
    parts = [compressor.compress(rows) for _ in range(side // 500)] + [compressor.flush()]
    return (PNG_SIGNATURE + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0))
            + _png_chunk(b"IDAT", b"".join(parts)) + _png_chunk(b"IEND", b""))


def bmp_header_only(width: int, height: int) -> bytes:
    """A BMP file and info header claiming width x height 24-bit pixels, and no pixel data."""
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, 0, 2835, 2835, 0, 0)
    return b"BM" + struct.pack("<IHHI", 14 + 40 + width * height * 3, 0, 0, 54) + info


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small JPEG whose frame header (SOF0) is patched to claim width x height."""
    data = bytearray(encoded("JPEG"))
    sof = data.find(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def tiff_claiming(width: int, height: int) -> bytes:
    """A small TIFF whose ImageWidth / ImageLength tags are patched to claim width x height."""
    import tifffile

    buffer = io.BytesIO()
    tifffile.imwrite(buffer, np.zeros((32, 32), np.uint8))
    data = bytearray(buffer.getvalue())
    with tifffile.TiffFile(io.BytesIO(bytes(data))) as tif:
        tags = tif.pages[0].tags
        for name, value in (("ImageWidth", width), ("ImageLength", height)):
            tag = tags[name]
            fmt = "<H" if tag.dtype == 3 else "<I"
            data[tag.valueoffset:tag.valueoffset + struct.calcsize(fmt)] = struct.pack(fmt, value)
    return bytes(data)


def tiff_bytes(array: np.ndarray, **kwargs) -> bytes:
    import tifffile

    buffer = io.BytesIO()
    tifffile.imwrite(buffer, array, **kwargs)
    return buffer.getvalue()


def image_bytes(array: np.ndarray, fmt: str = "PNG", **kwargs) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("image.png", b"not really")
    return buffer.getvalue()


def npy_bytes() -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, rgb(8, 8))
    return buffer.getvalue()


@dataclass(frozen=True)
class BadFile:
    """A broken file: its name (with the suffix that makes it look like an image), its bytes, the problem."""

    name: str
    data: Callable[[], bytes]
    problem: str
    mode: int | None = None

    def write(self, folder: Path, stem: str | None = None) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / (self.name if stem is None else stem + Path(self.name).suffix)
        path.write_bytes(self.data())
        if self.mode is not None:
            path.chmod(self.mode)
        return path


def _cuts(fmt: str, ext: str, offsets: Sequence[int | float]) -> list[BadFile]:
    out = []
    for offset in offsets:
        def data(fmt=fmt, offset=offset) -> bytes:
            full = encoded(fmt)
            cut = int(len(full) * offset) if isinstance(offset, float) else offset
            return full[:cut]
        label = f"{round(offset * 100)}pct" if isinstance(offset, float) else f"{offset:05d}"
        out.append(BadFile(f"{fmt.lower()}_cut_{label}.{ext}", data, DECODE_PROBLEM))
    return out


def _flips(fmt: str, ext: str, offsets: Sequence[int | float]) -> list[BadFile]:
    out = []
    for offset in offsets:
        def data(fmt=fmt, offset=offset) -> bytes:
            full = encoded(fmt)
            return flipped(full, int(len(full) * offset) if isinstance(offset, float) else offset)
        label = f"{round(offset * 100)}pct" if isinstance(offset, float) else f"{offset:05d}"
        out.append(BadFile(f"{fmt.lower()}_flip_{label}.{ext}", data, DECODE_PROBLEM))
    return out


def _jpeg_marker_flips() -> list[BadFile]:
    """Flipped bytes in the JPEG quantisation, frame, Huffman and scan headers (flips inside the entropy-coded
    data decode to plausible garbage that no reader can tell from an image, so they are not in the corpus)."""
    out = []
    for marker, name, deltas in ((b"\xff\xdb", "dqt", (1, 2, 3, 4)), (b"\xff\xc0", "sof", (1, 2, 3, 4)),
                                 (b"\xff\xc4", "dht", (1, 3, 5, 7)), (b"\xff\xda", "sos", (1, 3, 5, 7))):
        for delta in deltas:
            def data(marker=marker, delta=delta) -> bytes:
                full = encoded("JPEG")
                return flipped(full, full.find(marker) + delta)
            out.append(BadFile(f"jpeg_flip_{name}{delta}.jpg", data, DECODE_PROBLEM))
    return out


def _magic_swaps() -> list[BadFile]:
    """The right body behind another format's signature."""
    jpeg_soi = b"\xff\xd8\xff\xe0"
    return [
        BadFile("png_magic_jpeg.png", lambda: jpeg_soi + encoded("PNG")[4:], DECODE_PROBLEM),
        BadFile("jpeg_magic_png.jpg", lambda: PNG_SIGNATURE + encoded("JPEG")[8:], DECODE_PROBLEM),
        BadFile("tiff_magic_bmp.tif", lambda: b"BM" + encoded("TIFF")[2:], DECODE_PROBLEM),
        BadFile("bmp_magic_tiff.bmp", lambda: b"II*\x00" + encoded("BMP")[4:], DECODE_PROBLEM),
        BadFile("png_signature_only.png", lambda: PNG_SIGNATURE, DECODE_PROBLEM),
        BadFile("jpeg_soi_only.jpg", lambda: b"\xff\xd8", DECODE_PROBLEM),
        BadFile("tiff_magic_only.tiff", lambda: b"II*\x00", DECODE_PROBLEM),
    ]


def _other_formats() -> list[BadFile]:
    """Real images in formats we do not read, under the name of one we do: refused on disk as in `serve`."""
    picture = rgb(32, 32, seed=3)
    return [
        BadFile("animation.png", lambda: image_bytes(picture, "GIF"), "GIF image, not an accepted format"),
        BadFile("modern.jpg", lambda: image_bytes(picture, "WEBP"), "WEBP image, not an accepted format"),
    ]


def _not_images() -> list[BadFile]:
    problem = "not a readable image|corrupt or truncated"
    return [
        BadFile("text.png", lambda: b"hello, I am a text file with an image name\n", problem),
        BadFile("notes.jpg", lambda: "patient notes: ünïcode ✓\n".encode(), problem),
        BadFile("data.json.png", lambda: json.dumps({"image": [[1, 2], [3, 4]]}).encode(), problem),
        BadFile("archive.png", zip_bytes, problem),
        BadFile("archive.tif", zip_bytes, problem),
        BadFile("script.png", lambda: b"#!/bin/sh\necho 'I should never run'\n", problem, mode=0o755),
        BadFile("page.bmp", lambda: b"<!doctype html><html><body>404</body></html>\n", problem),
        BadFile("doc.tif", lambda: b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", problem),
        BadFile("array.png", npy_bytes, problem),
        BadFile("program.jpeg", lambda: b"\x7fELF\x02\x01\x01" + b"\x00" * 57, problem),
        BadFile("random.png", lambda: np.random.default_rng(3).bytes(4096), problem),
        BadFile("random.tif", lambda: np.random.default_rng(4).bytes(4096), problem),
    ]


def _zero_bytes() -> list[BadFile]:
    return [BadFile(f"empty.{ext}", lambda: b"", "empty file (0 bytes)")
            for ext in ("png", "jpg", "jpeg", "tif", "tiff", "bmp")]


def _bombs() -> list[BadFile]:
    return [
        BadFile("bomb_claim.png", lambda: png_claiming(20000, 20000), "too large"),
        BadFile("bomb_header_only.png", lambda: png_claiming(20000, 20000, complete=False), DECODE_PROBLEM),
        BadFile("bomb_1bit_20000.png", png_bomb, "too large"),
        BadFile("bomb_wide.png", lambda: png_claiming(400000, 200), "too large"),
        BadFile("bomb_header_only.bmp", lambda: bmp_header_only(20000, 20000), "too large"),
        BadFile("bomb_sof.jpg", lambda: jpeg_claiming(20000, 20000), "too large"),
        BadFile("bomb_tags.tif", lambda: tiff_claiming(20000, 20000), "too large"),
    ]


def _tiny() -> list[BadFile]:
    return [
        BadFile("one_pixel.png", lambda: image_bytes(rgb(1, 1)), "too small"),
        BadFile("one_pixel.tif", lambda: tiff_bytes(np.zeros((1, 1), np.uint8)), "too small"),
        BadFile("one_pixel.jpg", lambda: image_bytes(rgb(1, 1), "JPEG"), "too small"),
        BadFile("one_row.png", lambda: image_bytes(rgb(1, 64)), "too small"),
        BadFile("one_column.bmp", lambda: image_bytes(rgb(64, 1), "BMP"), "too small"),
        BadFile("zero_size.png", lambda: png_claiming(0, 0), DECODE_PROBLEM + "|no pixels"),
    ]


def _tiff_channels() -> list[BadFile]:
    """Channel counts a 2D segmentation model cannot take. Accepted, and documented in docs/errors.md: grey and
    RGB, each optionally with one alpha channel (dropped); refused: 2 or 4 channels whose extra channel is not
    alpha, 5 or more, CMYK, stacks and volumes."""
    z = functools.partial(np.zeros, dtype=np.uint8)
    contig = {"photometric": "minisblack", "planarconfig": "contig"}
    return [
        BadFile("two_channels.tif", lambda: tiff_bytes(z((32, 32, 2)), **contig), "2 channels"),
        BadFile("two_planes.tif", lambda: tiff_bytes(z((2, 32, 32)), photometric="minisblack",
                                                     planarconfig="separate"), "2 channels"),
        BadFile("four_grey_channels.tif", lambda: tiff_bytes(z((32, 32, 4)), **contig), "4 channels"),
        BadFile("rgb_plus_unspecified.tif", lambda: tiff_bytes(z((32, 32, 4)), photometric="rgb",
                                                               extrasamples=["unspecified"]), "not alpha"),
        BadFile("five_channels.tif", lambda: tiff_bytes(z((32, 32, 5)), **contig), "5 channels"),
        BadFile("five_planes.tif", lambda: tiff_bytes(z((5, 32, 32)), photometric="minisblack",
                                                      planarconfig="separate"), "5 channels"),
        BadFile("rgb_plus_two.tif", lambda: tiff_bytes(z((32, 32, 5)), photometric="rgb"), "5 channels"),
        BadFile("eight_channels.tiff", lambda: tiff_bytes(z((32, 32, 8)), **contig), "8 channels"),
        BadFile("cmyk.tif", lambda: tiff_bytes(z((32, 32, 4)), photometric="separated"), "CMYK"),
        BadFile("stack_10_pages.tif", lambda: tiff_bytes(z((10, 32, 32))), "stack of 10"),
        BadFile("volume_3x10.tif", lambda: tiff_bytes(z((3, 10, 32, 32))), "stack of"),
        BadFile("five_default.tif", lambda: tiff_bytes(z((32, 32, 5))), "stack of"),
        BadFile("float_nan.tif", lambda: tiff_bytes(np.full((32, 32), np.nan, np.float32)), "NaN"),
        BadFile("float_inf.tif", lambda: tiff_bytes(np.full((32, 32), np.inf, np.float32)), "infinite"),
        BadFile("complex.tif", lambda: tiff_bytes(np.zeros((32, 32), np.complex64)), "pixel type"),
    ]


@functools.lru_cache(maxsize=None)
def bad_images() -> tuple[BadFile, ...]:
    """Every broken image file of the corpus (names are unique)."""
    files = [
        *_cuts("PNG", "png", (8, 16, 24, 33, 50, 100, 0.25, 0.5, 0.75)),
        *_flips("PNG", "png", (0, 1, 2, 3, 10, 20, 30, 60, 100, 1 / 3, 0.5, 2 / 3)),
        *_cuts("JPEG", "jpg", (4, 8, 16, 50, 100, 0.25, 0.5, 0.75, 0.99)),
        *_flips("JPEG", "jpg", (0, 1, 2, 3)),
        *_jpeg_marker_flips(),
        *_cuts("TIFF", "tif", (4, 8, 12, 50, 100, 200, 0.5, 0.999)),
        *_flips("TIFF", "tif", (0, 1, 2, 3, 10, 20, 30)),
        *_cuts("BMP", "bmp", (16, 24, 50, 100, 0.25, 0.5, 0.999)),
        *_flips("BMP", "bmp", (0, 1, 10, 20, 30)),
        *_magic_swaps(), *_not_images(), *_zero_bytes(), *_bombs(), *_tiny(), *_tiff_channels(),
        *_other_formats(),
    ]
    names = [f.name for f in files]
    assert len(set(names)) == len(names), "duplicate names in the corpus"
    return tuple(files)


def representative(files: Sequence[BadFile], every: int = 3) -> list[BadFile]:
    """A spread-out subset (every `every`-th file), for commands that go through the same reader as a command
    already given the whole set."""
    return [f for i, f in enumerate(files) if i % every == 0]


# ---- masks ----------------------------------------------------------------------------------------------------

def _mask(values: Sequence[int], dtype=np.uint8, size=(32, 32)) -> np.ndarray:
    """A mask of `size` whose bands take each of `values`."""
    mask = np.zeros(size, dtype)
    bands = np.array_split(np.arange(size[0]), len(values))
    for value, rows in zip(values, bands):
        mask[rows] = value
    return mask


def _colour_mask(colours: Sequence[Sequence[int]]) -> np.ndarray:
    mask = np.zeros((32, 32, 3), np.uint8)
    for colour, rows in zip(colours, np.array_split(np.arange(32), len(colours))):
        mask[rows] = colour
    return mask


def _jpeg_mask() -> bytes:
    mask = np.zeros((32, 32), np.uint8)
    mask[8:24, 5:20] = 255
    return image_bytes(mask, "JPEG", quality=40)


@functools.lru_cache(maxsize=None)
def bad_masks() -> tuple[BadFile, ...]:
    """Masks of a binary dataset (one foreground class) that are broken or ambiguous; the image beside each is a
    valid 32 x 32 RGB image."""
    binary = "binary mask expected"
    z = functools.partial(np.zeros, dtype=np.uint8)
    return (
        BadFile("values_0_7_255.png", lambda: image_bytes(_mask([0, 7, 255])), binary),
        BadFile("values_1_2.png", lambda: image_bytes(_mask([1, 2])), binary),
        BadFile("values_0_128.png", lambda: image_bytes(_mask([0, 128])), binary),
        BadFile("u16_0_1000.png", lambda: image_bytes(_mask([0, 1000], np.uint16)), binary),
        BadFile("values_0_1_2.png", lambda: image_bytes(_mask([0, 1, 2])), binary),
        BadFile("values_0_100_200_255.png", lambda: image_bytes(_mask([0, 100, 200, 255])), binary),
        BadFile("u16_0_300_65535.png", lambda: image_bytes(_mask([0, 300, 65535], np.uint16)), binary),
        BadFile("u16_0_1_2.tif", lambda: tiff_bytes(_mask([0, 1, 2], np.uint16)), binary),
        BadFile("u16_0_1000_2000.png", lambda: image_bytes(_mask([0, 1000, 2000], np.uint16)), binary),
        BadFile("u16_5_9.tif", lambda: tiff_bytes(_mask([5, 9], np.uint16)), binary),
        BadFile("float_0_half_1.tif", lambda: tiff_bytes(_mask([0, 0.5, 1], np.float32)), binary),
        BadFile("float_nan.tif", lambda: tiff_bytes(np.full((32, 32), np.nan, np.float32)), "NaN"),
        BadFile("jpeg_noisy.jpg", _jpeg_mask, "binary mask expected"),
        BadFile("rgb_many_colours.png", lambda: image_bytes(rgb(32, 32, seed=5)), "colour mask with"),
        BadFile("rgb_red_green.png", lambda: image_bytes(_colour_mask([(255, 0, 0), (0, 255, 0)])), "colour mask"),
        BadFile("rgb_three_colours.png",
                lambda: image_bytes(_colour_mask([(0, 0, 0), (255, 0, 0), (0, 0, 255)])), "colour mask with 3"),
        BadFile("four_grey_channels.tif", lambda: tiff_bytes(z((32, 32, 4)), photometric="minisblack",
                                                             planarconfig="contig"), "4 channels"),
        BadFile("five_channels.tif", lambda: tiff_bytes(z((32, 32, 5)), photometric="minisblack",
                                                        planarconfig="contig"), "5 channels"),
        BadFile("stack.tif", lambda: tiff_bytes(z((6, 32, 32))), "stack of 6"),
        BadFile("smaller.png", lambda: image_bytes(_mask([0, 255], size=(31, 32))), "mask is 32x31 but image"),
        BadFile("wider.png", lambda: image_bytes(_mask([0, 255], size=(32, 40))), "mask is 40x32 but image"),
        BadFile("transposed.png", lambda: image_bytes(_mask([0, 255], size=(64, 16))), "mask is 16x64 but image"),
        BadFile("double.png", lambda: image_bytes(_mask([0, 255], size=(64, 64))), "mask is 64x64 but image"),
        BadFile("one_pixel.png", lambda: image_bytes(z((1, 1))), "mask is 1x1 but image"),
        BadFile("truncated.png", lambda: image_bytes(_mask([0, 255]))[:60], DECODE_PROBLEM),
        BadFile("flipped.png", lambda: flipped(image_bytes(_mask([0, 255])), 12), DECODE_PROBLEM),
        BadFile("empty.png", lambda: b"", "empty file"),
        BadFile("text.png", lambda: b"0 0 255 255\n", "not a readable image"),
        BadFile("gif_mask.png", lambda: image_bytes(_mask([0, 255]), "GIF"), "GIF image, not an accepted format"),
        BadFile("bomb.png", lambda: png_claiming(20000, 20000), "too large"),
    )


# ---- dataset folders ------------------------------------------------------------------------------------------

def dataset(root: Path, count: int = 3, mask_scale: int = 255) -> Path:
    """A valid dataset of `count` RGB 32 x 32 images (stems case000...). With at most 5 stems the seed-0
    80/10/10 split puts every stem in train, so `train` decodes every file."""
    return make_folder(root, count=count, size=(32, 32), mask_scale=mask_scale)


def add_sample(root: Path, stem: str, image: bytes | None = None, mask: bytes | None = None,
               image_ext: str = ".png", mask_ext: str = ".png") -> None:
    """Add `stem` to a dataset: a valid 32 x 32 image and 0/255 mask unless bytes are given."""
    (root / "images").mkdir(parents=True, exist_ok=True)
    (root / "masks").mkdir(exist_ok=True)
    (root / "images" / f"{stem}{image_ext}").write_bytes(image if image is not None else image_bytes(rgb(32, 32)))
    (root / "masks" / f"{stem}{mask_ext}").write_bytes(mask if mask is not None else image_bytes(_mask([0, 255])))


def train_argv(case_dir: Path, data: Path | str, *extra: str, epochs: bool = True, size: bool = True) -> list[str]:
    argv = ["train", "--data", str(data), "--output", str(case_dir / "runs"), "--name", "run", "--no-progress",
            "--set", "tensorboard=false", "--model", "mininet"]
    argv += ["--epochs", "1"] if epochs else []
    argv += ["--size", "32"] if size else []
    return argv + list(extra)


def evaluate_argv(case_dir: Path, env: Env, data: Path | str, *extra: str, weights: Path | None = None) -> list[str]:
    return ["evaluate", "--weights", str(weights or env.weights), "--data", str(data), "--output",
            str(case_dir / "eval"), "--no-progress", "--no-hd95", *extra]


def predict_argv(case_dir: Path, env: Env, inputs: Path | str, *extra: str, weights: Path | None = None) -> list[str]:
    return ["predict", "--weights", str(weights or env.weights), "--input", str(inputs), "--output",
            str(case_dir / "out"), "--no-progress", *extra]


def absent(*relative: str) -> Callable[[Path], None]:
    def check(case_dir: Path) -> None:
        for rel in relative:
            assert not (case_dir / rel).exists(), f"{rel} should not exist"
    return check


def present(*relative: str, absent_too: Sequence[str] = ()) -> Callable[[Path], None]:
    def check(case_dir: Path) -> None:
        for rel in relative:
            assert (case_dir / rel).exists(), f"{rel} should exist"
        for rel in absent_too:
            assert not (case_dir / rel).exists(), f"{rel} should not exist"
    return check


def _chmod_000(path: Path) -> Path:
    path.chmod(0)
    return path


def _slug(name: str) -> str:
    return name.replace(".", "-")


# ---- train: dataset folders, configs, overrides, flags ---------------------------------------------------------

def _train_bad_image(bad: BadFile) -> Case:
    def build(case_dir: Path, env: Env) -> list[str]:
        data = dataset(case_dir / "ds")
        stem = Path(bad.name).stem
        bad.write(data / "images")
        add_sample_mask(data, stem)
        return train_argv(case_dir, data)
    return Case(f"train/image/{_slug(bad.name)}", build, (bad.name, bad.problem))


def add_sample_mask(root: Path, stem: str) -> None:
    (root / "masks" / f"{stem}.png").write_bytes(image_bytes(_mask([0, 255])))


def _train_bad_mask(bad: BadFile) -> Case:
    def build(case_dir: Path, env: Env) -> list[str]:
        data = dataset(case_dir / "ds")
        stem = Path(bad.name).stem
        (data / "images" / f"{stem}.png").write_bytes(image_bytes(rgb(32, 32)))
        bad.write(data / "masks")
        return train_argv(case_dir, data)
    return Case(f"train/mask/{_slug(bad.name)}", build, (bad.name, bad.problem))


def _data_case(name: str, make: Callable[[Path], None], fragments: tuple[str, ...], *extra: str,
               outcome: str = ERROR, skip: str | None = None, check: Callable[[Path], None] | None = None) -> Case:
    """A train case on a valid 3-image dataset folder `ds` that `make(ds)` then breaks."""
    def build(case_dir: Path, env: Env) -> list[str]:
        data = dataset(case_dir / "ds")
        make(data)
        return train_argv(case_dir, data, *extra)
    return Case(f"train/data/{name}", build, fragments, outcome, check=check, skip=skip,
                keeps_outputs=outcome == WARNING)


def _rm(rel: str) -> Callable[[Path], None]:
    def make(data: Path) -> None:
        target = data / rel
        shutil.rmtree(target) if target.is_dir() else target.unlink()
    return make


def _write(rel: str, data: bytes | str) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)
    return make


def _all(*makers: Callable[[Path], None]) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        for maker in makers:
            maker(root)
    return make


def _symlink(rel: str, target: str) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        (root / rel).symlink_to(root / target)
    return make


def _non_utf8_name(stem: str) -> Callable[[Path], None]:
    """Rename sample `stem` (image and mask) to a name with a byte that is not UTF-8 (Latin-1 from an old archive)."""
    def make(root: Path) -> None:
        for sub in ("images", "masks"):
            os.rename(root / sub / f"{stem}.png", os.fsencode(root / sub) + b"/" + stem.encode() + b"_caf\xe9.png")
    return make


def _mkdir(rel: str) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        (root / rel).mkdir(parents=True)
    return make


def _fifo(rel: str) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        os.mkfifo(root / rel)
    return make


def _multiclass(values_of_bad: Sequence[int]) -> Callable[[Path], None]:
    """Three classes (classes.json), class-index masks; the mask of stem `bad` holds `values_of_bad`."""
    def make(root: Path) -> None:
        (root / "classes.json").write_text(json.dumps({"0": "background", "1": "tumour", "2": "stroma"}))
        for mask in (root / "masks").glob("*.png"):
            mask.write_bytes(image_bytes(_mask([0, 1, 2])))
        add_sample(root, "bad", mask=image_bytes(_mask(values_of_bad)))
    return make


def _palette_with_unknown_colour(root: Path) -> None:
    (root / "classes.json").write_text(json.dumps({
        "0": {"name": "background", "color": [0, 0, 0]}, "1": {"name": "lesion", "color": [255, 0, 0]},
        "2": {"name": "skin", "color": [0, 255, 0]}}))
    for mask in (root / "masks").glob("*.png"):
        mask.write_bytes(image_bytes(_colour_mask([(0, 0, 0), (255, 0, 0), (0, 255, 0)])))
    add_sample(root, "bad", mask=image_bytes(_colour_mask([(0, 0, 0), (255, 0, 0), (0, 0, 255)])))


def _fov(make_bad: Callable[[Path], None]) -> Callable[[Path], None]:
    """Valid field-of-view masks for every stem, then `make_bad`."""
    def make(root: Path) -> None:
        (root / "fov").mkdir()
        for image in (root / "images").glob("*.png"):
            (root / "fov" / image.name).write_bytes(image_bytes(_mask([0, 255])))
        make_bad(root)
    return make


def train_data_cases() -> list[Case]:
    cases = [_train_bad_image(bad) for bad in representative(bad_images(), 3)]
    cases += [_train_bad_mask(bad) for bad in bad_masks()]
    d = _data_case
    cases += [
        # the folder itself
        Case("train/data/missing-folder", lambda c, e: train_argv(c, c / "nowhere"),
             ("nowhere", "dataset folder not found")),
        Case("train/data/file-not-folder", lambda c, e: _write("data.zip", zip_bytes())(c)
             or train_argv(c, c / "data.zip"), ("data.zip", "not a folder")),
        d("no-images-folder", _rm("images"), ("ds", "no images/ folder")),
        d("empty-images-folder", _all(_rm("images"), _mkdir("images")), ("images", "no image files")),
        d("images-only-text", _all(_rm("images"), _write("images/readme.txt", "x")), ("images", "no image files")),
        d("no-masks-folder", _rm("masks"), ("ds", "no masks/ folder")),
        d("empty-masks-folder", _all(_rm("masks"), _mkdir("masks")), ("case000.png", "no mask in")),
        # pairing by stem
        d("image-without-mask", _rm("masks/case001.png"), ("case001.png", "no mask in", "--skip-unpaired")),
        d("mask-without-image", _rm("images/case002.png"), ("case002.png", "no image in", "--skip-unpaired")),
        d("mask-name-typo", _all(_rm("masks/case001.png"), _write("masks/case01.png", image_bytes(_mask([0, 1])))),
          ("case001.png", "no mask in")),
        d("image-without-mask-skipped", _rm("masks/case001.png"), ("case001.png", "skipping 1 unpaired"),
          "--skip-unpaired", outcome=WARNING, check=present("runs/run/best/model.safetensors")),
        d("mask-without-image-skipped", _rm("images/case002.png"), ("case002.png", "no image in"),
          "--skip-unpaired", outcome=WARNING, check=present("runs/run/best/model.safetensors")),
        d("nothing-paired-skipped", _all(_rm("masks"), _mkdir("masks"), _write("masks/other.png",
                                                                              image_bytes(_mask([0, 1])))),
          ("ds", "no image has a mask"), "--skip-unpaired"),
        d("two-files-one-stem", _write("images/case001.jpg", image_bytes(rgb(32, 32), "JPEG")),
          ("case001", "two files share the stem")),
        d("folder-named-like-image", _mkdir("images/extra.png"), ("extra.png", "is a folder")),
        d("folder-named-like-mask", _mkdir("masks/case001.tif"), ("case001.tif", "is a folder")),
        d("broken-symlink-image", _symlink("images/link.png", "images/gone.png"),
          ("link.png", "broken symbolic link")),
        d("broken-symlink-mask", _all(_rm("masks/case000.png"), _symlink("masks/case000.png", "nowhere.png")),
          ("case000.png", "broken symbolic link")),
        d("fifo-named-like-image", _fifo("images/pipe.png"), ("pipe.png", "not a regular file")),
        d("unreadable-image", lambda r: _chmod_000(r / "images" / "case001.png"), ("case001.png", "permission"),
          skip=ROOT_SKIP if IS_ROOT else None),
        d("unreadable-mask", lambda r: _chmod_000(r / "masks" / "case002.png"), ("case002.png", "permission"),
          skip=ROOT_SKIP if IS_ROOT else None),
        d("unreadable-images-folder", lambda r: _chmod_000(r / "images"), ("images", "permission"),
          skip=ROOT_SKIP if IS_ROOT else None),
        # split.json
        d("split-not-json", _write("split.json", "{train: [case000"), ("split.json", "not a readable JSON")),
        d("file-name-not-utf8", _non_utf8_name("case001"), ("case001_caf\\xe9.png", "not valid UTF-8")),
        d("split-deeply-nested", _write("split.json", '{"train": ' + "[" * 100_000 + "]" * 100_000 + "}"),
          ("split.json", "nested deeper than 32")),
        d("split-empty-file", _write("split.json", ""), ("split.json", "not a readable JSON")),
        d("split-not-utf8", _write("split.json", b'{"train": ["\xff\xfe"]}'), ("split.json", "not a readable JSON")),
        d("split-is-list", _write("split.json", '["case000", "case001"]'), ("split.json", "\"train\" list")),
        d("split-no-train", _write("split.json", '{"test": ["case000"]}'), ("split.json", "\"train\" list")),
        d("split-train-string", _write("split.json", '{"train": "case000", "test": []}'),
          ("split.json", "\"train\" must be a list")),
        d("split-train-numbers", _write("split.json", '{"train": [0, 1], "test": []}'),
          ("split.json", "\"train\" must be a list of file stems")),
        d("split-unknown-stems", _write("split.json", '{"train": ["case000", "ghost7"], "test": ["case001"]}'),
          ("split.json", "not in", "ghost7")),
        d("split-stem-twice", _write("split.json", '{"train": ["case000", "case001"], "test": ["case001"]}'),
          ("split.json", "case001", "both")),
        d("split-empty-train", _write("split.json", '{"train": [], "test": ["case000"]}'),
          ("ds", "train split is empty")),
        Case("train/data/split-file-missing", lambda c, e: train_argv(c, dataset(c / "ds"), "--split-file",
                                                                      str(c / "nosplit.json")),
             ("nosplit.json", "split file not found")),
        Case("train/data/split-file-is-folder", lambda c, e: (c / "split.json").mkdir()
             or train_argv(c, dataset(c / "ds"), "--split-file", str(c / "split.json")), ("split.json",),
             outcome=REFUSED),
        # classes.json
        d("classes-not-json", _write("classes.json", "{0: background"), ("classes.json", "not a JSON object")),
        d("classes-empty-file", _write("classes.json", ""), ("classes.json", "not a JSON object")),
        d("classes-list", _write("classes.json", '["background", "lesion"]'), ("classes.json", "not a JSON object")),
        d("classes-null", _write("classes.json", "null"), ("classes.json", "not a JSON object")),
        d("classes-key-not-int", _write("classes.json", '{"bg": "background", "fg": "lesion"}'),
          ("classes.json", "not a JSON object")),
        d("classes-gap", _write("classes.json", '{"0": "background", "2": "lesion"}'),
          ("classes.json", "class indices must be 0..C-1")),
        d("classes-one-class", _write("classes.json", '{"0": "background"}'), ("classes.json", "C >= 2")),
        d("classes-no-name", _write("classes.json", '{"0": {"color": [0, 0, 0]}, "1": {"color": [9, 9, 9]}}'),
          ("classes.json", "needs a name")),
        d("classes-bad-colour", _write("classes.json", '{"0": {"name": "bg", "color": "black"}, '
                                                       '"1": {"name": "fg", "color": [255, 0, 0]}}'),
          ("classes.json", "color", "black")),
        d("classes-colour-out-of-range", _write("classes.json", '{"0": {"name": "bg", "color": [0, 0, 0]}, '
                                                                '"1": {"name": "fg", "color": [256, 0, 0]}}'),
          ("classes.json", "color", "256")),
        d("classes-not-utf8", _write("classes.json", b'{"0": "\xff", "1": "x"}'), ("classes.json", "not a JSON")),
        # class-index masks
        d("class-value-too-high", _multiclass([0, 1, 3]), ("bad.png", "for 3 classes", "{0, 1, 3}")),
        d("class-value-255", _multiclass([0, 255]), ("bad.png", "for 3 classes", "255")),
        d("class-values-far", _multiclass([0, 5, 9]), ("bad.png", "for 3 classes", "9")),
        d("num-classes-flag-too-small", _all(_rm("masks/case000.png"),
                                             _write("masks/case000.png", image_bytes(_mask([0, 1, 2, 3])))),
          ("case000.png", "for 3 classes"), "--num-classes", "3"),
        d("palette-unknown-colour", _palette_with_unknown_colour, ("bad.png", "not in the class palette")),
        # field of view
        d("fov-missing-one", _fov(_rm("fov/case001.png")), ("fov", "no field-of-view mask for", "case001")),
        d("fov-wrong-size", _fov(_write("fov/case002.png", image_bytes(_mask([0, 255], size=(16, 16))))),
          ("case002.png", "field-of-view mask size differs")),
        d("fov-corrupt", _fov(_write("fov/case000.png", b"\x89PNG\r\n\x1a\n...")), ("case000.png",)),
    ]
    return cases


def SAFE_FLAGS(case_dir: Path, env: Env) -> list[str]:  # noqa: N802
    """Flags that keep a config wrongly accepted to one tiny epoch (they do not hide what is under test)."""
    return ["--data", str(env.tiny_data), "--epochs", "1", "--size", "32", "--output", str(case_dir / "runs"),
            "--no-progress", "--set", "tensorboard=false"]


BASE_CONFIG = {"model": "mininet", "epochs": 1, "input": {"size": 32}, "tensorboard": False, "progress": False}


def _config_case(name: str, text: str | bytes | dict, fragments: tuple[str, ...],
                 check: Callable[[Path], None] | None = None) -> Case:
    """train --config config.yaml: `text` as is, or a dict merged over a small valid config (so that a value
    wrongly accepted trains one tiny epoch instead of a long run)."""
    def build(case_dir: Path, env: Env) -> list[str]:
        import yaml

        path = case_dir / "config.yaml"
        if isinstance(text, dict):
            config = {**BASE_CONFIG, "data": str(env.tiny_data), "output": str(case_dir / "runs")}
            for key, value in text.items():
                if isinstance(value, dict) and isinstance(config.get(key), dict):
                    config[key] = {**config[key], **value}
                else:
                    config[key] = value
            path.write_text(yaml.safe_dump(config))
            return ["train", "--config", str(path), "--no-progress"]
        path.write_bytes(text.encode() if isinstance(text, str) else text)
        return ["train", "--config", str(path), *SAFE_FLAGS(case_dir, env)]
    return Case(f"train/config/{name}", build, fragments, check=check)


def _marker_absent(name: str) -> Callable[[Path], None]:
    def check(case_dir: Path) -> None:
        assert not (case_dir / name).exists(), f"the payload ran: {name} was created"
    return check


def _yaml_payload_case() -> Case:
    def build(case_dir: Path, env: Env) -> list[str]:
        path = case_dir / "config.yaml"
        path.write_text(f"model: mininet\nepochs: !!python/object/apply:os.system ['touch {case_dir / 'PWNED'}']\n")
        return ["train", "--config", str(path), *SAFE_FLAGS(case_dir, env)]
    return Case("train/config/python-tag-payload", build, ("config.yaml", "invalid YAML"),
                check=_marker_absent("PWNED"))


def train_config_cases() -> list[Case]:
    c = _config_case
    f = "config.yaml"
    return [
        c("syntax-unclosed-list", "epochs: [1,\n", (f, "invalid YAML")),
        c("syntax-bad-indent", "model: mininet\n  epochs: 3\n lr: 1\n", (f, "invalid YAML")),
        c("syntax-tab-indent", "input:\n\tsize: 32\n", (f, "invalid YAML")),
        c("syntax-unclosed-quote", "model: \"mininet\nepochs: 1\n", (f, "invalid YAML")),
        c("syntax-duplicate-colon", "epochs: : 1\n", (f, "invalid YAML")),
        c("empty-file", "", (f, "empty")),
        c("only-comments", "# nothing here\n# at all\n", (f, "empty")),
        c("not-utf8", b"model: mininet\nname: \xff\xfe\xfa\n", (f, "unreadable config")),
        c("a-list", "- model: mininet\n- epochs: 3\n", (f, "must be a mapping", "list")),
        c("a-string", "just some words\n", (f, "must be a mapping", "str")),
        c("a-number", "42\n", (f, "must be a mapping", "int")),
        c("epochs-word", {"epochs": "ten"}, (f, "epochs", "ten")),
        c("epochs-negative", {"epochs": -3}, (f, "epochs", "-3")),
        c("epochs-zero", {"epochs": 0}, (f, "epochs", "greater than or equal to 1")),
        c("epochs-fraction", {"epochs": 2.5}, (f, "epochs", "2.5")),
        c("epochs-null", {"epochs": None}, (f, "epochs")),
        c("lr-zero", {"lr": 0}, (f, "lr", "greater than 0")),
        c("lr-negative", {"lr": -0.1}, (f, "lr", "-0.1")),
        c("lr-word", {"lr": "fast"}, (f, "lr", "fast")),
        c("batch-size-zero", {"batch_size": 0}, (f, "batch_size")),
        c("unknown-key", {"epocs": 3}, (f, "epocs", "Extra inputs are not permitted")),
        c("unknown-nested-key", {"input": {"sizes": 32}}, (f, "input.sizes", "Extra inputs")),
        c("size-not-multiple-of-8", {"input": {"size": 36}}, (f, "input.size", "(36, 36)", "multiples of 8")),
        c("size-rectangle-not-multiple", {"input": {"size": [32, 50]}}, (f, "input.size", "multiples of 8")),
        c("size-too-small", {"input": {"size": 8}}, (f, "input.size", "between 16 and 4096")),
        c("size-too-large", {"input": {"size": 100000}}, (f, "input.size", "100000")),
        c("size-word", {"input": {"size": "big"}}, (f, "input.size", "big")),
        c("size-three-sides", {"input": {"size": [32, 32, 32]}}, (f, "input.size")),
        c("input-not-mapping", {"input": 5}, (f, "input", "5")),
        c("augment-a-list", {"augment": [1, 2]}, (f, "augment")),
        c("mode-typo", {"input": {"mode": "patches"}}, (f, "input.mode", "patches")),
        c("scale-zero", {"input": {"scale": 0}}, (f, "input.scale")),
        c("in-channels-two", {"input": {"in_channels": 2}}, (f, "input.in_channels", "2")),
        c("unknown-model", {"model": "unetx"}, (f, "model", "unetx")),
        c("model-not-string", {"model": ["mininet"]}, (f, "model")),
        c("model-kwargs-unknown", {"model_kwargs": {"widthz": 3}}, (f, "mininet", "model_kwargs", "widthz")),
        c("model-kwargs-list", {"model_kwargs": [1, 2]}, (f, "model_kwargs")),
        c("unknown-loss", {"loss": "focal_dice"}, (f, "focal_dice", "unknown loss")),
        c("loss-for-other-kind", {"loss": "dice_ce"}, (f, "dice_ce", "num_classes=1")),
        c("loss-kwargs-unknown", {"loss_kwargs": {"gamma": 2}}, (f, "loss", "gamma")),
        c("schedule-typo", {"schedule": "cosin"}, (f, "schedule", "cosin")),
        c("amp-typo", {"amp": "bf32"}, (f, "amp", "bf32")),
        c("num-classes-zero", {"num_classes": 0}, (f, "num_classes", "0")),
        c("num-classes-huge", {"num_classes": 1000}, (f, "num_classes", "1000")),
        c("mask-threshold-negative", {"mask_threshold": -1}, (f, "mask_threshold")),
        c("patience-negative", {"patience": -1}, (f, "patience")),
        c("warmup-negative", {"warmup_epochs": -1}, (f, "warmup_epochs")),
        c("threads-zero", {"threads": 0}, (f, "threads")),
        c("skip-unpaired-word", {"skip_unpaired": "sometimes"}, (f, "skip_unpaired", "sometimes")),
        c("device-unknown", {"device": "tpu"}, (f, "tpu", "unknown device")),
        c("data-missing", {"data": "/nonexistent/dataset"}, ("/nonexistent/dataset", "not found")),
        # values that used to pass validation and fail later (issue 15, class 3)
        c("seed-above-32-bits", {"seed": 2**32}, (f, "seed", "4294967296")),
        c("warmup-infinite", "warmup_epochs: .inf\n", (f, "warmup_epochs", "inf")),
        c("augment-scale-reversed", {"augment": {"scale": [1.2, 0.8]}}, (f, "augment.scale", "low <= high")),
        c("augment-scale-negative", {"augment": {"scale": [-1, 1]}}, (f, "augment.scale")),
        c("elastic-alpha-absurd", {"augment": {"elastic_alpha": 1e9}}, (f, "augment.elastic_alpha")),
        c("model-kwargs-absurd-widths", {"model_kwargs": {"widths": [100000, 24, 32, 46]}},
          (f, "model_kwargs", "out of range")),
        c("model-kwargs-negative-width", {"model_kwargs": {"widths": [16, 24, 32, -4]}},
          (f, "model_kwargs", "negative dimension")),
        c("model-kwargs-million-blocks", {"model": "med2dsegnet", "model_kwargs": {"depths": [0, 0, 1, 1_000_000]}},
          (f, "depths[3]", "out of range")),
        c("model-kwargs-billion-parameters", {"model": "med2dsegnet", "model_kwargs": {
            "widths": [4096, 4096, 4096, 4096], "depths": [4, 4, 4, 4]}}, (f, "parameters", "limit")),
        c("yaml-alias-bomb", "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
          "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n",
          (f, "aliases", "not accepted")),
        c("yaml-deeply-nested", "epochs: " + "[" * 100_000 + "]" * 100_000 + "\n", (f, "nested too deeply")),
        _yaml_payload_case(),
        Case("train/config/missing-file", lambda cd, e: ["train", "--config", str(cd / "nope.yaml")],
             ("nope.yaml", "config file not found")),
        Case("train/config/is-a-folder", lambda cd, e: (cd / "conf.yaml").mkdir()
             or ["train", "--config", str(cd / "conf.yaml")], ("conf.yaml",), outcome=REFUSED),
    ]


def _override_case(name: str, settings: Sequence[str], fragments: tuple[str, ...], epochs: bool = True,
                   size: bool = True) -> Case:
    def build(case_dir: Path, env: Env) -> list[str]:
        extra = [arg for setting in settings for arg in ("--set", setting)]
        return train_argv(case_dir, env.tiny_data, *extra, epochs=epochs, size=size)
    return Case(f"train/set/{name}", build, fragments)


def _flag_case(name: str, flags: Sequence[str], fragments: tuple[str, ...], outcome: str = ERROR,
               skip: str | None = None, epochs: bool = True, size: bool = True) -> Case:
    def build(case_dir: Path, env: Env) -> list[str]:
        return train_argv(case_dir, env.tiny_data, *flags, epochs=epochs, size=size)
    return Case(f"train/flag/{name}", build, fragments, outcome, skip=skip)


def _cuda_skip() -> str | None:
    import torch

    return "a CUDA GPU is available here, so --device cuda is valid" if torch.cuda.is_available() else None


def _existing_run(overwrite: bool) -> Case:
    """A run folder with results already exists: without --overwrite it is refused; with --overwrite and bad
    data, the old run must survive the failed start (never lose work)."""
    def build(case_dir: Path, env: Env) -> list[str]:
        run = case_dir / "runs" / "run"
        run.mkdir(parents=True)
        (run / "metrics.csv").write_text("epoch,train_loss\n1,0.5\n")
        (run / "litemedseg-run.json").write_text("")
        (run / "train_state.pt").write_bytes(b"")
        if not overwrite:
            return train_argv(case_dir, env.tiny_data)
        data = dataset(case_dir / "ds")
        (data / "masks" / "case001.png").write_bytes(b"")
        return train_argv(case_dir, data, "--overwrite")
    fragments = ("case001.png", "empty file") if overwrite else ("run", "run folder exists", "--overwrite")
    return Case(f"train/flag/existing-run{'-overwrite-bad-data' if overwrite else ''}", build, fragments,
                check=present("runs/run/metrics.csv"))


def _run_name_cases() -> list[Case]:
    """A run name must be one plain folder name and --overwrite replaces only a run: nothing the user keeps
    beside or above the run folder may be deleted (a name of ".", "../x" or an absolute path once did)."""
    def build(name: str, extra: tuple[str, ...] = ()) -> Callable[[Path, Env], list[str]]:
        def make(case_dir: Path, env: Env) -> list[str]:
            for rel in ("runs/notes.txt", "victim/notes.txt"):
                _in_the_way(rel)(case_dir)
            argv = train_argv(case_dir, env.tiny_data, "--overwrite", *extra)
            at = argv.index("--name") + 1
            argv[at] = name.replace("CASE", str(case_dir))
            return argv
        return make
    kept = lambda c: (_kept("runs/notes.txt")(c), _kept("victim/notes.txt")(c))  # noqa: E731
    cases = [Case(f"train/name/{label}", build(name), ("name",), check=kept) for label, name in (
        ("dot", "."), ("dotdot", ".."), ("parent-escape", "../victim"), ("absolute", "CASE/victim"),
        ("nested", "a/b"), ("backslash", "a\\b"), ("empty", ""), ("control-char", "a\tb"))]
    cases.append(Case("train/name/yaml-escape", lambda c, e: _yaml_name(c, e), ("name",), check=kept))
    cases.append(Case("train/overwrite/not-a-run", lambda c, e: build("victim")(c, e) + ["--output", str(c)],
                      ("victim", "does not hold a litemedseg run"), check=kept))
    return cases


def _yaml_name(case_dir: Path, env: Env) -> list[str]:
    for rel in ("runs/notes.txt", "victim/notes.txt"):
        _in_the_way(rel)(case_dir)
    config = case_dir / "config.yaml"
    config.write_text("model: mininet\nname: ../victim\noverwrite: true\n")
    argv = [a for a in train_argv(case_dir, env.tiny_data) if a not in ("--name", "run")]
    return ["train", "--config", str(config), *argv[1:]]


def train_flag_cases() -> list[Case]:
    s, fl = _override_case, _flag_case
    return [
        s("no-equals", ["epochs"], ("epochs", "key=value")),
        s("empty-key", ["=5"], ("=5", "key=value")),
        s("unknown-key", ["epochz=3"], ("epochz", "Extra inputs")),
        s("unknown-section", ["optimizer.lr=0.1"], ("optimizer", "Extra inputs")),
        s("epochs-word", ["epochs=many"], ("epochs", "many"), epochs=False),
        s("epochs-negative", ["epochs=-1"], ("epochs", "-1"), epochs=False),
        s("lr-zero", ["lr=0"], ("lr", "greater than 0")),
        s("lr-list", ["lr=[1, 2]"], ("lr",)),
        s("size-odd", ["input.size=17"], ("input.size", "multiples of 8"), size=False),
        s("mode-typo", ["input.mode=tiles"], ("input.mode", "tiles")),
        s("section-as-value", ["input=3"], ("input", "not a section")),
        s("section-as-value-alone", ["input=3"], ("input", "3"), size=False),
        s("value-into-scalar", ["epochs.max=3"], ("epochs",), epochs=False),
        s("bool-word", ["augment.elastic=maybe"], ("augment.elastic", "maybe")),
        s("augment-probability", ["augment.affine_p=1.5"], ("augment.affine_p", "1.5")),
        s("broken-yaml-value", ["model_kwargs={a: [1"], ("model_kwargs",)),
        s("device-unknown", ["device=tpu"], ("tpu", "unknown device")),
        fl("epochs-zero", ["--epochs", "0"], ("epochs", "greater than or equal to 1"), epochs=False),
        fl("epochs-negative", ["--epochs", "-3"], ("epochs", "-3"), epochs=False),
        fl("epochs-word", ["--epochs", "three"], ("three",), REFUSED, epochs=False),
        fl("size-36", ["--size", "36"], ("input.size", "multiples of 8"), size=False),
        fl("size-8", ["--size", "8"], ("input.size", "between 16 and 4096"), size=False),
        fl("size-negative", ["--size", "-32"], ("input.size", "-32"), size=False),
        fl("lr-zero", ["--lr", "0"], ("lr", "greater than 0")),
        fl("lr-nan", ["--lr", "nan"], ("lr",)),
        fl("batch-size-zero", ["--batch-size", "0"], ("batch_size",)),
        fl("unknown-model", ["--model", "unetx"], ("unetx", "unknown model")),
        fl("unknown-loss", ["--loss", "focal"], ("focal", "unknown loss")),
        fl("multiclass-loss-on-binary", ["--loss", "dice_ce"], ("dice_ce", "num_classes=1")),
        fl("num-classes-zero", ["--num-classes", "0"], ("num_classes", "0")),
        fl("num-classes-300", ["--num-classes", "300"], ("num_classes", "300")),
        fl("mask-threshold-negative", ["--mask-threshold", "-5"], ("mask_threshold", "-5")),
        fl("scale-zero", ["--scale", "0"], ("input.scale",)),
        fl("scale-huge", ["--scale", "100"], ("input.scale", "100")),
        fl("mode-typo", ["--mode", "zoom"], ("zoom",), REFUSED),
        fl("threads-zero", ["--threads", "0"], ("threads",)),
        fl("patience-negative", ["--patience", "-2"], ("patience", "-2")),
        fl("device-unknown", ["--device", "tpu"], ("tpu", "unknown device")),
        fl("device-cuda-absent", ["--device", "cuda"], ("cuda", "no CUDA GPU"), skip=_cuda_skip()),
        fl("device-cuda-index", ["--device", "cuda:7"], ("cuda:7",)),
        fl("resume-nothing", ["--resume"], ("run", "nothing to resume")),
        _existing_run(overwrite=False),
        _existing_run(overwrite=True),
        *_run_name_cases(),
    ]


def train_cases() -> list[Case]:
    return train_data_cases() + train_config_cases() + train_flag_cases()


# ---- weights (every command that takes --weights) ---------------------------------------------------------------

@dataclass(frozen=True)
class BadWeights:
    """A broken or unsafe checkpoint: `make(case_dir, env)` writes it and returns the --weights argument."""

    name: str
    make: Callable[[Path, Env], Path]
    fragments: tuple[str, ...]
    check: Callable[[Path], None] | None = None
    skip: str | None = None


class _Evil:
    """Unpickling this runs `action(*args)`: what a malicious "weights" file does."""

    def __init__(self, action, *args) -> None:  # noqa: ANN001
        self.action, self.args = action, args

    def __reduce__(self):  # noqa: ANN204
        return self.action, self.args


def _pickle_payload(name: str, via_torch: bool) -> Callable[[Path, Env], Path]:
    def make(case_dir: Path, env: Env) -> Path:
        import pickle

        marker = str(case_dir / "PWNED")
        payload = {"conv.weight": _Evil(os.system, f"touch {marker}"), "bias": _Evil(open, marker, "w")}
        path = case_dir / name
        if via_torch:
            import torch

            torch.save(payload, path)
        else:
            path.write_bytes(pickle.dumps(payload, protocol=2))
        return path
    return make


def _copy_checkpoint(case_dir: Path, env: Env) -> Path:
    target = case_dir / "ckpt"
    shutil.copytree(env.weights, target)
    return target


def _rewrite_safetensors(change: Callable[[dict, dict], tuple[dict, dict | None]]) -> Callable[[Path, Env], Path]:
    """Copy the reference checkpoint, then rewrite model.safetensors with `change(tensors, metadata)`."""
    def make(case_dir: Path, env: Env) -> Path:
        from safetensors.torch import load_file, safe_open, save_file

        folder = _copy_checkpoint(case_dir, env)
        weights = folder / "model.safetensors"
        with safe_open(str(weights), framework="pt") as handle:
            metadata = handle.metadata() or {}
        tensors, metadata = change(load_file(str(weights)), dict(metadata))
        save_file(tensors, str(weights), metadata=metadata)
        (folder / "meta.json").unlink()
        return weights
    return make


def _meta_edit(edit: Callable[[dict], object], replace: bool = False) -> Callable[[dict, dict], tuple[dict, dict]]:
    """Edit the embedded litemedseg metadata in place (`replace`: use what `edit` returns instead)."""
    def change(tensors: dict, metadata: dict) -> tuple[dict, dict]:
        meta = json.loads(metadata["litemedseg"])
        result = edit(meta)
        metadata["litemedseg"] = json.dumps(result if replace else meta)
        return tensors, metadata
    return change


def _nan_weights(tensors: dict, metadata: dict) -> tuple[dict, dict]:
    import torch

    key = next(k for k, v in tensors.items() if v.is_floating_point() and v.numel() > 1)
    tensors[key] = torch.full_like(tensors[key], float("nan"))
    return tensors, metadata


def _other_model(name: str, **kwargs) -> Callable[[dict, dict], tuple[dict, dict]]:  # noqa: ANN003
    def change(tensors: dict, metadata: dict) -> tuple[dict, dict]:
        import litemedseg

        model = litemedseg.create_model(name, **kwargs)
        return {k: v.contiguous() for k, v in model.state_dict().items()}, metadata
    return change


def _state_dict_pt(with_meta: str | None) -> Callable[[Path, Env], Path]:
    """A plain torch state dict (.pt) of the reference weights; beside it `with_meta` as meta.json (None: no
    meta.json)."""
    def make(case_dir: Path, env: Env) -> Path:
        import torch
        from safetensors.torch import load_file

        folder = case_dir / "pt"
        folder.mkdir()
        torch.save(load_file(str(env.weights / "model.safetensors")), folder / "weights.pt")
        if with_meta is not None:
            (folder / "meta.json").write_text(with_meta)
        return folder / "weights.pt"
    return make


def _file(name: str, data: bytes | Callable[[], bytes]) -> Callable[[Path, Env], Path]:
    def make(case_dir: Path, env: Env) -> Path:
        path = case_dir / name
        path.write_bytes(data() if callable(data) else data)
        return path
    return make


def _truncated_reference(fraction: float) -> Callable[[Path, Env], Path]:
    def make(case_dir: Path, env: Env) -> Path:
        data = (env.weights / "model.safetensors").read_bytes()
        path = case_dir / "model.safetensors"
        path.write_bytes(data[:int(len(data) * fraction)])
        return path
    return make


def _safetensors_header(header: dict, body: bytes = b"") -> bytes:
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + body


def _plain_safetensors(case_dir: Path, env: Env) -> Path:
    import torch
    from safetensors.torch import save_file

    path = case_dir / "foreign.safetensors"
    save_file({"encoder.weight": torch.zeros(4, 4)}, str(path))
    return path


def _folder_without_weights(case_dir: Path, env: Env) -> Path:
    folder = _copy_checkpoint(case_dir, env)
    (folder / "model.safetensors").unlink()
    return folder


def _folder_weights_is_folder(case_dir: Path, env: Env) -> Path:
    folder = _folder_without_weights(case_dir, env)
    (folder / "model.safetensors").mkdir()
    return folder


def _broken_link(case_dir: Path, env: Env) -> Path:
    path = case_dir / "linked.safetensors"
    path.symlink_to(case_dir / "gone.safetensors")
    return path


def _unreadable(case_dir: Path, env: Env) -> Path:
    folder = _copy_checkpoint(case_dir, env)
    return _chmod_000(folder / "model.safetensors")


@functools.lru_cache(maxsize=None)
def weights_variants() -> tuple[BadWeights, ...]:
    w = BadWeights
    payload = ("refused (a pickle that would import code", "system")
    return (
        w("missing-file", lambda c, e: c / "nothere.safetensors", ("nothere.safetensors", "not found")),
        w("missing-folder", lambda c, e: c / "no_run" / "best", ("best", "not found")),
        w("empty-safetensors", _file("empty.safetensors", b""), ("empty.safetensors", "empty file")),
        w("empty-pt", _file("empty.pt", b""), ("empty.pt", "empty file")),
        w("random-bytes", _file("random.safetensors", lambda: np.random.default_rng(7).bytes(2048)),
          ("random.safetensors", "not a valid safetensors")),
        w("text-file", _file("notes.safetensors", b"these are not weights\n"),
          ("notes.safetensors", "not a valid safetensors")),
        w("header-too-large", _file("huge.safetensors", struct.pack("<Q", 2**60) + b"{}"),
          ("huge.safetensors", "not a valid safetensors")),
        w("header-not-json", _file("hdr.safetensors", struct.pack("<Q", 8) + b"{notjson"),
          ("hdr.safetensors", "not a valid safetensors")),
        w("offsets-past-end", _file("short.safetensors", _safetensors_header(
            {"w": {"dtype": "F32", "shape": [1000], "data_offsets": [0, 4000]}}, b"\x00" * 16)),
          ("short.safetensors", "not a valid safetensors")),
        w("truncated-half", _truncated_reference(0.5), ("model.safetensors", "not a valid safetensors")),
        w("truncated-header", _truncated_reference(0.001), ("model.safetensors", "not a valid safetensors")),
        w("pickle-as-safetensors", _pickle_payload("model.safetensors", via_torch=False),
          ("model.safetensors", "not a valid safetensors"), check=_marker_absent("PWNED")),
        w("pickle-as-pt", _pickle_payload("weights.pt", via_torch=False), ("weights.pt", *payload),
          check=_marker_absent("PWNED")),
        w("pickle-as-pth", _pickle_payload("weights.pth", via_torch=False), ("weights.pth", *payload),
          check=_marker_absent("PWNED")),
        w("torch-archive-payload-pt", _pickle_payload("evil.pt", via_torch=True), ("evil.pt", *payload),
          check=_marker_absent("PWNED")),
        w("torch-archive-payload-bin", _pickle_payload("pytorch_model.bin", via_torch=True),
          ("pytorch_model.bin", *payload), check=_marker_absent("PWNED")),
        w("torch-archive-as-safetensors", _pickle_payload("evil.safetensors", via_torch=True),
          ("evil.safetensors", "not a valid safetensors"), check=_marker_absent("PWNED")),
        w("pt-random-bytes", _file("random.pt", lambda: np.random.default_rng(8).bytes(512)),
          ("random.pt", "refused or unreadable")),
        w("pt-not-tensors", lambda c, e: _torch_save(c / "misc.pt", {"epoch": 3, "note": "hello"}),
          ("misc.pt", "not a state dict of tensors")),
        w("pt-a-list", lambda c, e: _torch_save(c / "list.pt", [1, 2, 3]), ("list.pt", "not a state dict")),
        w("pt-without-meta", _state_dict_pt(None), ("weights.pt", "no litemedseg metadata")),
        w("pt-meta-corrupt", _state_dict_pt("{\"format\": \"litemedseg-checkpoint/1\", "),
          ("meta.json", "unreadable metadata")),
        w("pt-meta-a-list", _state_dict_pt("[1, 2]"), ("weights.pt", "not a litemedseg checkpoint")),
        w("pt-meta-other-format", _state_dict_pt('{"format": "keras/2", "model": {}}'),
          ("weights.pt", "not a litemedseg checkpoint", "keras/2")),
        w("unsupported-suffix-ckpt", _file("model.ckpt", b"PK\x03\x04"), ("model.ckpt", "unsupported weights format")),
        w("unsupported-suffix-h5", _file("model.h5", b"\x89HDF\r\n\x1a\n"), ("model.h5", "unsupported weights format")),
        w("no-metadata", _plain_safetensors, ("foreign.safetensors", "no litemedseg metadata")),
        w("metadata-not-json", _rewrite_safetensors(lambda t, m: (t, {**m, "litemedseg": "{oops"})),
          ("model.safetensors", "corrupt litemedseg metadata")),
        w("metadata-a-list", _rewrite_safetensors(_meta_edit(lambda meta: [meta], replace=True)),
          ("model.safetensors", "not a litemedseg checkpoint")),
        w("metadata-other-format", _rewrite_safetensors(_meta_edit(lambda meta: meta.update(format="x/0"))),
          ("model.safetensors", "not a litemedseg checkpoint", "x/0")),
        w("metadata-unknown-model", _rewrite_safetensors(_meta_edit(lambda meta: meta["model"].update(name="zzz"))),
          ("model.safetensors", "zzz")),
        w("metadata-model-malformed", _rewrite_safetensors(_meta_edit(lambda meta: meta.update(model="mininet"))),
          ("model.safetensors", "malformed metadata field model")),
        # wrong types and ranges (issue 15, class 3): checked against one schema when the checkpoint is read
        w("metadata-deeply-nested", _rewrite_safetensors(lambda t, m: (t, {**m, "litemedseg": m["litemedseg"].rstrip()[:-1]
                                                                  + ', "deep": ' + "[" * 100_000 + "]" * 100_000 + "}"})),
          ("model.safetensors", "corrupt litemedseg metadata", "nested deeper than 32")),
        w("metadata-class-names-a-number", _rewrite_safetensors(_meta_edit(lambda meta: meta.update(class_names=5))),
          ("model.safetensors", "class_names", "valid list")),
        w("metadata-class-names-nested", _rewrite_safetensors(_meta_edit(lambda meta: meta.update(
            class_names=[[1], [2]]))), ("model.safetensors", "class_names.0", "valid string")),
        w("metadata-class-names-count", _rewrite_safetensors(_meta_edit(lambda meta: meta.update(
            class_names=["a", "b", "c"]))), ("model.safetensors", "class_names has 3 names")),
        w("metadata-mean-a-word", _rewrite_safetensors(_meta_edit(lambda meta: meta["input"].update(mean="abc"))),
          ("model.safetensors", "input.mean")),
        w("metadata-dataset-a-list", _rewrite_safetensors(_meta_edit(lambda meta: meta.update(dataset=[1]))),
          ("model.safetensors", "dataset", "valid dictionary")),
        w("metadata-num-classes-negative", _rewrite_safetensors(_meta_edit(lambda meta: meta["model"].update(
            num_classes=-3))), ("model.safetensors", "model.num_classes")),
        w("metadata-size-off-the-rule", _rewrite_safetensors(_meta_edit(lambda meta: meta["input"].update(
            size=[33, 33]))), ("model.safetensors|ckpt", "not a multiple of 8")),
        w("metadata-absurd-widths", _rewrite_safetensors(_meta_edit(lambda meta: meta["model"]["kwargs"].update(
            widths=[16, 24, 32, 10**9]))), ("model.safetensors|ckpt", "cannot build", "out of range")),
        w("metadata-no-input", _rewrite_safetensors(_meta_edit(lambda meta: meta.pop("input"))),
          ("model.safetensors", "input description")),
        w("metadata-bad-input", _rewrite_safetensors(_meta_edit(lambda meta: meta["input"].update(mode="zoom"))),
          ("model.safetensors", "input description", "zoom")),
        w("metadata-bad-kwargs", _rewrite_safetensors(_meta_edit(lambda meta: meta["model"].update(
            kwargs={"nonsense": 1}))), ("model.safetensors", "cannot build")),
        w("shapes-of-another-config", _rewrite_safetensors(_meta_edit(lambda meta: meta["model"].update(
            in_channels=1))), ("model.safetensors", "do not fit model", "shape mismatch")),
        w("tensors-of-another-model", _rewrite_safetensors(_other_model("unet")),
          ("model.safetensors", "do not fit model 'mininet'")),
        w("tensors-of-grey-mininet", _rewrite_safetensors(_other_model("mininet", in_channels=1)),
          ("model.safetensors", "shape mismatch")),
        w("nan-weights", _rewrite_safetensors(_nan_weights), ("model.safetensors", "NaN")),
        w("folder-without-weights", _folder_without_weights, ("ckpt", "no model.safetensors")),
        w("folder-weights-is-folder", _folder_weights_is_folder, ("ckpt", "no model.safetensors")),
        w("broken-symlink", _broken_link, ("linked.safetensors", "not found")),
        w("unknown-shipped-name", lambda c, e: Path("mininet:nonexistent"), ("nonexistent", "no shipped weights")),
        w("unreadable", _unreadable, ("model.safetensors", "ermission"), skip=ROOT_SKIP if IS_ROOT else None),
    )


def _reference_as(name: str) -> Callable[[Path, Env], Path]:
    def make(case_dir: Path, env: Env) -> Path:
        return Path(shutil.copy(env.weights / "model.safetensors", case_dir / name))
    return make


@functools.lru_cache(maxsize=None)
def onnx_weights_variants() -> tuple[BadWeights, ...]:
    """Broken exported models for `predict --runtime onnx` (chosen by the .onnx suffix)."""
    w = BadWeights
    cannot = "cannot load this model"
    return (
        w("onnx-missing", lambda c, e: c / "gone.onnx", ("gone.onnx", "not found")),
        w("onnx-empty", _file("empty.onnx", b""), ("empty.onnx", "empty file")),
        w("onnx-random-bytes", _file("random.onnx", lambda: np.random.default_rng(9).bytes(3000)),
          ("random.onnx", cannot)),
        w("onnx-text", _file("model.onnx", b"ir_version: 8\ngraph { }\n"), ("model.onnx", cannot)),
        w("onnx-pickle-payload", _pickle_payload("evil.onnx", via_torch=True), ("evil.onnx", cannot),
          check=_marker_absent("PWNED")),
        w("onnx-safetensors-renamed", _reference_as("ckpt.onnx"), ("ckpt.onnx", cannot)),
        w("onnx-metadata-disagrees-with-graph", _onnx_meta_edit("grey.onnx", _one_channel),
          ("grey.onnx", "graph input", "3 channels but the metadata says 1")),
        w("onnx-metadata-deeply-nested", _onnx_meta_edit("deep.onnx", None), ("deep.onnx", "corrupt litemedseg metadata")),
    )


def _one_channel(meta: dict) -> None:
    meta["input"].update(in_channels=1, mean=meta["input"]["mean"][:1], std=meta["input"]["std"][:1])


def _onnx_meta_edit(name: str, edit: Callable[[dict], None] | None) -> Callable[[Path, Env], Path]:
    """The reference export with its embedded metadata edited (`edit`), or nested 100,000 deep (None)."""
    def make(case_dir: Path, env: Env) -> Path:
        import onnx

        model = onnx.load(str(env.onnx))
        prop = next(p for p in model.metadata_props if p.key == "litemedseg")
        if edit is None:
            prop.value = prop.value.rstrip()[:-1] + ', "deep": ' + "[" * 100_000 + "]" * 100_000 + "}"
        else:
            meta = json.loads(prop.value)
            edit(meta)
            prop.value = json.dumps(meta)
        onnx.save(model, str(case_dir / name))
        return case_dir / name
    return make


def _orphan_onnx(case_dir: Path, env: Env) -> Path:
    """The reference export copied with a sidecar whose source checkpoint no longer exists."""
    out = Path(shutil.copy(env.onnx, case_dir / "orphan.onnx"))
    side = json.loads(env.onnx.with_name(env.onnx.name + ".json").read_text())
    side["source"]["weights"] = str(case_dir / "deleted" / "model.safetensors")
    side["file_sha256"] = None
    (case_dir / "orphan.onnx.json").write_text(json.dumps(side))
    return out


def _torch_save(path: Path, obj: object) -> Path:
    import torch

    torch.save(obj, path)
    return path


def weights_case(command: str, bad: BadWeights, argv: Callable[[Path, Env, Path], list[str]]) -> Case:
    def build(case_dir: Path, env: Env) -> list[str]:
        return argv(case_dir, env, bad.make(case_dir, env))
    return Case(f"{command}/weights/{bad.name}", build, bad.fragments, check=bad.check, skip=bad.skip)


# ---- evaluate --------------------------------------------------------------------------------------------------

def _eval_bad_mask(bad: BadFile) -> Case:
    def build(case_dir: Path, env: Env) -> list[str]:
        data = dataset(case_dir / "ds")
        stem = Path(bad.name).stem
        (data / "images" / f"{stem}.png").write_bytes(image_bytes(rgb(32, 32)))
        bad.write(data / "masks")
        return evaluate_argv(case_dir, env, data, "--split", "all")
    return Case(f"evaluate/mask/{_slug(bad.name)}", build, (bad.name, bad.problem), check=absent("eval"))


def _eval_bad_image(bad: BadFile) -> Case:
    def build(case_dir: Path, env: Env) -> list[str]:
        data = dataset(case_dir / "ds")
        bad.write(data / "images")
        add_sample_mask(data, Path(bad.name).stem)
        return evaluate_argv(case_dir, env, data, "--split", "all")
    return Case(f"evaluate/image/{_slug(bad.name)}", build, (bad.name, bad.problem), check=absent("eval"))


def _eval_case(name: str, make: Callable[[Path], None], fragments: tuple[str, ...], *extra: str,
               outcome: str = ERROR) -> Case:
    def build(case_dir: Path, env: Env) -> list[str]:
        data = dataset(case_dir / "ds")
        make(data)
        return evaluate_argv(case_dir, env, data, *extra)
    return Case(f"evaluate/data/{name}", build, fragments, outcome, check=absent("eval"))


def _argv_with_output(command: str, case_dir: Path, env: Env, output: Path) -> list[str]:
    """A valid evaluate or predict command line whose --output is `output`."""
    if command == "evaluate":
        argv = evaluate_argv(case_dir, env, dataset(case_dir / "ds"), "--split", "all")
    else:
        argv = predict_argv(case_dir, env, env.good_image)
    argv[argv.index("--output") + 1] = str(output)
    return argv


def _output_holds_user_files(command: str) -> Case:
    """An --output folder that holds someone's files is never replaced (issue 15, class 2)."""
    def build(case_dir: Path, env: Env) -> list[str]:
        folder = case_dir / "mine"
        (folder / "masks").mkdir(parents=True)
        (folder / "thesis.tex").write_text("keep me")
        return _argv_with_output(command, case_dir, env, folder)

    def check(case_dir: Path) -> None:
        assert (case_dir / "mine" / "thesis.tex").read_text() == "keep me"
        assert sorted(p.name for p in (case_dir / "mine").iterdir()) == ["masks", "thesis.tex"]
    return Case(f"{command}/output/folder-of-user-files", build, ("mine", "never replaced"), check=check)


def _output_is_symlink(command: str) -> Case:
    def build(case_dir: Path, env: Env) -> list[str]:
        (case_dir / "real").mkdir()
        (case_dir / "link").symlink_to(case_dir / "real")
        return _argv_with_output(command, case_dir, env, case_dir / "link")
    return Case(f"{command}/output/symbolic-link", build, ("link", "symbolic link"))


def _output_is_file(command: str) -> Case:
    def build(case_dir: Path, env: Env) -> list[str]:
        (case_dir / "results.png").write_bytes(b"keep me")
        return _argv_with_output(command, case_dir, env, case_dir / "results.png")

    def check(case_dir: Path) -> None:
        assert (case_dir / "results.png").read_bytes() == b"keep me"
    return Case(f"{command}/output/existing-file", build, ("results.png",), REFUSED, check=check)


def _output_under_file(command: str) -> Case:
    def build(case_dir: Path, env: Env) -> list[str]:
        (case_dir / "results.txt").write_bytes(b"keep me")
        return _argv_with_output(command, case_dir, env, case_dir / "results.txt" / "sub")
    return Case(f"{command}/output/inside-a-file", build, ("results.txt",), check=present("results.txt"))


def evaluate_cases() -> list[Case]:
    e = _eval_case
    split_all_train = _write("split.json", json.dumps({"train": ["case000", "case001", "case002"], "test": []}))
    cases = [_eval_bad_mask(bad) for bad in bad_masks()]
    cases += [_eval_bad_image(bad) for bad in representative(bad_images(), 6)]
    cases += [
        e("split-test-empty", split_all_train, ("test", "split is empty"), "--split", "test"),
        e("split-not-json", _write("split.json", "not json at all"), ("split.json", "not a readable JSON")),
        e("file-name-not-utf8", _non_utf8_name("case001"), ("case001_caf\\xe9.png", "not valid UTF-8"), "--split", "all"),
        e("split-stem-twice", _write("split.json", '{"train": ["case000"], "test": ["case000"]}'),
          ("split.json", "case000", "both")),
        e("no-masks-folder", _rm("masks"), ("ds", "no masks/ folder"), "--split", "all"),
        e("image-without-mask", _rm("masks/case001.png"), ("case001.png", "no mask in"), "--split", "all"),
        e("mask-without-image", _rm("images/case000.png"), ("case000.png", "no image in"), "--split", "all"),
        e("empty-images", _all(_rm("images"), _mkdir("images")), ("images", "no image files"), "--split", "all"),
        e("broken-symlink-mask", _all(_rm("masks/case002.png"), _symlink("masks/case002.png", "x.png")),
          ("case002.png", "broken symbolic link"), "--split", "all"),
        e("class-values-binary-model", _all(_rm("masks/case000.png"),
                                            _write("masks/case000.png", image_bytes(_mask([0, 1, 2])))),
          ("case000.png", "binary mask expected"), "--split", "all"),
        e("classes-json-broken", _write("classes.json", "{"), ("classes.json", "not a JSON object"),
          "--split", "all"),
        Case("evaluate/data/missing-folder", lambda c, env: evaluate_argv(c, env, c / "void"),
             ("void", "dataset folder not found"), check=absent("eval")),
        Case("evaluate/data/split-file-unknown-stems", lambda c, env: _write(
            "mysplit.json", '{"train": [], "test": ["nobody"]}')(c) or evaluate_argv(
            c, env, dataset(c / "ds"), "--split-file", str(c / "mysplit.json")), ("mysplit.json", "not in", "nobody"),
            check=absent("eval")),
        Case("evaluate/data/split-file-missing", lambda c, env: evaluate_argv(
            c, env, dataset(c / "ds"), "--split-file", str(c / "none.json")), ("none.json", "split file not found")),
        Case("evaluate/data/split-file-folder", lambda c, env: (c / "sf.json").mkdir() or evaluate_argv(
            c, env, dataset(c / "ds"), "--split-file", str(c / "sf.json")), ("sf.json",), REFUSED),
        Case("evaluate/flag/split-typo", lambda c, env: evaluate_argv(c, env, dataset(c / "ds"), "--split", "tset"),
             ("tset",), REFUSED),
        Case("evaluate/flag/device-unknown", lambda c, env: evaluate_argv(c, env, dataset(c / "ds"), "--device",
                                                                          "quantum"), ("quantum", "unknown device")),
        _output_is_file("evaluate"),
        _output_under_file("evaluate"),
        _output_holds_user_files("evaluate"),
        _output_is_symlink("evaluate"),
    ]
    cases += [weights_case("evaluate", bad, lambda c, env, w: evaluate_argv(c, env, dataset(c / "ds"), weights=w))
              for bad in weights_variants()[::4]]
    return cases


# ---- predict ---------------------------------------------------------------------------------------------------

def _predict_single(bad: BadFile) -> Case:
    def build(case_dir: Path, env: Env) -> list[str]:
        return predict_argv(case_dir, env, bad.write(case_dir / "in"))
    return Case(f"predict/image/{_slug(bad.name)}", build, (bad.name, bad.problem), check=absent("out"))


def _predict_skip_bad(bad: BadFile) -> Case:
    """A folder with a good image and a bad one, --skip-bad: a warning naming the bad one, the good one done."""
    def build(case_dir: Path, env: Env) -> list[str]:
        folder = case_dir / "in"
        bad.write(folder)
        shutil.copy(env.good_image, folder / "good.png")
        return predict_argv(case_dir, env, folder, "--skip-bad")
    stem = Path(bad.name).stem
    return Case(f"predict/skip-bad/{_slug(bad.name)}", build, ("skipped", bad.name, bad.problem), WARNING,
                check=present("out/masks/good.png", absent_too=[f"out/masks/{stem}.png"]), keeps_outputs=True)


def _predict_case(name: str, make: Callable[[Path, Env], Path | str], fragments: tuple[str, ...], *extra: str,
                  outcome: str = ERROR, check: Callable[[Path], None] | None = None, keeps_outputs: bool = False,
                  skip: str | None = None) -> Case:
    def build(case_dir: Path, env: Env) -> list[str]:
        return predict_argv(case_dir, env, make(case_dir, env), *extra)
    return Case(f"predict/input/{name}", build, fragments, outcome, check=check or absent("out"),
                keeps_outputs=keeps_outputs, skip=skip)


def _folder(*files: tuple[str, bytes | None]) -> Callable[[Path, Env], Path]:
    """A folder `in` holding `files` (None: a copy of the good image)."""
    def make(case_dir: Path, env: Env) -> Path:
        folder = case_dir / "in"
        folder.mkdir()
        for name, data in files:
            path = folder / name
            if data is None:
                shutil.copy(env.good_image, path)
            else:
                path.write_bytes(data)
        return folder
    return make


def _then(make: Callable[[Path, Env], Path], after: Callable[[Path], None]) -> Callable[[Path, Env], Path]:
    def wrapped(case_dir: Path, env: Env) -> Path:
        folder = make(case_dir, env)
        after(folder)
        return folder
    return wrapped


def predict_cases() -> list[Case]:
    cases = [_predict_single(bad) for bad in bad_images()]
    cases += [_predict_skip_bad(bad) for bad in representative(bad_images(), 3)]
    p = _predict_case
    bad_png = encoded("PNG")[:200]
    cases += [
        p("missing-file", lambda c, e: c / "missing.png", ("missing.png", "not found")),
        p("missing-folder", lambda c, e: c / "missing_dir", ("missing_dir", "not found")),
        p("not-an-image-name", lambda c, e: _write("notes.txt", "x")(c) or c / "notes.txt",
          ("notes.txt", "not an image file name")),
        p("empty-folder", _folder(), ("in", "no image files")),
        p("folder-without-images", _folder(("readme.txt", b"x"), ("data.csv", b"a,b")), ("in", "no image files")),
        p("folder-only-hidden", _folder((".hidden.png", None)), ("in", "no image files")),
        p("folder-named-like-image", lambda c, e: _mkdir("scan.png")(c) or c / "scan.png",
          ("scan.png", "no image files")),
        p("broken-symlink", lambda c, e: _symlink("link.png", "gone.png")(c) or c / "link.png",
          ("link.png", "broken symbolic link")),
        p("fifo", lambda c, e: _fifo("pipe.png")(c) or c / "pipe.png", ("pipe.png", "not a regular file")),
        p("unreadable", lambda c, e: _chmod_000(Path(shutil.copy(e.good_image, c / "locked.png"))),
          ("locked.png", "permission"), skip=ROOT_SKIP if IS_ROOT else None),
        p("bad-first-in-folder", _folder(("a_bad.png", bad_png), ("b_good.png", None)), ("a_bad.png", DECODE_PROBLEM)),
        p("broken-link-in-folder", _then(_folder(("good.png", None)), _symlink("dead.png", "nothing.png")),
          ("dead.png", "broken symbolic link")),
        p("subfolder-named-like-image", _then(_folder(("good.png", None)), _mkdir("a_sub.png")),
          ("a_sub.png", "is a folder")),
        p("two-inputs-one-stem", _folder(("scan.png", None), ("scan.jpg", image_bytes(rgb(32, 32), "JPEG"))),
          ("scan", "share the stem")),
        p("bad-single-skip-bad", lambda c, e: BadFile("lone.png", lambda: bad_png, "").write(c / "in"),
          ("skipped", "lone.png"), "--skip-bad", outcome=WARNING, keeps_outputs=True, check=absent("out/masks")),
        p("broken-link-skip-bad", _then(_folder(("good.png", None)), _symlink("dead.png", "nothing.png")),
          ("skipped", "dead.png", "broken symbolic link"), "--skip-bad", outcome=WARNING, keeps_outputs=True,
          check=present("out/masks/good.png")),
        p("subfolder-skip-bad", _then(_folder(("good.png", None)), _mkdir("sub.png")),
          ("skipped", "sub.png", "is a folder"), "--skip-bad", outcome=WARNING, keeps_outputs=True,
          check=present("out/masks/good.png")),
        p("many-bad-skip-bad", _folder(("good.png", None), ("x1.png", b""), ("x2.jpg", b"text"),
                                       ("x3.tif", tiff_bytes(np.zeros((32, 32, 5), np.uint8),
                                                             photometric="minisblack", planarconfig="contig"))),
          ("skipped", "x1.png|x2.jpg|x3.tif"), "--skip-bad", outcome=WARNING, keeps_outputs=True,
          check=present("out/masks/good.png", absent_too=["out/masks/x1.png", "out/masks/x2.png"])),
        p("device-unknown", lambda c, e: e.good_image, ("quantum", "unknown device"), "--device", "quantum"),
        _output_is_file("predict"),
        _output_under_file("predict"),
        _output_holds_user_files("predict"),
        _output_is_symlink("predict"),
    ]
    cases += [weights_case("predict", bad, lambda c, env, w: predict_argv(c, env, env.good_image, weights=w))
              for bad in weights_variants() + onnx_weights_variants()]
    cases.append(Case("predict/weights/onnx-with-torch-runtime", lambda c, env: predict_argv(
        c, env, env.good_image, "--runtime", "torch", weights=_reference_as("model.onnx")(c, env)),
        ("model.onnx", "--runtime onnx")))
    return cases


# ---- export ----------------------------------------------------------------------------------------------------

def export_argv(case_dir: Path, env: Env, *extra: str, weights: Path | str | None = None,
                output: Path | str | None = None, check: bool = False) -> list[str]:
    """export into `exp/model.onnx` of the case folder; --no-check unless `check` (the reference dataset has no
    test images, and a wrongly accepted case should cost as little as possible)."""
    return ["export", "--weights", str(weights or env.weights), "--output", str(output or case_dir / "exp" / "model.onnx"),
            "--no-progress", *([] if check else ["--no-check"]), *extra]


def _export_case(name: str, build: Callable[[Path, Env], list[str]], fragments: tuple[str, ...],
                 outcome: str = ERROR, check: Callable[[Path], None] | None = None, skip: str | None = None) -> Case:
    return Case(f"export/{name}", build, fragments, outcome, check=check or absent("exp"), skip=skip)


def _export_flags(*extra: str, check: bool = False) -> Callable[[Path, Env], list[str]]:
    return lambda c, env: export_argv(c, env, *extra, check=check)


def _export_to(make: Callable[[Path], Path | str], *extra: str) -> Callable[[Path, Env], list[str]]:
    """export with --output `make(case_dir)` (which may first put something in the way)."""
    return lambda c, env: export_argv(c, env, *extra, output=make(c))


def _in_the_way(rel: str, data: bytes = b"keep me") -> Callable[[Path], None]:
    def make(root: Path) -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return make


def _kept(rel: str, data: bytes = b"keep me") -> Callable[[Path], None]:
    def check(case_dir: Path) -> None:
        assert (case_dir / rel).read_bytes() == data, f"{rel} was changed"
    return check


def _calibration_data(make: Callable[[Path], None], *extra: str, check: bool = False
                      ) -> Callable[[Path, Env], list[str]]:
    """export --int8 (or the accuracy check, `check`) on a 3-image dataset `ds` that `make(ds)` breaks."""
    def build(case_dir: Path, env: Env) -> list[str]:
        data = dataset(case_dir / "ds")
        make(data)
        flags = ["--split", "all"] if check else ["--int8"]
        return export_argv(case_dir, env, "--data", str(data), *flags, *extra, check=check)
    return build


def _export_bad_calibration_image(bad: BadFile) -> Case:
    def make(data: Path) -> None:
        bad.write(data / "images")
        add_sample_mask(data, Path(bad.name).stem)
    return _export_case(f"calibration/{_slug(bad.name)}", _calibration_data(make), (bad.name, bad.problem))


def _export_bad_check_mask(bad: BadFile) -> Case:
    def make(data: Path) -> None:
        (data / "images" / f"{Path(bad.name).stem}.png").write_bytes(image_bytes(rgb(32, 32)))
        bad.write(data / "masks")
    return _export_case(f"check-data/{_slug(bad.name)}", _calibration_data(make, check=True), (bad.name, bad.problem))


def _unwritable_folder(case_dir: Path) -> Path:
    folder = case_dir / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    return folder / "model.onnx"


def _copied_checkpoint_output(name: str) -> Callable[[Path, Env], list[str]]:
    """--weights a copy of the reference checkpoint, --output `name` inside that copy (never the shared one)."""
    def build(case_dir: Path, env: Env) -> list[str]:
        folder = _copy_checkpoint(case_dir, env)
        return export_argv(case_dir, env, weights=folder, output=folder / name)
    return build


def _checkpoint_unchanged(case_dir: Path) -> None:
    assert not (case_dir / "exp").exists()
    assert sorted(p.name for p in (case_dir / "ckpt").iterdir()) == ["meta.json", "model.safetensors"], \
        "the export wrote into the checkpoint folder"


def export_cases() -> list[Case]:
    x, f, to = _export_case, _export_flags, _export_to
    root_skip = ROOT_SKIP if IS_ROOT else None
    cases = [weights_case("export", bad, lambda c, env, w: export_argv(c, env, weights=w))
             for bad in weights_variants()]
    cases += [
        # what is exported, and how
        x("format/unknown-tflite", f("--format", "tflite"), ("tflite", "unknown export format")),
        x("format/unknown-tensorrt", f("--format", "tensorrt"), ("tensorrt", "unknown export format")),
        x("format/empty", f("--format", ""), ("''", "unknown export format")),
        x("format/typo-onxx", f("--format", "onxx"), ("onxx", "unknown export format")),
        x("format/int8-with-torchscript", _export_to(lambda c: c / "exp" / "model.pt", "--format", "torchscript",
                                                     "--int8"), ("--int8", "--format onnx only")),
        x("format/fp16-with-torchscript", _export_to(lambda c: c / "exp" / "model.pt", "--format", "torchscript",
                                                     "--fp16"), ("--fp16", "--format onnx only")),
        x("format/int8-and-fp16", f("--int8", "--fp16"), ("--int8 and --fp16", "exclude each other")),
        x("weights/onnx-file", lambda c, env: export_argv(c, env, weights=env.onnx), ("model.onnx", "already exported")),
        x("weights/int8-on-onnx-file", lambda c, env: export_argv(c, env, "--int8", weights=env.onnx),
          ("model.onnx", "already exported")),
        x("weights/fp16-on-onnx-file", lambda c, env: export_argv(c, env, "--fp16", weights=env.onnx),
          ("model.onnx", "already exported")),
        x("weights/onnx-missing", lambda c, env: export_argv(c, env, weights=c / "gone.onnx"),
          ("gone.onnx", "not found")),
        x("flag/opset-5", f("--opset", "5"), ("--opset", "5"), REFUSED),
        x("flag/opset-16", f("--opset", "16"), ("--opset", "16"), REFUSED),
        x("flag/opset-21", f("--opset", "21"), ("--opset", "21"), REFUSED),
        x("flag/opset-negative", f("--opset", "-17"), ("--opset", "-17"), REFUSED),
        x("flag/opset-word", f("--opset", "latest"), ("--opset", "latest"), REFUSED),
        x("flag/max-dice-drop-negative", f("--max-dice-drop", "-0.1"), ("--max-dice-drop", "-0.1")),
        x("flag/max-dice-drop-above-one", f("--max-dice-drop", "1.5"), ("--max-dice-drop", "1.5")),
        x("flag/max-dice-drop-nan", f("--max-dice-drop", "nan"), ("--max-dice-drop", "nan")),
        x("flag/max-dice-drop-inf", f("--max-dice-drop", "inf"), ("--max-dice-drop", "inf")),
        x("flag/max-dice-drop-word", f("--max-dice-drop", "small"), ("--max-dice-drop", "small"), REFUSED),
        x("flag/calibration-images-zero", f("--int8", "--calibration-images", "0"), ("--calibration-images", "0")),
        x("flag/calibration-images-negative", f("--int8", "--calibration-images", "-4"),
          ("--calibration-images", "-4")),
        x("flag/split-typo", f("--split", "tset", check=True), ("--split", "tset"), REFUSED),
        x("flag/weights-missing-option", lambda c, env: ["export", "--output", str(c / "exp" / "model.onnx")],
          ("--weights",), REFUSED),
        # where it goes
        x("output/default-name-is-a-folder", lambda c, env: _mkdir("exp/model.onnx")(c) or export_argv(
            c, env, output=c / "exp"), ("model.onnx", "is a folder"), check=present("exp/model.onnx")),
        x("output/metadata-name-is-a-folder", lambda c, env: _mkdir("exp/m.onnx.json")(c) or export_argv(
            c, env, output=c / "exp" / "m.onnx"), ("m.onnx.json", "is a folder"),
          check=present("exp/m.onnx.json", absent_too=["exp/m.onnx"])),
        x("output/torchscript-name-is-a-folder", lambda c, env: _mkdir("exp/model.torchscript.pt")(c) or export_argv(
            c, env, "--format", "torchscript", output=c / "exp"), ("model.torchscript.pt", "is a folder"),
          check=present("exp/model.torchscript.pt")),
        x("output/inside-a-file", lambda c, env: _in_the_way("notes.txt")(c) or export_argv(
            c, env, output=c / "notes.txt" / "model.onnx"), ("notes.txt", "is a file"), check=_kept("notes.txt")),
        x("output/deep-inside-a-file", lambda c, env: _in_the_way("notes.txt")(c) or export_argv(
            c, env, output=c / "notes.txt" / "a" / "b" / "model.onnx"), ("notes.txt", "is a file"),
          check=_kept("notes.txt")),
        x("output/folder-inside-a-file", lambda c, env: _in_the_way("notes.txt")(c) or export_argv(
            c, env, output=c / "notes.txt" / "exports"), ("notes.txt", "is a file"), check=_kept("notes.txt")),
        x("output/inside-an-image-file", lambda c, env: _in_the_way("scan.png", image_bytes(rgb(8, 8)))(c)
          or export_argv(c, env, output=c / "scan.png" / "model.onnx"), ("scan.png", "is a file")),
        x("output/safetensors-name", to(lambda c: c / "exp" / "model.safetensors"),
          ("model.safetensors", "refusing to write")),
        x("output/json-name", to(lambda c: c / "exp" / "model.json"), ("model.json", "refusing to write")),
        x("output/over-the-checkpoint", _copied_checkpoint_output("model.safetensors"),
          ("model.safetensors", "refusing to write"), check=_checkpoint_unchanged),
        x("output/over-the-checkpoint-metadata", _copied_checkpoint_output("meta.json"),
          ("meta.json", "refusing to write"), check=_checkpoint_unchanged),
        x("output/onnx-named-pt", to(lambda c: c / "exp" / "model.pt"), ("model.pt", "ending in .onnx")),
        x("output/onnx-named-tmp", to(lambda c: c / "exp" / "model.onnx.tmp"), ("model.onnx.tmp", "ending in .onnx")),
        x("output/onnx-named-bin", to(lambda c: c / "exp" / "model.bin"), ("model.bin", "ending in .onnx")),
        x("output/torchscript-named-onnx", to(lambda c: c / "exp" / "model.onnx", "--format", "torchscript"),
          ("model.onnx", "ending in .pt")),
        x("output/unwritable-folder", lambda c, env: export_argv(c, env, output=_unwritable_folder(c)),
          ("locked", "permission"), check=absent("locked/model.onnx"), skip=root_skip),
        # calibration (--int8) and accuracy-check data
        x("calibration/missing-folder", lambda c, env: export_argv(c, env, "--int8", "--data", str(c / "nodata")),
          ("nodata", "dataset folder not found")),
        x("calibration/a-file", lambda c, env: _in_the_way("data.zip", zip_bytes())(c) or export_argv(
            c, env, "--int8", "--data", str(c / "data.zip")), ("data.zip", "not a folder")),
        x("calibration/no-images-folder", _calibration_data(_rm("images")), ("ds", "no images/ folder")),
        x("calibration/empty-images-folder", _calibration_data(_all(_rm("images"), _mkdir("images"))),
          ("images", "no image files")),
        x("calibration/image-without-mask", _calibration_data(_rm("masks/case001.png")),
          ("case001.png", "no mask in")),
        x("calibration/folder-named-like-image", _calibration_data(_all(_mkdir("images/extra.png"),
                                                                        lambda r: add_sample_mask(r, "extra"))),
          ("extra.png", "is a folder")),
        x("calibration/broken-symlink", _calibration_data(_all(_symlink("images/link.png", "images/gone.png"),
                                                               lambda r: add_sample_mask(r, "link"))),
          ("link.png", "broken symbolic link")),
        x("calibration/split-not-json", _calibration_data(_write("split.json", "{train: [")),
          ("split.json", "not a readable JSON")),
        x("check-data/test-split-empty", lambda c, env: export_argv(c, env, check=True),
          ("tiny", "'test' split is empty", "--no-check")),
        x("check-data/missing-folder", lambda c, env: export_argv(c, env, "--data", str(c / "nodata"), check=True),
          ("nodata", "dataset folder not found")),
        x("check-data/mask-without-image", _calibration_data(_rm("images/case002.png"), check=True),
          ("case002.png", "no image in")),
    ]
    cases += [_export_bad_calibration_image(bad) for bad in representative(bad_images(), 9)]
    cases += [_export_bad_check_mask(bad) for bad in representative(bad_masks(), 4)]
    return cases


# ---- explain ---------------------------------------------------------------------------------------------------

def explain_argv(case_dir: Path, env: Env, inputs: Path | str, *extra: str, weights: Path | str | None = None
                 ) -> list[str]:
    return ["explain", "--weights", str(weights or env.weights), "--input", str(inputs), "--output",
            str(case_dir / "xai"), "--no-progress", *extra]


def _explain_single(bad: BadFile) -> Case:
    def build(case_dir: Path, env: Env) -> list[str]:
        return explain_argv(case_dir, env, bad.write(case_dir / "in"))
    return Case(f"explain/image/{_slug(bad.name)}", build, (bad.name, bad.problem), check=absent("xai"))


def _explain_case(name: str, make: Callable[[Path, Env], Path | str], fragments: tuple[str, ...], *extra: str,
                  outcome: str = ERROR, check: Callable[[Path], None] | None = None, skip: str | None = None) -> Case:
    def build(case_dir: Path, env: Env) -> list[str]:
        return explain_argv(case_dir, env, make(case_dir, env), *extra)
    return Case(f"explain/{name}", build, fragments, outcome, check=check or absent("xai"),
                keeps_outputs=outcome == WARNING, skip=skip)


def explain_cases() -> list[Case]:
    cases = [_explain_single(bad) for bad in representative(bad_images(), 5)]
    x = _explain_case
    good = lambda c, e: e.good_image  # noqa: E731
    bad_png = encoded("PNG")[:200]
    cases += [
        x("input/missing-file", lambda c, e: c / "missing.png", ("missing.png", "not found")),
        x("input/missing-folder", lambda c, e: c / "missing_dir", ("missing_dir", "not found")),
        x("input/not-an-image-name", lambda c, e: _write("notes.txt", "x")(c) or c / "notes.txt",
          ("notes.txt", "not an image file name")),
        x("input/empty-folder", _folder(), ("in", "no image files")),
        x("input/folder-named-like-image", lambda c, e: _mkdir("scan.png")(c) or c / "scan.png",
          ("scan.png", "no image files")),
        x("input/subfolder-named-like-image", _then(_folder(("good.png", None)), _mkdir("a_sub.png")),
          ("a_sub.png", "is a folder")),
        x("input/broken-symlink", lambda c, e: _symlink("link.png", "gone.png")(c) or c / "link.png",
          ("link.png", "broken symbolic link")),
        x("input/bad-after-good", _folder(("a_good.png", None), ("b_bad.png", bad_png)),
          ("b_bad.png", DECODE_PROBLEM)),
        x("input/two-inputs-one-stem", _folder(("scan.png", None), ("scan.jpg", image_bytes(rgb(32, 32), "JPEG"))),
          ("scan", "share the stem")),
        x("input/bad-skip-bad", _folder(("a_good.png", None), ("b_bad.png", bad_png)),
          ("skipped", "b_bad.png"), "--skip-bad", outcome=WARNING,
          check=present("xai/explain.json", absent_too=["xai/maps/b_bad_foreground.npy"])),
        x("input/empty-skip-bad", _folder(("a_good.png", None), ("empty.png", b"")),
          ("skipped", "empty.png", "empty file"), "--skip-bad", outcome=WARNING,
          check=present("xai/maps/a_good_foreground.npy")),
        x("layer/unknown-index", good, ("decoder.9", "unknown layer"), "--layer", "decoder.9"),
        x("layer/typo", good, ("decodr.2", "unknown layer", "decoder.2"), "--layer", "decodr.2"),
        x("layer/empty", good, ("''", "unknown layer"), "--layer", ""),
        x("layer/blank", good, ("unknown layer",), "--layer", "   "),
        x("layer/trailing-dot", good, ("decoder.", "unknown layer"), "--layer", "decoder."),
        x("layer/path-like", good, ("decoder/2", "unknown layer"), "--layer", "decoder/2"),
        x("layer/container", good, ("'decoder'", "not used in the forward pass"), "--layer", "decoder"),
        x("class-index/two-on-binary", good, ("class index 2", "out of range"), "--class-index", "2"),
        x("class-index/negative", good, ("class index -1", "out of range"), "--class-index", "-1"),
        x("class-index/255", good, ("class index 255", "out of range"), "--class-index", "255"),
        x("class-index/word", good, ("--class-index", "one"), "--class-index", "one", outcome=REFUSED),
        x("class-index/fraction", good, ("--class-index", "1.5"), "--class-index", "1.5", outcome=REFUSED),
        x("flag/alpha-above-one", good, ("--alpha", "2"), "--alpha", "2", outcome=REFUSED),
        x("flag/alpha-negative", good, ("--alpha", "-0.5"), "--alpha", "-0.5", outcome=REFUSED),
        x("flag/device-unknown", good, ("quantum", "unknown device"), "--device", "quantum"),
        x("flag/device-cuda-absent", good, ("cuda", "no CUDA GPU"), "--device", "cuda", skip=_cuda_skip()),
        Case("explain/output/existing-file", lambda c, e: _in_the_way("maps.png")(c) or [
            *explain_argv(c, e, e.good_image)[:-2], str(c / "maps.png"), "--no-progress"], ("maps.png",), REFUSED,
             check=_kept("maps.png")),
        Case("explain/output/inside-a-file", lambda c, e: _in_the_way("notes.txt")(c) or [
            *explain_argv(c, e, e.good_image)[:-2], str(c / "notes.txt" / "xai"), "--no-progress"], ("notes.txt",),
             check=_kept("notes.txt")),
        # an export is explained through the checkpoint it came from; without that checkpoint there is nothing to
        # take gradients of
        Case("explain/weights/onnx-file-without-its-checkpoint",
             lambda c, e: explain_argv(c, e, e.good_image, weights=_orphan_onnx(c, e)),
             ("orphan.onnx", "Grad-CAM needs", "not on this machine"), check=absent("xai")),
    ]
    cases += [weights_case("explain", bad, lambda c, env, w: explain_argv(c, env, env.good_image, weights=w))
              for bad in weights_variants()[::2]]
    return cases


# ---- report ----------------------------------------------------------------------------------------------------

BINARY_COLUMNS = ("dice", "iou", "precision", "recall", "specificity", "accuracy")


def evaluation_folder(folder: Path, env: Env) -> Path:
    """What `litemedseg evaluate --output` writes for the reference checkpoint on the reference dataset
    (summary.json and per_image.csv; written directly, without running the evaluation)."""
    folder.mkdir(parents=True)
    summary = {
        "model": "mininet", "weights": str(env.weights), "weights_sha256": env.weights_sha256, "trained_on": "tiny",
        "dataset": {"name": "tiny", "root": str(env.tiny_data), "num_images": 4, "num_classes": 1,
                    "class_names": ["background", "foreground"], "has_fov": False,
                    "split_sizes": {"train": 4, "val": 0, "test": 0}},
        "split": "all", "zero_shot": False, "tta": False,
        "input": {"mode": "resize", "size": [32, 32], "scale": 1.0, "in_channels": 3},
        "num_images": 4,
        "per_image": {m: {"mean": 0.5, "std": 0.1, "n": 4} for m in BINARY_COLUMNS},
        "pooled": {m: 0.5 for m in BINARY_COLUMNS},
        "empty_masks": {"both": 0, "truth_only": 0, "prediction_only": 0},
        "headline": {"metric": "per_image_dice", "value": 0.5},
    }
    (folder / "summary.json").write_text(json.dumps(summary, indent=2))
    rows = [f"case{i:03d}," + ",".join(f"{0.4 + i / 20:.4f}" for _ in BINARY_COLUMNS) + ",False,False"
            for i in range(4)]
    (folder / "per_image.csv").write_text(",".join(("image", *BINARY_COLUMNS, "truth_empty", "prediction_empty"))
                                          + "\n" + "\n".join(rows) + "\n")
    from litemedseg.utils.publish import EVALUATION, write_manifest

    write_manifest(folder, EVALUATION)
    return folder


def _summary(edit: Callable[[dict], object]) -> Callable[[Path], None]:
    """Load summary.json, `edit` it in place, write it back (NaN written as JSON's NaN, as evaluate does)."""
    def make(folder: Path) -> None:
        path = folder / "summary.json"
        summary = json.loads(path.read_text())
        edit(summary)
        path.write_text(json.dumps(summary))
    return make


def _reseal(folder: Path) -> None:
    """Re-write the output manifest after an edit, so a case tests the content, not the manifest check."""
    from litemedseg.utils.publish import EVALUATION, MANIFEST, write_manifest

    if (folder / MANIFEST).is_file():
        write_manifest(folder, EVALUATION)


def _set(key: str, value: object) -> Callable[[Path], None]:
    """summary.json with the dotted `key` set to `value`."""
    def edit(summary: dict) -> None:
        *parents, last = key.split(".")
        node = summary
        for part in parents:
            node = node[part]
        node[last] = value
    return _summary(edit)


def _drop(key: str) -> Callable[[Path], None]:
    def edit(summary: dict) -> None:
        *parents, last = key.split(".")
        node = summary
        for part in parents:
            node = node[part]
        del node[last]
    return _summary(edit)


def report_argv(case_dir: Path, *folders: Path | str, extra: Sequence[str] = ()) -> list[str]:
    return ["report", *[str(f) for f in folders], "--output", str(case_dir / "rep"), "--no-progress", *extra]


def _report_case(name: str, make: Callable[[Path], None], fragments: tuple[str, ...], outcome: str = ERROR,
                 check: Callable[[Path], None] | None = None, reseal: bool = True) -> Case:
    """report on a valid evaluation folder `ev` that `make(ev)` then breaks; with `reseal` the manifest is
    written again after the edit, so the case tests the content check rather than the manifest check."""
    def build(case_dir: Path, env: Env) -> list[str]:
        folder = evaluation_folder(case_dir / "ev", env)
        make(folder)
        if reseal:
            _reseal(folder)
        return report_argv(case_dir, folder)
    keeps = outcome in (WARNING, OK)
    return Case(f"report/{name}", build, fragments, outcome, keeps_outputs=keeps,
                check=check or (present("rep/index.html") if keeps else absent("rep")))


def report_cases() -> list[Case]:
    r = _report_case
    s = "summary.json"
    csv_name = "per_image.csv"
    header = ",".join(("image", *BINARY_COLUMNS)) + "\n"
    return [
        Case("report/folder/missing", lambda c, e: report_argv(c, c / "eval_gone"),
             ("eval_gone", "evaluation folder not found"), check=absent("rep")),
        Case("report/folder/a-file", lambda c, e: _in_the_way("eval.zip", zip_bytes())(c) or report_argv(
            c, c / "eval.zip"), ("eval.zip", "not a folder"), check=absent("rep")),
        Case("report/folder/second-missing", lambda c, e: report_argv(c, evaluation_folder(c / "ev", e), c / "ev2"),
             ("ev2", "evaluation folder not found"), check=absent("rep")),
        Case("report/folder/none-given", lambda c, e: ["report", "--output", str(c / "rep")], ("EVAL_DIR",),
             REFUSED, check=absent("rep")),
        r("folder/no-summary", _rm(s), ("ev", "no summary.json")),
        r("folder/summary-is-a-folder", _all(_rm(s), _mkdir(s)), ("ev", "no summary.json")),
        r("folder/a-training-run", _all(_rm(s), _rm(csv_name), _write("metrics.csv", "epoch,loss\n1,0.5\n")),
          ("ev", "no summary.json")),
        r("summary/truncated", lambda f: (f / s).write_bytes((f / s).read_bytes()[:120]), (s, "not readable JSON")),
        r("summary/empty", _write(s, ""), (s, "not readable JSON")),
        r("summary/not-json", _write(s, "model: mininet\n"), (s, "not readable JSON")),
        r("summary/not-utf8", _write(s, b'{"model": "\xff\xfe"}'), (s, "not readable JSON")),
        r("summary/a-list", _write(s, "[1, 2]"), (s, "expected a JSON object")),
        r("summary/null", _write(s, "null"), (s, "expected a JSON object")),
        r("summary/a-number", _write(s, "0.83"), (s, "expected a JSON object")),
        r("summary/no-model", _drop("model"), (s, "missing model")),
        r("summary/no-dataset", _drop("dataset"), (s, "missing dataset")),
        r("summary/no-num-images", _drop("num_images"), (s, "missing num_images")),
        r("summary/no-headline", _drop("headline"), (s, "missing headline")),
        r("summary/dataset-a-string", _set("dataset", "tiny"), (s, "'dataset'", "JSON objects")),
        r("summary/headline-a-number", _set("headline", 0.5), (s, "'headline'", "JSON objects")),
        r("summary/model-a-dict", _set("model", {"name": "mininet"}), (s, "model must be")),
        r("summary/model-empty", _set("model", ""), (s, "model must be")),
        r("summary/num-images-word", _set("num_images", "four"), (s, "num_images", "four")),
        r("summary/num-images-negative", _set("num_images", -4), (s, "num_images", "-4")),
        r("summary/split-a-list", _set("split", ["test"]), (s, "split must be")),
        r("summary/weights-a-number", _set("weights", 5), (s, "weights must be")),
        r("summary/weights-a-list", _set("weights", ["runs/a/best"]), (s, "weights must be")),
        r("summary/sha256-a-number", _set("weights_sha256", 77), (s, "weights_sha256")),
        r("summary/tta-word", _set("tta", "yes"), (s, "tta", "yes")),
        r("summary/input-a-string", _set("input", "resize 32"), (s, "input must be")),
        r("summary/dataset-root-a-number", _set("dataset.root", 5), (s, "dataset.root")),
        r("summary/dataset-name-a-list", _set("dataset.name", ["tiny"]), (s, "dataset.name")),
        r("summary/num-classes-word", _set("dataset.num_classes", "two"), (s, "dataset.num_classes", "two")),
        r("summary/num-classes-null", _set("dataset.num_classes", None), (s, "dataset.num_classes", "None")),
        r("summary/num-classes-zero", _set("dataset.num_classes", 0), (s, "dataset.num_classes", "0")),
        r("summary/num-classes-fraction", _set("dataset.num_classes", 1.5), (s, "dataset.num_classes", "1.5")),
        r("summary/class-names-a-number", _set("dataset.class_names", 5), (s, "dataset.class_names")),
        r("summary/class-names-numbers", _set("dataset.class_names", [0, 1]), (s, "dataset.class_names")),
        r("summary/headline-value-word", _set("headline.value", "high"), (s, "headline.value", "high")),
        r("summary/headline-value-null", _set("headline.value", None), (s, "headline.value", "None")),
        r("summary/headline-value-bool", _set("headline.value", True), (s, "headline.value", "True")),
        r("summary/headline-value-list", _set("headline.value", [0.5]), (s, "headline.value")),
        r("summary/headline-metric-number", _set("headline.metric", 1), (s, "headline.metric")),
        r("summary/per-image-a-string", _set("per_image", "good"), (s, "per_image")),
        r("summary/per-image-metric-a-list", _set("per_image.dice", [0.5]), (s, "per_image")),
        r("summary/per-image-mean-word", _set("per_image.dice.mean", "x"), (s, "per_image")),
        r("summary/per-image-no-mean", _drop("per_image.iou.mean"), (s, "per_image")),
        r("summary/per-image-std-null", _set("per_image.recall.std", None), (s, "per_image")),
        r("summary/hd95-a-number", _set("hd95", 3.5), (s, "hd95")),
        r("summary/per-class-a-string", _set("per_class", "lesion"), (s, "per_class")),
        r("summary/per-class-no-iou", _set("per_class", {"lesion": {"dice": {"mean": 0.5, "std": 0.1, "n": 4}}}),
          (s, "per_class")),
        r("summary/mean-dice-word", _set("mean_dice", "high"), (s, "mean_dice")),
        r("rows/missing", _rm(csv_name), ("ev", "no per_image.csv")),
        r("rows/a-folder", _all(_rm(csv_name), _mkdir(csv_name)), ("ev", "no per_image.csv")),
        r("rows/empty", _write(csv_name, ""), (csv_name, "no per-image rows")),
        r("rows/header-only", _write(csv_name, header), (csv_name, "no per-image rows")),
        r("rows/no-image-column", _write(csv_name, "name,dice\ncase000,0.5\n"), (csv_name, "'image' column")),
        r("rows/no-dice-column", _write(csv_name, "image,iou\ncase000,0.5\n"), (csv_name, "no 'dice' column")),
        r("rows/not-utf8", _write(csv_name, b"image,dice\ncase\xff\xfe,0.5\n"), (csv_name, "cannot read")),
        r("rows/truncated-binary", lambda f: (f / csv_name).write_bytes(zip_bytes()), (csv_name,)),
        r("rows/extra-cells", _write(csv_name, header + "case000,0.5,0.4,0.3,0.2,0.1,0.9,7,8\n"),
          (csv_name, "line 2", "more cells")),
        r("rows/dice-word", _write(csv_name, "image,dice\ncase000,0.5\ncase001,high\n"),
          (csv_name, "line 3", "dice 'high' is not a number")),
        r("rows/dice-bool", _write(csv_name, "image,dice\ncase000,True\n"), (csv_name, "dice True is not a number")),
        # documented skips: the report is written without the galleries, and says why
        r("skip/weights-missing", _set("weights", "/nonexistent/run/best"),
          ("galleries skipped", "weights not available", "/nonexistent/run/best"), WARNING),
        r("skip/weights-null", _set("weights", None), ("galleries skipped", "names no weights"), WARNING),
        r("skip/weights-corrupt", lambda f: _write("w/model.safetensors", b"garbage")(f) or _set(
            "weights", str(f / "w" / "model.safetensors"))(f), ("galleries skipped", "model.safetensors"), WARNING),
        r("skip/weights-changed", _set("weights_sha256", "0" * 64), ("galleries skipped", "sha256 differs"), WARNING),
        r("skip/dataset-missing", _set("dataset.root", "/nonexistent/dataset"),
          ("galleries skipped", "dataset not available", "/nonexistent/dataset"), WARNING),
        r("skip/dataset-root-null", _all(_set("dataset.root", None), _set("dataset.name", "gone")),
          ("galleries skipped", "gone", "dataset folder not found"), WARNING),
        r("skip/image-not-in-dataset", _write(csv_name, header + "ghost,0.5,0.5,0.5,0.5,0.5,0.5\n"),
          ("galleries skipped", "ghost", "no longer in the dataset"), WARNING),
        # the completion manifest (issue 15, class 2): a folder changed after evaluate wrote it
        r("manifest/summary-edited", _set("headline.value", 0.99), ("summary.json", "changed since"), reseal=False),
        r("manifest/file-added", _write("report.md", "# from another run"), ("report.md", "not written by"),
          reseal=False),
        r("manifest/file-removed", lambda f: (f / "per_image.csv").unlink(), ("per_image.csv", "missing"),
          reseal=False),
        r("manifest/no-manifest", lambda f: (f / "litemedseg-output.json").unlink(),
          ("ev", "cannot be checked"), WARNING),
        # documented acceptance: NaN is what evaluate writes for an undefined mean (no image to average)
        r("accepted/nan-headline-and-means", _all(_set("headline.value", float("nan")),
                                                  _set("per_image.recall", {"mean": float("nan"), "std": float("nan"),
                                                                            "n": 0})), (), OK),
        Case("report/output/existing-file", lambda c, e: _in_the_way("index.html")(c) or [
            "report", str(evaluation_folder(c / "ev", e)), "--output", str(c / "index.html"), "--no-progress"],
             ("index.html",), REFUSED, check=_kept("index.html")),
        Case("report/output/inside-a-file", lambda c, e: _in_the_way("notes.txt")(c) or [
            "report", str(evaluation_folder(c / "ev", e)), "--output", str(c / "notes.txt" / "rep"), "--no-progress"],
             ("notes.txt",), check=_kept("notes.txt")),
        Case("report/flag/top-zero", lambda c, e: report_argv(c, evaluation_folder(c / "ev", e), extra=["--top", "0"]),
             ("--top", "0"), REFUSED, check=absent("rep")),
    ]


# ---- convert ---------------------------------------------------------------------------------------------------

def _fixtures():  # noqa: ANN202
    from tests.data.layouts import fixtures

    return fixtures


def convert_argv(case_dir: Path, source: Path | str, *extra: str, output: Path | str | None = None) -> list[str]:
    return ["convert", "--input", str(source), "--output", str(output or case_dir / "conv"), "--no-progress", *extra]


def _layout(builder: str, **kwargs) -> Callable[[Path], Path]:  # noqa: ANN003
    """A miniature official layout (tests/data/layouts/fixtures.py) in `src` of the case folder."""
    def make(case_dir: Path) -> Path:
        getattr(_fixtures(), builder)(case_dir / "src", **kwargs)
        return case_dir / "src"
    return make


def _convert_case(name: str, builder: str, breaks: Callable[[Path], None], fragments: tuple[str, ...], *extra: str,
                  outcome: str = ERROR, builder_kwargs: dict | None = None) -> Case:
    """convert a miniature `builder` layout that `breaks(src)` then damages."""
    def build(case_dir: Path, env: Env) -> list[str]:
        source = _layout(builder, **(builder_kwargs or {}))(case_dir)
        breaks(source)
        return convert_argv(case_dir, source, *extra)
    return Case(f"convert/{name}", build, fragments, outcome, check=absent("conv"))


def _first(pattern: str) -> Callable[[Path], Path]:
    def find(root: Path) -> Path:
        return min(root.glob(pattern))
    return find


def _truncate(pattern: str, keep: int = 60) -> Callable[[Path], None]:
    """Cut the first file matching `pattern` to `keep` bytes."""
    def make(root: Path) -> None:
        path = _first(pattern)(root)
        path.write_bytes(path.read_bytes()[:keep])
    return make


def _resize(pattern: str, size: tuple[int, int] = (10, 12)) -> Callable[[Path], None]:
    """Replace the first file matching `pattern` by a 0/255 mask of another size, in the same format."""
    def make(root: Path) -> None:
        path = _first(pattern)(root)
        mask = _mask([0, 255], size=size)
        if path.suffix.lower() in (".tif", ".tiff"):
            path.write_bytes(tiff_bytes(mask))
        elif path.suffix.lower() == ".gif":
            Image.fromarray(mask).convert("P").save(path)
        else:
            Image.fromarray(mask).save(path)
    return make


def _unlink(pattern: str) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        _first(pattern)(root).unlink()
    return make


def _xml(text: str | bytes) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        path = _first("**/*.xml")(root)
        path.write_bytes(text.encode() if isinstance(text, str) else text)
    return make


def _dataset_json(data: object) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        path = root / "Dataset042_Toy" / "dataset.json"
        path.write_bytes(data if isinstance(data, bytes) else (data if isinstance(data, str) else json.dumps(data))
                         .encode())
    return make


BILLION_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
                            for i in range(1, 10))
                  + ']><Annotations a="&lol9;"/>')


def _convert_bad_image(bad: BadFile) -> Case:
    """A Kvasir-SEG folder with one more image, broken, and its (valid) mask."""
    def breaks(root: Path) -> None:
        bad.write(root / "images")
        mask = np.zeros((20, 24), np.uint8)
        Image.fromarray(mask).save(root / "masks" / f"{Path(bad.name).stem}.jpg", quality=90)
    return _convert_case(f"image/{_slug(bad.name)}", "kvasir", breaks, (bad.name, bad.problem))


def convert_cases() -> list[Case]:
    v = _convert_case
    labels = {"background": 0, "rv": 1}
    cases = [
        Case("convert/input/missing", lambda c, e: convert_argv(c, c / "download"),
             ("download", "input folder not found"), check=absent("conv")),
        Case("convert/input/a-file", lambda c, e: _in_the_way("Kvasir-SEG.zip", zip_bytes())(c) or convert_argv(
            c, c / "Kvasir-SEG.zip"), ("Kvasir-SEG.zip", "not a folder"), check=absent("conv")),
        Case("convert/input/empty-folder", lambda c, e: _mkdir("src")(c) or convert_argv(c, c / "src"),
             ("src", "no known official layout"), check=absent("conv")),
        Case("convert/input/undetectable", lambda c, e: _all(_write("src/notes.txt", "hello"),
                                                             _write("src/scans/a.png", image_bytes(rgb(8, 8))))(c)
             or convert_argv(c, c / "src"), ("src", "no known official layout", "--layout"), check=absent("conv")),
        Case("convert/input/already-converted", lambda c, e: dataset(c / "src") and convert_argv(c, c / "src"),
             ("src", "no known official layout"), check=absent("conv")),
        v("layout/unknown", "kvasir", lambda r: None, ("isic2020", "unknown layout"), "--layout", "isic2020"),
        v("layout/empty", "kvasir", lambda r: None, ("''", "unknown layout"), "--layout", ""),
        v("layout/typo", "kvasir", lambda r: None, ("kvasir", "unknown layout"), "--layout", "kvasir"),
        v("layout/drive-on-kvasir", "kvasir", lambda r: None, ("src", "no labelled images", "DRIVE"),
          "--layout", "drive"),
        v("layout/busi-on-kvasir", "kvasir", lambda r: None, ("src", "no labelled images", "BUSI"),
          "--layout", "busi"),
        v("layout/nnunet-on-kvasir", "kvasir", lambda r: None, ("dataset.json", "not found"), "--layout", "nnunet"),
        v("layout/monuseg-on-drive", "drive", lambda r: None, ("src", "no labelled images", "MoNuSeg"),
          "--layout", "monuseg"),
        Case("convert/output/inside-input", lambda c, e: convert_argv(c, _layout("kvasir")(c),
                                                                      output=c / "src" / "converted"),
             ("converted", "must lie outside the input folder"), check=absent("src/converted")),
        Case("convert/output/same-as-input", lambda c, e: convert_argv(c, _layout("kvasir")(c), output=c / "src"),
             ("src", "must lie outside the input folder")),
        Case("convert/output/contains-input", lambda c, e: convert_argv(c, _layout("kvasir")(c), output=c),
             ("must lie outside the input folder",)),
        Case("convert/output/not-empty", lambda c, e: _in_the_way("conv/notes.txt")(c) or convert_argv(
            c, _layout("kvasir")(c)), ("conv", "not empty", "--overwrite"), check=_kept("conv/notes.txt")),
        Case("convert/output/overwrite-a-user-folder", lambda c, e: _in_the_way("conv/notes.txt")(c) or convert_argv(
            c, _layout("kvasir")(c), "--overwrite"), ("conv", "not written by litemedseg", "never replaced"),
             check=_kept("conv/notes.txt")),
        Case("convert/output/a-file", lambda c, e: _in_the_way("conv")(c) or convert_argv(c, _layout("kvasir")(c)),
             ("conv", "not a folder"), check=_kept("conv")),
        Case("convert/output/inside-a-file", lambda c, e: _in_the_way("notes.txt")(c) or convert_argv(
            c, _layout("kvasir")(c), output=c / "notes.txt" / "conv"), ("notes.txt", "is a file"),
             check=_kept("notes.txt")),
        v("flag/mask-threshold-negative", "kvasir", lambda r: None, ("--mask-threshold", "-5"), "--mask-threshold",
          "-5", outcome=REFUSED),
        v("flag/mask-threshold-word", "kvasir", lambda r: None, ("--mask-threshold", "half"), "--mask-threshold",
          "half", outcome=REFUSED),
        # a damaged image, per layout (the official file names)
        v("image/kvasir-truncated", "kvasir", _truncate("images/*.jpg"), ("images/", DECODE_PROBLEM)),
        v("image/isic-truncated", "isic", _truncate("ISIC2018_Task1-2_Training_Input/*.jpg"),
          ("ISIC_0000000.jpg", DECODE_PROBLEM), builder_kwargs={"year": 2018}),
        v("image/cvc-truncated", "cvc", _truncate("Original/*.tif"), ("Original/1.tif", DECODE_PROBLEM)),
        v("image/ph2-empty", "ph2", lambda r: _first("**/IMD002.bmp")(r).write_bytes(b""),
          ("IMD002.bmp", "empty file")),
        v("image/drive-text", "drive", lambda r: _first("training/images/*.tif")(r).write_text("not a tiff"),
          ("21_training.tif", "not a readable image|corrupt")),
        v("image/chase-truncated", "chase", _truncate("Image_01L.jpg"), ("Image_01L.jpg", DECODE_PROBLEM)),
        v("image/monuseg-truncated", "monuseg", _truncate("MoNuSeg 2018 Training Data/Tissue Images/*.tif", 100),
          ("TCGA-18-5592-01Z-00-DX1.tif", DECODE_PROBLEM)),
        v("image/busi-truncated", "busi", _truncate("Dataset_BUSI_with_GT/benign/benign (1).png"),
          ("benign (1).png", DECODE_PROBLEM)),
        v("image/glas-truncated", "glas", _truncate("train_1.bmp"), ("train_1.bmp", DECODE_PROBLEM)),
        v("image/nnunet-truncated", "nnunet", _truncate("Dataset042_Toy/imagesTr/toy_001_0000.png"),
          ("toy_001_0000.png", DECODE_PROBLEM), builder_kwargs={"labels": labels}),
        # a mask (or FOV, or label map) of another size than its image
        v("mask-size/kvasir", "kvasir", _resize("masks/*.jpg"), ("masks/", "mask is 12x10", "24x20")),
        v("mask-size/isic", "isic", _resize("ISIC2018_Task1_Training_GroundTruth/*.png"),
          ("ISIC_0000000_segmentation.png", "mask is 12x10"), builder_kwargs={"year": 2018}),
        v("mask-size/cvc", "cvc", _resize("Ground Truth/*.tif"), ("Ground Truth/1.tif", "mask is 12x10")),
        v("mask-size/ph2", "ph2", _resize("**/IMD003_lesion.bmp"), ("IMD003_lesion.bmp", "mask is 12x10")),
        v("mask-size/drive-manual", "drive", _resize("training/1st_manual/21_manual1.gif"),
          ("21_manual1.gif", "mask is 12x10")),
        v("mask-size/drive-fov", "drive", _resize("training/mask/22_training_mask.gif"),
          ("22_training_mask.gif", "mask is 12x10")),
        v("mask-size/chase", "chase", _resize("Image_01R_1stHO.png"), ("Image_01R_1stHO.png", "mask is 12x10")),
        v("mask-size/busi-second-mask", "busi", _resize("Dataset_BUSI_with_GT/benign/benign (2)_mask_1.png"),
          ("benign (2)_mask_1.png", "mask is 12x10")),
        v("mask-size/glas", "glas", _resize("testA_1_anno.bmp"), ("testA_1_anno.bmp", "mask is 12x10")),
        v("mask-size/nnunet", "nnunet", _resize("Dataset042_Toy/labelsTr/toy_002.png"),
          ("toy_002.png", "mask is 12x10"), builder_kwargs={"labels": labels}),
        # a missing counterpart
        v("pairing/kvasir-no-mask", "kvasir", _unlink("masks/*.jpg"), ("images/", "no ground-truth mask")),
        v("pairing/kvasir-no-image", "kvasir", _unlink("images/*.jpg"), ("masks/", "mask without an image")),
        v("pairing/isic-no-mask", "isic", _unlink("ISIC2018_Task1_Training_GroundTruth/*.png"),
          ("ISIC_0000000.jpg", "no ground-truth mask"), builder_kwargs={"year": 2018}),
        v("pairing/ph2-no-lesion", "ph2", _unlink("**/IMD004_lesion.bmp"), ("IMD004.bmp", "no lesion mask")),
        v("pairing/drive-no-manual", "drive", _unlink("training/1st_manual/22_manual1.gif"),
          ("22_training.tif", "no vessel annotation")),
        v("pairing/drive-no-fov", "drive", _unlink("training/mask/21_training_mask.gif"),
          ("21_training.tif", "no FOV mask")),
        v("pairing/chase-no-manual", "chase", _unlink("Image_11L_1stHO.png"), ("Image_11L.jpg", "no vessel annotation")),
        v("pairing/busi-image-without-mask", "busi", _unlink("Dataset_BUSI_with_GT/malignant/*_mask.png"),
          ("malignant (10).png", "no mask")),
        v("pairing/busi-mask-without-image", "busi", _unlink("Dataset_BUSI_with_GT/benign/benign (1).png"),
          ("benign (1)_mask.png", "mask without an image")),
        v("pairing/glas-no-anno", "glas", _unlink("train_2_anno.bmp"), ("train_2.bmp", "no ground-truth mask")),
        v("pairing/monuseg-no-xml", "monuseg", _unlink("MoNuSeg 2018 Training Data/Annotations/TCGA-21*.xml"),
          ("TCGA-21-5784-01Z-00-DX1.tif", "no ground-truth mask")),
        v("pairing/nnunet-no-label", "nnunet", _unlink("Dataset042_Toy/labelsTr/toy_001.png"),
          ("toy_001_0000.png", "no label file"), builder_kwargs={"labels": labels}),
        v("pairing/nnunet-label-without-image", "nnunet", _write("Dataset042_Toy/labelsTr/toy_009.png",
                                                                  image_bytes(np.zeros((20, 24), np.uint8))),
          ("toy_009.png", "label without an image"), builder_kwargs={"labels": labels}),
        # MoNuSeg annotations
        v("monuseg/xml-unclosed", "monuseg", _xml("<Annotations><Region>"), (".xml", "not a readable XML")),
        v("monuseg/xml-empty", "monuseg", _xml(""), (".xml", "not a readable XML")),
        v("monuseg/xml-binary", "monuseg", _xml(np.random.default_rng(5).bytes(300)), (".xml", "not a readable XML")),
        v("monuseg/xml-is-json", "monuseg", _xml('{"regions": []}'), (".xml", "not a readable XML")),
        v("monuseg/xml-vertex-word", "monuseg",
          _xml('<Annotations><Region Id="4"><Vertices><Vertex X="left" Y="1"/></Vertices></Region></Annotations>'),
          (".xml", "region 4", "numeric X and Y")),
        v("monuseg/xml-vertex-no-y", "monuseg",
          _xml('<Annotations><Region Id="2"><Vertices><Vertex X="1"/></Vertices></Region></Annotations>'),
          (".xml", "numeric X and Y")),
        v("monuseg/xml-entity-bomb", "monuseg", _xml(BILLION_LAUGHS), (".xml", "not a readable XML")),
        # nnU-Net dataset.json and label maps
        v("nnunet/dataset-json-not-json", "nnunet", _dataset_json("{labels: background}"),
          ("dataset.json", "not a readable JSON")),
        v("nnunet/dataset-json-empty", "nnunet", _dataset_json(""), ("dataset.json", "not a readable JSON")),
        v("nnunet/dataset-json-not-utf8", "nnunet", _dataset_json(b'{"labels": "\xff"}'),
          ("dataset.json", "not a readable JSON")),
        v("nnunet/dataset-json-a-list", "nnunet", _dataset_json([1, 2]), ("dataset.json", "expected a JSON object")),
        v("nnunet/no-labels", "nnunet", _dataset_json({"file_ending": ".png", "channel_names": {"0": "MRI"}}),
          ("dataset.json", "\"labels\"")),
        v("nnunet/labels-null", "nnunet", _dataset_json({"file_ending": ".png", "labels": None}),
          ("dataset.json", "\"labels\"")),
        v("nnunet/labels-a-list", "nnunet", _dataset_json({"file_ending": ".png", "labels": ["bg", "rv"]}),
          ("dataset.json", "\"labels\"")),
        v("nnunet/labels-gap", "nnunet", _dataset_json({"file_ending": ".png", "labels": {"background": 0, "rv": 2}}),
          ("dataset.json", "0..C-1", "[0, 2]")),
        v("nnunet/labels-one", "nnunet", _dataset_json({"file_ending": ".png", "labels": {"background": 0}}),
          ("dataset.json", "C >= 2")),
        v("nnunet/labels-word", "nnunet", _dataset_json({"file_ending": ".png", "labels": {"background": 0,
                                                                                            "rv": "one"}}),
          ("dataset.json", "must be integers")),
        v("nnunet/labels-regions", "nnunet", _dataset_json({"file_ending": ".png", "labels": {"background": 0,
                                                                                               "rv": [1, 2]}}),
          ("dataset.json", "region-based")),
        v("nnunet/labels-ignore", "nnunet", _dataset_json({"file_ending": ".png", "labels": {"background": 0, "rv": 1,
                                                                                              "ignore": 2}}),
          ("dataset.json", "\"ignore\"")),
        v("nnunet/file-ending-nifti", "nnunet", _dataset_json({"file_ending": ".nii.gz", "labels": labels}),
          ("dataset.json", ".nii.gz", "not a 2D image type")),
        v("nnunet/file-ending-missing", "nnunet", _dataset_json({"labels": labels}),
          ("dataset.json", "file_ending None")),
        v("nnunet/file-ending-number", "nnunet", _dataset_json({"file_ending": 5, "labels": labels}),
          ("dataset.json", "file_ending 5")),
        v("nnunet/file-ending-other-type", "nnunet", _dataset_json({"file_ending": ".jpg", "labels": labels}),
          ("dataset.json", "file_ending '.jpg'", "matches no file", ".png")),
        v("nnunet/label-out-of-range", "nnunet", _write("Dataset042_Toy/labelsTr/toy_001.png",
                                                        image_bytes(_mask([0, 1, 7], size=(20, 24)))),
          ("toy_001.png", "outside the 2 classes"), builder_kwargs={"labels": labels}),
        v("nnunet/channel-gap", "nnunet", _write("Dataset042_Toy/imagesTr/toy_001_0002.png",
                                                 image_bytes(np.zeros((20, 24), np.uint8))),
          ("toy_001", "channels [0, 2]"), builder_kwargs={"labels": labels}),
        v("nnunet/image-name-without-channel", "nnunet", _write("Dataset042_Toy/imagesTr/toy_003.png",
                                                                image_bytes(np.zeros((20, 24), np.uint8))),
          ("toy_003.png", "_XXXX"), builder_kwargs={"labels": labels}),
    ]
    cases += [_convert_bad_image(bad) for bad in representative(bad_images(), 10)]
    return cases


# ---- serve (start-up only: every case must fail before the server listens) -------------------------------------

def serve_argv(case_dir: Path, env: Env, *extra: str, weights: Path | str | None = None, port: bool = True
               ) -> list[str]:
    return ["serve", "--weights", str(weights or env.weights), *(["--port", "0"] if port else []), *extra]


def _serve_case(name: str, extra: Sequence[str], fragments: tuple[str, ...], outcome: str = ERROR,
                port: bool = True, skip: str | None = None) -> Case:
    return Case(f"serve/{name}", lambda c, env: serve_argv(c, env, *extra, port=port), fragments, outcome, skip=skip)


def _busy_port(case_dir: Path, env: Env) -> list[str]:
    """A port another socket listens on (closed by the check, or when the test process ends)."""
    import socket

    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen()
    _BUSY_SOCKETS.append(blocker)
    return serve_argv(case_dir, env, "--port", str(blocker.getsockname()[1]), port=False)


_BUSY_SOCKETS: list = []


def _close_busy_sockets(case_dir: Path) -> None:
    while _BUSY_SOCKETS:
        _BUSY_SOCKETS.pop().close()


def serve_cases() -> list[Case]:
    sv = _serve_case
    cases = [
        sv("port/negative", ["--port", "-1"], ("--port", "-1"), REFUSED, port=False),
        sv("port/too-high", ["--port", "70000"], ("--port", "70000"), REFUSED, port=False),
        sv("port/word", ["--port", "http"], ("--port", "http"), REFUSED, port=False),
        sv("port/fraction", ["--port", "80.5"], ("--port", "80.5"), REFUSED, port=False),
        Case("serve/port/in-use", _busy_port, ("cannot listen on 127.0.0.1", "in use"), check=_close_busy_sockets),
        sv("upload/zero", ["--max-upload-mb", "0"], ("--max-upload-mb", "0"), REFUSED),
        sv("upload/negative", ["--max-upload-mb", "-5"], ("--max-upload-mb", "-5"), REFUSED),
        sv("upload/too-large", ["--max-upload-mb", "100000"], ("--max-upload-mb", "100000"), REFUSED),
        sv("upload/infinite", ["--max-upload-mb", "inf"], ("--max-upload-mb", "inf"), REFUSED),
        sv("upload/word", ["--max-upload-mb", "big"], ("--max-upload-mb", "big"), REFUSED),
        sv("upload/nan", ["--max-upload-mb", "nan"], ("--max-upload-mb", "nan")),
        sv("upload/below-one-byte", ["--max-upload-mb", "1e-9"], ("--max-upload-mb", "1e-09")),
        sv("image/zero", ["--max-image-mp", "0"], ("--max-image-mp", "0"), REFUSED),
        sv("image/too-large", ["--max-image-mp", "1000"], ("--max-image-mp", "1000"), REFUSED),
        sv("image/nan", ["--max-image-mp", "nan"], ("--max-image-mp", "nan")),
        sv("host/not-local", ["--host", "203.0.113.9"], ("203.0.113.9", "cannot listen")),
        sv("host/ipv6-not-local", ["--host", "2001:db8::1"], ("2001:db8::1", "cannot listen")),
        sv("host/empty", ["--host", ""], ("--host", "empty")),
        sv("host/blank", ["--host", "  "], ("--host", "empty")),
        sv("device/unknown", ["--device", "quantum"], ("quantum", "unknown device")),
        sv("device/cuda-index-word", ["--device", "cuda:x"], ("cuda:x", "unknown device")),
        sv("device/cuda-absent", ["--device", "cuda"], ("cuda", "no CUDA GPU"), skip=_cuda_skip()),
        Case("serve/weights/missing-option", lambda c, env: ["serve", "--port", "0"], ("--weights",), REFUSED),
    ]
    # serve runs exported files too (litemedseg.runtime.load_segmenter): broken ones fail before anything listens
    cases += [weights_case("serve", bad, lambda c, env, w: serve_argv(c, env, weights=w))
              for bad in weights_variants()[1::3] + onnx_weights_variants()[1::2]]
    return cases


GENERATORS: list[Callable[[], list[Case]]] = [train_cases, evaluate_cases, predict_cases, export_cases, explain_cases,
                                              report_cases, convert_cases, serve_cases]


# ---- documented acceptances: near-misses that are valid input (the decisions of docs/errors.md) ---------------

def _accepted_image(name: str, data: Callable[[], bytes]) -> Case:
    """Accepted as it is, or with the one warning that says what the model was given (grey for its colour
    input, a size far from its training images)."""
    def build(case_dir: Path, env: Env) -> list[str]:
        path = case_dir / "in" / name
        path.parent.mkdir()
        path.write_bytes(data())
        return predict_argv(case_dir, env, path)
    if name.startswith(("grey", "float32")):
        warns: tuple[str, ...] = ("grey image(s) given to a model that takes colour",)
    elif name.startswith("two_by_two"):  # 2x2 against the corpus model's 32x32 training images
        warns = ("image(s) far from the size of the training images", "2x2")
    else:
        warns = ()
    return Case(f"accepted/image/{_slug(name)}", build, warns, WARNING if warns else OK, keeps_outputs=True,
                check=present(f"out/masks/{Path(name).stem}.png"))


def _accepted_mask(name: str, data: Callable[[], bytes]) -> Case:
    def build(case_dir: Path, env: Env) -> list[str]:
        data_dir = dataset(case_dir / "ds")
        (data_dir / "images" / f"{Path(name).stem}.png").write_bytes(image_bytes(rgb(32, 32)))
        (data_dir / "masks" / name).write_bytes(data())
        # The corpus model was trained on these generated cases; the test is about reading the mask.
        return evaluate_argv(case_dir, env, data_dir, "--split", "all", "--allow-overlap")
    return Case(f"accepted/mask/{_slug(name)}", build, (), OK, keeps_outputs=True,
                check=present("eval/summary.json"))


def accepted_cases() -> list[Case]:
    """Inputs that look odd but are valid, so that the corpus does not make the readers refuse too much."""
    rgba = np.dstack([rgb(32, 32), np.linspace(0, 255, 32 * 32).reshape(32, 32).astype(np.uint8)])
    grey_alpha = np.dstack([rgb(32, 32)[..., 0], np.full((32, 32), 128, np.uint8)])
    return [
        _accepted_image("rgba_real_alpha.png", lambda: image_bytes(rgba)),
        _accepted_image("rgba_real_alpha.tif", lambda: tiff_bytes(rgba, photometric="rgb",
                                                                  extrasamples=["unassalpha"])),
        _accepted_image("grey_alpha.tif", lambda: tiff_bytes(grey_alpha, photometric="minisblack",
                                                             extrasamples=["unassalpha"])),
        _accepted_image("grey_alpha.png", lambda: image_bytes(grey_alpha)),
        _accepted_image("grey16.png", lambda: image_bytes((rgb(32, 32)[..., 0].astype(np.uint16) * 257))),
        _accepted_image("float32.tif", lambda: tiff_bytes(rgb(32, 32)[..., 0].astype(np.float32) / 7)),
        _accepted_image("palette.png", _palette_png),
        _accepted_image("two_by_two.bmp", lambda: image_bytes(rgb(2, 2), "BMP")),
        _accepted_image("planar_rgb.tif", lambda: tiff_bytes(np.moveaxis(rgb(32, 32), -1, 0), photometric="rgb",
                                                             planarconfig="separate")),
        _accepted_mask("zero_one.png", lambda: image_bytes(_mask([0, 1]))),
        _accepted_mask("u16_0_65535.png", lambda: image_bytes(_mask([0, 65535], np.uint16))),
        _accepted_mask("grey_as_rgb.png", lambda: image_bytes(np.dstack([_mask([0, 255])] * 3))),
        _accepted_mask("black_and_red.png", lambda: image_bytes(_colour_mask([(0, 0, 0), (200, 0, 0)]))),
        _accepted_mask("all_background.png", lambda: image_bytes(_mask([0]))),
    ]


def _palette_png() -> bytes:
    return image_bytes_pil(Image.fromarray(rgb(32, 32)).convert("P", palette=Image.Palette.ADAPTIVE, colors=16))


def image_bytes_pil(image: Image.Image, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def all_cases() -> list[Case]:
    cases = [case for generator in GENERATORS for case in generator()]
    ids = [case.id for case in cases]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, f"duplicate case ids: {duplicates}"
    return cases


# ---- checking an outcome ---------------------------------------------------------------------------------------

def snapshot(folder: Path) -> set[str]:
    """Every file (and link) under `folder`, relative; folders themselves are not outputs."""
    found = set()
    for dirpath, _, filenames in os.walk(folder):
        for name in filenames:
            found.add(os.path.relpath(os.path.join(dirpath, name), folder))
    return found


def _has(line: str, fragment: str) -> bool:
    return any(alternative in line for alternative in fragment.split("|"))


def verify(case: Case, code: int, stdout: str, stderr: str, case_dir: Path, before: set[str]) -> None:
    """Assert `case`'s outcome on one run (exit code, streams, files left in `case_dir`)."""
    shown = f"exit {code}\n--- stderr:\n{stderr[-3000:]}\n--- stdout:\n{stdout[-1000:]}"
    assert "Traceback" not in stderr and "Traceback" not in stdout, shown
    assert "internal error" not in stderr, shown
    lines = [line.rsplit("\r", 1)[-1] for line in stderr.splitlines()]
    lines = [line for line in lines if line.strip()]
    warning_lines = [line for line in lines if line.startswith("warning:")]
    other = [line for line in lines if not line.startswith("warning:")]
    if case.outcome == ERROR:
        assert code == 1, shown
        assert len(other) == 1 and other[0].startswith("error: "), shown
        missing = [f for f in case.fragments if not _has(other[0], f)]
        assert not missing, f"message lacks {missing}: {other[0]}"
    elif case.outcome == WARNING:
        assert code == 0, shown
        assert not other, shown
        assert any(all(_has(line, f) for f in case.fragments) for line in warning_lines), shown
    elif case.outcome == OK:
        assert code == 0 and not other and not warning_lines, shown
    elif case.outcome == REFUSED:
        assert code in (1, 2), shown
        assert other and other[-1].lower().startswith("error"), shown
        missing = [f for f in case.fragments if not _has(other[-1], f)]
        assert not missing, f"message lacks {missing}: {other[-1]}"
    else:
        raise AssertionError(f"unknown outcome {case.outcome!r}")
    new = snapshot(case_dir) - before
    temporary = [p for p in new if os.path.basename(p).startswith(".") or p.endswith(".tmp")]
    assert not temporary, f"temporary files left: {temporary}"
    if not case.keeps_outputs:
        assert not new, f"a failed command left files: {sorted(new)[:10]}"
    if case.check is not None:
        case.check(case_dir)


# ---- hints name only flags of the command that printed them ----------------------------------------------------

_FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")
_QUOTED_COMMAND = re.compile(r"`litemedseg [a-z]+[^`]*`")


def stray_flags(argv: list[str], stderr: str) -> list[str]:
    """Flags that the messages of `litemedseg ARGV` name but its command does not take; a quoted command
    (`litemedseg convert --input ...`) names its own flags and is left out."""
    import click

    from litemedseg.cli.main import command_flags, main

    own = command_flags(main.get_command(click.Context(main), argv[0]))
    found = []
    for line in stderr.splitlines():
        for flag in _FLAG.findall(_QUOTED_COMMAND.sub("", line)):
            if flag not in own:
                found.append(f"{flag} in: {line.strip()[:200]}")
    return found
