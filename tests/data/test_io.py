"""Image and mask reading: formats detected and normalised, bad files named in one-line errors."""

import warnings

import numpy as np
import pytest
import tifffile
from PIL import Image

from litemedseg.data.io import as_image_array, read_image, read_mask, write_png
from litemedseg.errors import DataError


def save(path, array):
    Image.fromarray(array).save(path)
    return path


@pytest.mark.parametrize("scale", [255, 1])
def test_binary_masks_0_255_and_0_1(tmp_path, scale):
    mask = np.zeros((6, 7), np.uint8)
    mask[2:4, 3:5] = scale
    out = read_mask(save(tmp_path / "m.png", mask))
    assert out.dtype == np.uint8 and set(np.unique(out)) == {0, 1} and out.sum() == 4


def test_sixteen_bit_mask(tmp_path):
    mask = np.zeros((5, 5), np.uint16)
    mask[1, 1] = 65535
    path = tmp_path / "m.tif"
    tifffile.imwrite(path, mask)
    assert read_mask(path).sum() == 1


def test_rgb_grey_in_disguise_and_colour_binary(tmp_path):
    grey = np.zeros((4, 4, 3), np.uint8)
    grey[1:3, 1:3] = 255
    assert read_mask(save(tmp_path / "g.png", grey)).sum() == 4
    red = np.zeros((4, 4, 3), np.uint8)
    red[0, 0] = (255, 0, 0)
    assert read_mask(save(tmp_path / "r.png", red)).sum() == 1


def test_rgb_encoded_classes_with_palette(tmp_path):
    rgb = np.zeros((2, 3, 3), np.uint8)
    rgb[0, 1] = (255, 0, 0)
    rgb[1, 2] = (0, 255, 0)
    path = save(tmp_path / "c.png", rgb)
    out = read_mask(path, num_classes=3, palette=[(0, 0, 0), (255, 0, 0), (0, 255, 0)])
    assert out.tolist() == [[0, 1, 0], [0, 0, 2]]
    with pytest.raises(DataError, match="c.png: colour mask with 3 distinct colours"):
        read_mask(path, num_classes=3)


def test_class_index_masks(tmp_path):
    mask = np.array([[0, 1], [2, 3]], np.uint8)
    path = save(tmp_path / "k.png", mask)
    assert read_mask(path, num_classes=4).tolist() == mask.tolist()
    with pytest.raises(DataError, match=r"k.png: class-index mask for 3 classes expected, found values \{0, 1, 2, 3\}"):
        read_mask(path, num_classes=3)


def test_ambiguous_binary_mask_names_file_and_values(tmp_path):
    mask = np.array([[0, 128], [255, 3]], np.uint8)
    path = save(tmp_path / "noisy.png", mask)
    with pytest.raises(DataError, match=r"noisy.png: binary mask expected, found 4 values \{0, 3, 128, 255\}"):
        read_mask(path)
    assert read_mask(path, threshold=127).tolist() == [[0, 1], [1, 0]]


def test_images_grey_rgb_rgba_and_sixteen_bit(tmp_path):
    grey = save(tmp_path / "g.png", np.full((4, 5), 7, np.uint8))
    assert read_image(grey).shape == (4, 5, 1)
    assert read_image(grey, channels=3).shape == (4, 5, 3)
    rgba = save(tmp_path / "a.png", np.full((4, 5, 4), 9, np.uint8))
    assert read_image(rgba).shape == (4, 5, 3)
    assert read_image(rgba, channels=1)[0, 0, 0] == 9
    deep = tmp_path / "d.tif"
    tifffile.imwrite(deep, np.array([[0, 1000], [2000, 4000]], np.uint16))
    assert read_image(deep)[..., 0].tolist() == [[0, 64], [128, 255]]


@pytest.mark.parametrize(
    "content,problem",
    [(b"", "empty file"), (b"not an image at all", "not a readable image"),
     (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "corrupt")],
)
def test_unreadable_files_name_the_file(tmp_path, content, problem):
    path = tmp_path / "bad.png"
    path.write_bytes(content)
    with pytest.raises(DataError, match=f"bad.png: .*{problem}"):
        read_image(path)


def test_truncated_png(tmp_path):
    path = save(tmp_path / "t.png", np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8))
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(DataError, match="t.png: corrupt or truncated"):
        read_image(path)


def test_wrong_channel_count(tmp_path):
    path = tmp_path / "five.tif"
    tifffile.imwrite(path, np.zeros((8, 8, 5), np.uint8), photometric="minisblack", planarconfig="contig")
    with pytest.raises(DataError, match="five.tif: image has 5 channels"):
        read_image(path)


