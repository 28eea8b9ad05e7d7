"""Reading images and masks from disk with one-line errors that name the file and the problem."""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from litemedseg.errors import DataError, hints

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp")
TIFF_SUFFIXES = (".tif", ".tiff")
# Refuse decompression bombs before decoding: 64 Mpx is 8000 x 8000, far above any 2D medical image we train on.
MAX_PIXELS = int(os.environ.get("LITEMEDSEG_MAX_PIXELS", 64_000_000))


def is_image_file(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES and not path.name.startswith(".")


def is_image_name(path: Path) -> bool:
    """Named like an image (suffix, not hidden), whatever it is: folders and broken links with image names are
    listed too, so that reading them gives an error naming them instead of a silent omission."""
    return path.suffix.lower() in IMAGE_SUFFIXES and not path.name.startswith(".")


def require_file(path: Path) -> None:
    """A DataError naming `path` unless it is an existing regular file (or a link to one)."""
    if path.is_symlink() and not path.exists():
        raise DataError(f"{path}: broken symbolic link (its target {os.readlink(path)} does not exist)")
    if not path.exists():
        raise DataError(f"{path}: file not found")
    if path.is_dir():
        raise DataError(f"{path}: is a folder, not an image file")
    if not path.is_file():
        raise DataError(f"{path}: not a regular file")


def printable(path: str | os.PathLike) -> str:
    """`path` as text that can always be printed: bytes that are not UTF-8 shown as \\xNN escapes."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def require_utf8_name(path: Path) -> None:
    """A DataError unless `path`'s name is valid UTF-8: stems go into CSV, JSON and HTML files, which need text."""
    try:
        path.name.encode("utf-8")
    except UnicodeEncodeError:
        raise DataError(f"{printable(path)}: file name is not valid UTF-8 (rename it: it would be written into "
                        "split, CSV and report files)") from None


class ImageTooLargeError(DataError):
    """An image above MAX_PIXELS (decompression-bomb guard) or above a caller's decode budget."""


@dataclass(frozen=True)
class DecodeBudget:
    """Refuse an image before decoding it when it has more pixels, or would take more bytes once decoded
    (width x height x channels x bytes per sample), than a caller allows (the web server, for one)."""

    max_pixels: int = MAX_PIXELS
    max_bytes: int | None = None

    def check(self, name: str | os.PathLike, width: int, height: int, channels: int, sample_bytes: int) -> None:
        pixels = width * height
        if pixels > self.max_pixels:
            raise ImageTooLargeError(f"{name}: image too large ({width}x{height} = {pixels} pixels, limit "
                                     f"{self.max_pixels})")
        decoded = pixels * channels * sample_bytes
        if self.max_bytes is not None and decoded > self.max_bytes:
            raise ImageTooLargeError(
                f"{name}: image too large to decode ({width}x{height}, {channels} channel(s) of {sample_bytes} "
                f"byte(s) = {decoded / 2**20:.0f} MB, limit {self.max_bytes / 2**20:.0f} MB)")


# bytes per pixel once Pillow decodes a mode (palette images are expanded to RGBA at most)
_MODE_BYTES = {"1": 1, "L": 1, "P": 4, "PA": 4, "LA": 2, "RGB": 3, "RGBA": 4, "RGBX": 4, "CMYK": 4, "YCbCr": 3,
               "LAB": 3, "HSV": 3, "I;16": 2, "I;16B": 2, "I;16L": 2, "I;16N": 2, "I": 4, "F": 4}


TIFF_MAGIC = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")
# The Pillow decoders we use, for files on disk and bytes from a network client alike (TIFF goes to tifffile):
# one rule, so a GIF renamed .png is refused on disk as it is in `serve`, and Pillow's other decoders (EPS runs
# Ghostscript, for one) never see our inputs.
ACCEPTED_FORMATS = ("PNG", "JPEG", "BMP")
UPLOAD_FORMATS = ACCEPTED_FORMATS
EXIF_ORIENTATION = 0x0112


def _read_raw(path: Path, palette_indices: bool = False) -> np.ndarray:
    """Decode `path` into an (H, W) or (H, W, C) array of its native dtype; with `palette_indices` a palette
    image gives its indices (what a palette mask means), not its colours."""
    require_file(path)
    if path.stat().st_size == 0:
        raise DataError(f"{path}: empty file (0 bytes)")
    suffix = path.suffix.lower()
    # GIF only under its own name: the masks of the DRIVE and CHASE_DB1 originals that `convert` reads
    formats = (*ACCEPTED_FORMATS, "GIF") if suffix == ".gif" else ACCEPTED_FORMATS
    return _decode(path, path, suffix in TIFF_SUFFIXES, formats, palette_indices=palette_indices)


def decode_image_bytes(data: bytes, source: str = "upload", formats: Sequence[str] = UPLOAD_FORMATS,
                       budget: DecodeBudget | None = None) -> np.ndarray:
    """Decode image bytes (PNG/JPEG/BMP through Pillow, TIFF through tifffile) with the same guards and
    messages as files on disk; `source` names the bytes in errors; `budget` refuses big images before
    decoding. Returns the native (H, W[, C]) array."""
    import io

    if not data:
        raise DataError(f"{source}: empty upload (0 bytes)")
    return _decode(io.BytesIO(data), source, data[:4] in TIFF_MAGIC, formats, budget)


def _decode(stream, name: str | os.PathLike, is_tiff: bool, formats: Sequence[str] | None = None,
            budget: DecodeBudget | None = None, palette_indices: bool = False) -> np.ndarray:
    try:
        if is_tiff:
            return _read_tiff(stream, name, budget)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(stream, formats=formats) as img:
                _check_pixels(name, img.width * img.height)
                if budget is not None:
                    bands = 4 if img.mode in ("P", "PA") else len(img.getbands())
                    per_sample = max(1, _MODE_BYTES.get(img.mode, 8 * bands) // bands)
                    budget.check(name, img.width, img.height, bands, per_sample)
                if img.getexif().get(EXIF_ORIENTATION, 1) != 1:
                    # what every viewer shows (and what masks are drawn on), not the stored pixel grid
                    img = ImageOps.exif_transpose(img)
                if palette_indices and img.mode in ("P", "PA"):
                    # a palette mask's labels are its indices: read by colour, an inverted palette (index 0
                    # drawn white) would train on inverted labels without a word
                    return np.asarray(img.convert("P") if img.mode == "PA" else img)
                if img.mode in ("P", "PA", "CMYK", "YCbCr", "LAB", "HSV", "1"):
                    img = img.convert("RGBA" if "transparency" in img.info or img.mode == "PA" else "RGB")
                if img.mode in ("LA",):
                    img = img.convert("L")
                return np.asarray(img)
    except DataError:
        raise
    except PermissionError:
        raise DataError(f"{name}: permission denied") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageTooLargeError(
            f"{name}: image too large (decompression bomb guard, limit {MAX_PIXELS} pixels)"
        ) from None
    except UnidentifiedImageError:
        accepted = f"{', '.join(formats)} or TIFF" if formats else "a known format"
        found = _identify(stream, name)
        if found:
            raise DataError(f"{name}: {found} image, not an accepted format (expected {accepted})") from None
        raise DataError(f"{name}: not a readable image (expected {accepted}; unknown or corrupt format)") from None
    except MemoryError:
        raise
    except (OSError, ValueError, SyntaxError, EOFError) as err:
        raise DataError(f"{name}: corrupt or truncated image ({_short(err)})") from None
    except Exception as err:  # noqa: BLE001  (decoders parsing a damaged file raise anything: struct.error, ...)
        raise DataError(f"{name}: corrupt or truncated image ({type(err).__name__}: {_short(err)})") from None


def _identify(stream, name: str | os.PathLike) -> str | None:
    """The format Pillow would read `stream` as, from its header only (nothing is decoded), or None."""
    try:
        if hasattr(stream, "seek"):
            stream.seek(0)
        with Image.open(stream) as img:
            return img.format
    except Exception:  # noqa: BLE001  (only naming the format: any failure means "unknown")
        return None


def _read_tiff(stream, path: str | os.PathLike, budget: DecodeBudget | None = None) -> np.ndarray:
    """The first image of a TIFF: grey, RGB, or either plus one alpha channel (dropped later).

    Refused before decoding: stacks and volumes (several pages in the first series, or depth > 1), CMYK, and
    other channel counts (2 or 4 channels whose extra channel is not alpha, 5 or more).
    """
    import tifffile
    from tifffile import EXTRASAMPLE, PHOTOMETRIC, PLANARCONFIG

    log = logging.getLogger("tifffile")
    disabled, log.disabled = log.disabled, True  # no stray log lines on damaged tags: the error says it
    try:
        with tifffile.TiffFile(stream) as tif:
            if not tif.pages:
                raise DataError(f"{path}: TIFF has no pages")
            page = tif.pages[0]
            height, width = int(page.imagelength), int(page.imagewidth)
            _check_pixels(path, height * width)
            series = tif.series[0] if tif.series else None
            frames = len(series.pages) if series is not None else 1
            depth = int(getattr(page, "imagedepth", 1) or 1)
            if frames > 1 or depth > 1:
                raise DataError(f"{path}: TIFF holds a stack of {max(frames, depth)} images of {width}x{height} "
                                "(a volume or multi-page file); expected one 2D image")
            samples = int(page.samplesperpixel)
            extra = tuple(page.extrasamples or ())
            alpha = bool(extra) and extra[0] in (EXTRASAMPLE.ASSOCALPHA, EXTRASAMPLE.UNASSALPHA)
            if page.photometric == PHOTOMETRIC.SEPARATED:
                raise DataError(f"{path}: CMYK (separated) TIFF is not supported; convert it to RGB")
            if not (samples in (1, 3) or (samples == 2 and alpha)
                    or (samples == 4 and alpha and page.photometric == PHOTOMETRIC.RGB)):
                kind = " (the extra channel is not alpha)" if samples in (2, 4) else ""
                raise DataError(f"{path}: image has {samples} channels{kind}; expected 1 (grey) or 3 (RGB), "
                                "optionally plus alpha")
            if budget is not None:
                budget.check(path, width, height, samples, int(np.dtype(page.dtype).itemsize))
            array = page.asarray()
            if samples > 1 and page.planarconfig == PLANARCONFIG.SEPARATE and array.ndim == 3:
                array = np.moveaxis(array, 0, -1)  # planar (C, H, W) TIFF
    finally:
        log.disabled = disabled
    return array


def _check_pixels(path: str | os.PathLike, pixels: int) -> None:
    if pixels > MAX_PIXELS:
        raise ImageTooLargeError(
            f"{path}: image too large ({pixels} pixels, limit {MAX_PIXELS}; set LITEMEDSEG_MAX_PIXELS)"
        )
    if pixels == 0:
        raise DataError(f"{path}: image has no pixels")


def _short(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return text[0][:120] if text else type(err).__name__


def to_uint8(array: np.ndarray, path: str | os.PathLike = "image") -> np.ndarray:
    """uint8 as is; bool to 0/255; other integer or float arrays min-max scaled to 0-255."""
    if array.dtype == np.uint8:
        return array
    if array.dtype == bool:
        return array.astype(np.uint8) * 255
    if np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating):
        array = array.astype(np.float64)
        if not np.isfinite(array).all():
            raise DataError(f"{path}: image contains NaN or infinite values")
        low, high = float(array.min()), float(array.max())
        if high <= low:
            return np.zeros(array.shape, np.uint8)
        # halves first: a range such as +-1e308 overflows high - low to inf (a flat black image before)
        span = high / 2 - low / 2
        return np.round((array / 2 - low / 2) / span * 255.0).clip(0, 255).astype(np.uint8)
    raise DataError(f"{path}: unsupported pixel type {array.dtype}")


def read_image(path: str | os.PathLike, channels: int | None = None) -> np.ndarray:
    """An image file as uint8 (H, W, C); see `as_image_array` for the channel rules."""
    return as_image_array(_read_raw(Path(path)), channels, path)


class InputConversionWarning(UserWarning):
    """An input was converted into what the model takes; the text names no file, so a command says it once."""


GREY_FOR_COLOUR_MODEL = ("grey image(s) given to a model that takes colour (RGB) images: the grey channel is "
                         "repeated into R, G and B, and masks may be poorer than on colour input")


_NOTES_SAID: set[str] = set()


def reset_notes() -> None:
    """Forget which conversion notes were said: each command (the CLI calls this) says each note once."""
    _NOTES_SAID.clear()


def conversion_note(have: int, channels: int | None) -> str | None:
    """What a user should be told when an image of `have` channels is fed to a model of `channels`."""
    return GREY_FOR_COLOUR_MODEL if have == 1 and channels == 3 else None


SIZE_FACTOR = 4.0  # an image side this many times larger or smaller than the training median is "far"


def size_note(shape: Sequence[int], median: Sequence[int] | None) -> str | None:
    """What a user should be told when an image of (H, W) `shape` is far from the training images' median."""
    if not median or len(median) != 2 or min(median) < 1:
        return None
    ratios = [shape[0] / median[0], shape[1] / median[1]]
    if all(1 / SIZE_FACTOR <= r <= SIZE_FACTOR for r in ratios):
        return None
    return (f"image(s) far from the size of the training images (first: {shape[1]}x{shape[0]} against their "
            f"median {median[1]}x{median[0]}, more than {SIZE_FACTOR:g}x apart): objects appear at another scale "
            "to the model, and masks may be poorer")


def say_once(kind: str, text: str) -> None:
    """Warn `text` (an InputConversionWarning) the first time a note of `kind` comes up in this command."""
    if kind in _NOTES_SAID:
        return
    _NOTES_SAID.add(kind)  # per kind: readers catch warnings per file, which resets Python's own registry
    warnings.warn(text, InputConversionWarning, stacklevel=3)


def as_image_array(array: np.ndarray, channels: int | None = None, source: str | os.PathLike = "image",
                   *, warn: bool = True) -> np.ndarray:
    """Any 2D image array -> contiguous uint8 (H, W, C) with C = `channels` (1 or 3) when given.

    16-bit and float images are min-max scaled to 0-255; an alpha channel is dropped. Grey for a colour model
    is repeated into RGB (lossless, so accepted, with an InputConversionWarning unless `warn` is off); colour
    for a grey model is taken only when its channels are equal, else refused, like any other channel count,
    with an error naming `source`.
    """
    array = np.asarray(array)
    if array.ndim == 2:
        array = array[..., None]
    if array.ndim != 3:
        raise DataError(f"{source}: expected a 2D image, got an array of shape {array.shape}")
    if array.shape[0] < 2 or array.shape[1] < 2:
        raise DataError(f"{source}: image is too small ({array.shape[1]}x{array.shape[0]} pixels)")
    if array.shape[-1] == 4:
        array = array[..., :3]
    if array.shape[-1] == 2:
        array = array[..., :1]  # grey + alpha
    if array.shape[-1] not in (1, 3):
        raise DataError(f"{source}: image has {array.shape[-1]} channels; expected 1 (grey) or 3 (RGB)")
    array = to_uint8(array, source)
    if channels is not None:
        note = conversion_note(array.shape[-1], channels)
        array = convert_channels(array, channels, source)
        if note and warn:
            say_once("channels", note)
    return np.ascontiguousarray(array)


def convert_channels(array: np.ndarray, channels: int, path: str | os.PathLike = "image") -> np.ndarray:
    """Grey -> RGB by repetition; RGB whose channels are equal -> grey; (H, W, C) uint8 in and out.

    A colour image for a grey model is refused: any mix of R, G and B would be a guess the model never saw."""
    have = array.shape[-1]
    if have == channels:
        return array
    if have == 1 and channels == 3:
        return np.repeat(array, 3, axis=-1)
    if have == 3 and channels == 1:
        if np.array_equal(array[..., 0], array[..., 1]) and np.array_equal(array[..., 0], array[..., 2]):
            return array[..., :1]
        raise DataError(f"{path}: colour image, but the model takes grey images (1 channel); convert it to grey "
                        "first (or train with input.in_channels: 3)")
    raise DataError(f"{path}: image has {have} channels but the model expects {channels}")


_BINARY_FOREGROUND = (1, 255, 65535)  # the foreground values of binary masks: 0/1, 8-bit and 16-bit 0/max


def read_mask(
    path: str | os.PathLike,
    num_classes: int = 1,
    threshold: int | None = None,
    palette: Sequence[Sequence[int]] | None = None,
) -> np.ndarray:
    """A mask as uint8 (H, W): {0, 1} for binary (`num_classes` 1), class indices 0..C-1 otherwise.

    Detected and normalised: binary masks stored as 0/255, 0/1 or 0/65535 (other pairs such as {0, 128} are
    refused with the values found: a mask of another convention must not be guessed); RGB masks whose channels
    are equal (grey in disguise); RGB masks of black plus one colour (binary); RGB-encoded class masks when a
    `palette` (one RGB colour per class, background first) is given. Anything else is ambiguous and raises an
    error naming the file and the values, unless `threshold` is given (foreground = value > threshold, for
    JPEG-compressed binary masks).
    """
    path = Path(path)
    array = _read_raw(path, palette_indices=True)
    if array.ndim == 3:
        if array.shape[-1] in (2, 4):
            array = array[..., :-1]  # alpha
        if array.shape[-1] not in (1, 3):
            raise DataError(f"{path}: mask has {array.shape[-1]} channels; expected a grey (or RGB) mask")
        if array.shape[-1] == 1 or (array == array[..., :1]).all():
            array = array[..., 0]
        else:
            return _colour_mask(path, array, num_classes, palette)
    if array.ndim != 2:
        raise DataError(f"{path}: expected a 2D mask, got an array of shape {array.shape}")
    if np.issubdtype(array.dtype, np.floating) and not np.isfinite(array).all():
        raise DataError(f"{path}: mask contains NaN or infinite values")
    values = np.unique(array)
    if num_classes == 1:
        if threshold is not None:
            return (array > threshold).astype(np.uint8)
        if set(values.tolist()) <= {0} or any(set(values.tolist()) <= {0, v} for v in _BINARY_FOREGROUND):
            return (array > 0).astype(np.uint8)
        advice = hints(("--mask-threshold", "JPEG-compressed? pass --mask-threshold 127"),
                       ("--num-classes", "multi-class? pass --num-classes"))
        raise DataError(f"{path}: binary mask expected, found {len(values)} values {_values_text(values)}"
                        + (f" ({advice})" if advice else ""))
    integral = np.all(np.mod(values, 1) == 0)
    if integral and values.min() >= 0 and values.max() < num_classes:
        return array.astype(np.uint8)
    if num_classes == 2 and len(values) == 2 and values[0] == 0:
        return (array > 0).astype(np.uint8)
    raise DataError(f"{path}: class-index mask for {num_classes} classes expected, found values {_values_text(values)}")


def _colour_mask(
    path: Path, array: np.ndarray, num_classes: int, palette: Sequence[Sequence[int]] | None
) -> np.ndarray:
    colours = np.unique(array.reshape(-1, 3), axis=0)
    if palette is not None:
        lookup = {tuple(int(v) for v in colour): index for index, colour in enumerate(palette)}
        unknown = [tuple(c) for c in colours.tolist() if tuple(c) not in lookup]
        if unknown:
            raise DataError(f"{path}: colours {unknown[:4]} are not in the class palette {list(lookup)}")
        codes = array.astype(np.int64) @ np.array([65536, 256, 1])
        table = {r * 65536 + g * 256 + b: index for (r, g, b), index in lookup.items()}
        out = np.zeros(codes.shape, np.uint8)
        for code, index in table.items():
            out[codes == code] = index
        return out
    black = (colours == 0).all(axis=1)
    if num_classes == 1 and len(colours) == 2 and black.any():
        return array.any(axis=-1).astype(np.uint8)
    raise DataError(
        f"{path}: colour mask with {len(colours)} distinct colours; expected a grey or class-index mask "
        "(give the class colours as a palette in classes.json, or convert the masks)"
    )


def _values_text(values: np.ndarray, limit: int = 8) -> str:
    shown = ", ".join(str(v) for v in values[:limit].tolist())
    return "{" + shown + (", ..." if len(values) > limit else "") + "}"


def write_png(path: str | os.PathLike, array: np.ndarray, palette: Sequence[int] | None = None) -> Path:
    """Write a uint8/uint16 (H, W) or (H, W, 3) array as PNG, atomically; with `palette` (768 values) a uint8
    (H, W) array becomes a palette PNG: readers get the indices, viewers show the colours."""
    from litemedseg.utils.atomic import atomic_open

    path = Path(path)
    array = np.ascontiguousarray(array)
    if palette is not None:
        image = Image.frombytes("P", (array.shape[1], array.shape[0]), array.astype(np.uint8).tobytes())
        image.putpalette(list(palette))
    else:
        image = Image.fromarray(array)
    with atomic_open(path, "wb") as handle:
        image.save(handle, format="PNG")
    return path
