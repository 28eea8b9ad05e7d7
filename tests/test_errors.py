"""Hints in errors name only flags of the command that printed them; from Python every hint is kept."""

import pytest

from litemedseg.data.io import read_mask
from litemedseg.errors import DataError, hints, reset_command_flags, set_command_flags


def test_hints_follow_the_running_command(tmp_path):
    from PIL import Image
    import numpy as np

    path = tmp_path / "m.png"
    Image.fromarray(np.array([[0, 7], [255, 0]], np.uint8)).save(path)
    with pytest.raises(DataError, match=r"--mask-threshold 127; multi-class\? pass --num-classes"):
        read_mask(path)  # from Python: every hint
    token = set_command_flags(frozenset({"--mask-threshold"}))
    try:
        with pytest.raises(DataError) as caught:
            read_mask(path)
        assert "--mask-threshold 127" in str(caught.value) and "--num-classes" not in str(caught.value)
        set_command_flags(frozenset())
        assert hints(("--skip-unpaired", "pass --skip-unpaired")) == ""
    finally:
        reset_command_flags(token)
