# The same session checkpoints as the export tests (trained or exported once per session, whichever asks first).
from tests.export.conftest import demo_checkpoint, demo_onnx  # noqa: F401
