from pathlib import Path

import pytest

from litemedseg.config import load_config, parse_override
from litemedseg.errors import ConfigError

CONFIGS = sorted((Path(__file__).resolve().parents[1] / "configs").glob("*.yaml"))


@pytest.mark.parametrize("path", CONFIGS, ids=[p.stem for p in CONFIGS])
def test_shipped_configs_validate(path):
    config = load_config(path)
    assert config.epochs >= 1 and config.model


def test_overrides_reach_nested_fields():
    config = load_config(CONFIGS[0], dict([parse_override("input.size=[64, 96]"), parse_override("augment.elastic=true"),
                                           parse_override("lr=3e-3")]))
    assert config.input.size == (64, 96) and config.augment.elastic and config.lr == pytest.approx(3e-3)


def test_bad_values_name_the_field_and_file(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("epochs: 0\n")
    with pytest.raises(ConfigError, match=r"c.yaml: epochs: .*greater than or equal to 1 \(got 0\)"):
        load_config(path)
    path.write_text("lernrate: 0.1\n")
    with pytest.raises(ConfigError, match="lernrate"):
        load_config(path)
