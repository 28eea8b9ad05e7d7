import numpy as np
import pytest

from litemedseg.data.spec import InputSpec
from litemedseg.runtime.preprocess import prepare


@pytest.mark.parametrize("mode", ["resize", "patch"])
@pytest.mark.parametrize(("channels", "image_shape"), [(3, (45, 70, 3)), (3, (40, 30)), (1, (33, 52, 3))])
def test_same_network_input_as_the_pytorch_segmenter(mode, channels, image_shape):
    import litemedseg
    from litemedseg.engine.prediction import Segmenter

    spec = InputSpec(mode=mode, size=(32, 48), scale=0.7, in_channels=channels, mean=(0.3,) * channels,
                     std=(0.2,) * channels)
    info = InputSpec.from_dict(spec.to_dict())
    assert info == spec
    image = np.random.default_rng(0).integers(0, 256, image_shape, dtype=np.uint8)
    if channels == 1 and image.ndim == 3:  # grey stored as RGB: the one colour input a grey model takes
        image = np.repeat(image[..., :1], 3, axis=-1)
    segmenter = Segmenter(litemedseg.create_model("mininet", in_channels=channels), spec)
    torch_input, torch_original = segmenter._prepare(image)
    got, original = prepare(image, info)
    assert original == torch_original == image_shape[:2]
    assert info.network_size(original) == spec.network_size(original)
    np.testing.assert_array_equal(got, torch_input[0].numpy())


def test_bad_metadata_values_are_rejected():
    with pytest.raises(ValueError, match="mode"):
        InputSpec.from_dict({"mode": "tile", "size": [32, 32], "in_channels": 3, "mean": [0] * 3, "std": [1] * 3})
    with pytest.raises(ValueError, match="channels"):
        InputSpec.from_dict({"mode": "resize", "size": [32, 32], "in_channels": 3, "mean": [0], "std": [1]})
