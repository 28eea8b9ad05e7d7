"""Layouts by name, detection of every official layout, and the hint open_dataset gives for one."""

import pytest

from litemedseg.data import open_dataset
from litemedseg.data.layouts import LAYOUTS, convert_command, detect_layout, get_layout
from litemedseg.errors import ConfigError, DataError
from tests.data.layouts import fixtures as fx

BUILDERS = {
    "isic2016": lambda root: fx.isic(root, 2016),
    "isic2017": lambda root: fx.isic(root, 2017),
    "isic2018": lambda root: fx.isic(root, 2018),
    "kvasir-seg": fx.kvasir,
    "cvc-clinicdb": fx.cvc,
    "ph2": fx.ph2,
    "drive": fx.drive,
    "chase-db1": fx.chase,
    "monuseg": fx.monuseg,
    "busi": lambda root: fx.busi(root),
    "glas": fx.glas,
    "nnunet": fx.nnunet,
}


def test_every_registered_layout_has_a_fixture():
    assert sorted(LAYOUTS) == sorted(BUILDERS)


# Builders that already write the archive's own top folder (Dataset_BUSI_with_GT/, Dataset042_Toy/).
WRAPPED = {"busi", "nnunet"}


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_detects_each_layout(tmp_path, name):
    BUILDERS[name](tmp_path / "download")
    assert detect_layout(tmp_path / "download") == name  # the folder an archive was unzipped into also works
    if name not in WRAPPED:
        assert detect_layout(tmp_path) == name


def test_nothing_detected_in_standard_or_empty_folders(tmp_path, synthetic_folder):
    assert detect_layout(synthetic_folder) is None
    (tmp_path / "empty").mkdir()
    assert detect_layout(tmp_path / "empty") is None


def test_get_layout_ignores_case_and_separators():
    assert get_layout("CHASE_DB1").name == "chase-db1"
    assert get_layout("Kvasir_SEG").name == "kvasir-seg"
    with pytest.raises(ConfigError, match="unknown layout 'stare' \\(known: .*drive.*\\)"):
        get_layout("stare")


def test_open_dataset_on_an_official_layout_gives_the_convert_command(tmp_path):
    fx.drive(tmp_path / "DRIVE")
    with pytest.raises(DataError) as info:
        open_dataset(tmp_path / "DRIVE")
    message = str(info.value)
    assert "looks like the official DRIVE (retinal vessels) layout" in message
    assert convert_command(tmp_path / "DRIVE") in message and "--output" in message and "\n" not in message


def test_convert_command_quotes_paths_with_spaces(tmp_path):
    command = convert_command(tmp_path / "PH2 Dataset images")
    assert command.endswith("'" + str(tmp_path / "PH2 Dataset images-converted") + "'")


def test_detection_order_is_the_declared_priority_not_the_import_order():
    from litemedseg.data.layouts import LAYOUTS, register_layout
    from litemedseg.data.layouts.registry import LAYOUTS as registry_layouts

    order = list(LAYOUTS)
    assert order[0] == "nnunet" and order[-1] == "kvasir-seg"  # specific first, plain images/ + masks/ last
    assert [LAYOUTS[n].priority for n in order] == sorted(LAYOUTS[n].priority for n in order)
    saved = dict(registry_layouts)
    try:
        registry_layouts.clear()
        for name in reversed(order):  # registering in the opposite order changes nothing
            register_layout(type(saved[name]))
        assert list(registry_layouts) == order
    finally:
        registry_layouts.clear()
        registry_layouts.update(saved)