def test_decompression_bomb_is_refused_before_decoding(tmp_path, monkeypatch):
    import litemedseg.data.io as io_module

    monkeypatch.setattr(io_module, "MAX_PIXELS", 100)
    path = save(tmp_path / "big.png", np.zeros((20, 20), np.uint8))
    with pytest.raises(DataError, match="big.png: image too large"):
        read_image(path)


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="nope.png: file not found"):
        read_image(tmp_path / "nope.png")


def test_as_image_array_and_write_png(tmp_path):
    arr = as_image_array(np.zeros((3, 4), np.float32))
    assert arr.shape == (3, 4, 1) and arr.dtype == np.uint8
    with pytest.raises(DataError, match="too small"):
        as_image_array(np.zeros((1, 1, 3), np.uint8))
    out = write_png(tmp_path / "sub" / "o.png", np.full((3, 4), 255, np.uint8))
    assert np.asarray(Image.open(out)).min() == 255
    assert not list((tmp_path / "sub").glob(".*tmp"))


def _save_with_orientation(path, array, orientation):
    exif = Image.Exif()
    exif[0x0112] = orientation
    Image.fromarray(array).save(path, exif=exif)
    return path


@pytest.mark.parametrize("suffix", [".jpg", ".png"])
def test_exif_orientation_gives_what_a_viewer_shows(tmp_path, suffix):
    stored = np.zeros((8, 16, 3), np.uint8)
    stored[:, :8] = 255  # left half white on the stored grid
    path = _save_with_orientation(tmp_path / f"phone{suffix}", stored, 6)  # 6: shown rotated 90 degrees clockwise
    shown = read_image(path)
    assert shown.shape == (16, 8, 3)  # a viewer shows it upright: width and height swap
    assert shown[:8].mean() > 200 and shown[8:].mean() < 50  # the white half is now on top


def test_exif_orientation_applies_to_masks_too(tmp_path):
    stored = np.zeros((8, 16), np.uint8)
    stored[:, :8] = 255
    assert read_mask(_save_with_orientation(tmp_path / "m.png", stored, 6)).shape == (16, 8)


def test_gif_named_png_is_refused_on_disk_as_in_serve(tmp_path):
    from litemedseg.serve.decode import UploadError, decode_upload

    path = tmp_path / "animated.png"
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(path, format="GIF")
    with pytest.raises(DataError, match=r"animated\.png: GIF image, not an accepted format \(expected PNG, JPEG, BMP"):
        read_image(path)
    with pytest.raises(DataError, match="GIF image, not an accepted format"):
        read_mask(path)
    with pytest.raises(UploadError, match="upload: GIF image, not an accepted format"):
        decode_upload(path.read_bytes())


def test_grey_for_a_colour_model_is_repeated_with_one_kind_of_warning():
    from litemedseg.data.io import GREY_FOR_COLOUR_MODEL, InputConversionWarning, as_image_array

    from litemedseg.data import io as io_module

    io_module._NOTES_SAID.clear()  # another test of this process may have said it already
    grey = np.arange(12, dtype=np.uint8).reshape(3, 4)
    with pytest.warns(InputConversionWarning, match="grey image\\(s\\) given to a model that takes colour") as caught:
        rgb = as_image_array(grey, 3, "scan.png")
    assert rgb.shape == (3, 4, 3) and all(np.array_equal(rgb[..., c], grey) for c in range(3))
    assert str(caught[0].message) == GREY_FOR_COLOUR_MODEL  # names no file: a command prints it once
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        as_image_array(grey, 3, "other.png")  # said already
        io_module._NOTES_SAID.clear()
        as_image_array(grey, 3, "scan.png", warn=False)
        assert as_image_array(np.dstack([grey] * 3), 1).shape == (3, 4, 1)  # grey stored as RGB: lossless


def test_colour_for_a_grey_model_is_refused_naming_the_file():
    from litemedseg.data.io import as_image_array

    colour = np.zeros((4, 4, 3), np.uint8)
    colour[..., 0] = 200
    with pytest.raises(DataError, match=r"photo.png: colour image, but the model takes grey images \(1 channel\)"):
        as_image_array(colour, 1, "photo.png")


def test_size_note_only_for_images_far_from_the_training_median():
    from litemedseg.data.io import size_note

    assert size_note((500, 700), [574, 765]) is None and size_note((150, 200), [574, 765]) is None
    assert size_note((100, 700), None) is None
    note = size_note((4000, 3000), [574, 765])
    assert note.startswith("image(s) far from the size of the training images (first: 3000x4000 against their "
                           "median 765x574, more than 4x apart)")
