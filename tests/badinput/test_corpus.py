"""Every case of the bad-input corpus through the command line: one-line errors naming the file and the problem
(exit 1) or documented skips with a warning, never a traceback, never a half-written output (docs/errors.md).

Most cases run in-process with click's CliRunner (the same `LitemedsegCLI.invoke` that turns exceptions into
one-line messages); a few run in real subprocesses to show that nothing else reaches a real terminal.
"""

from __future__ import annotations

import traceback
from pathlib import Path

import pytest
from click.testing import CliRunner

from litemedseg.cli.main import main
from tests.badinput import corpus
from tests.helpers import run_cli

CASES = corpus.all_cases()


def invoke(argv: list[str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, argv)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        # escaped LitemedsegCLI.invoke: CliRunner would report exit 1; make it fail loudly instead
        trace = "".join(traceback.format_exception(*result.exc_info))
        return 99, result.stdout, result.stderr + "\nTraceback (escaped the CLI):\n" + trace
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """The cases run tiny tensors: one thread is faster than two that wait on each other (and restored after)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def env(tmp_path_factory) -> corpus.Env:
    return corpus.Env(tmp_path_factory.mktemp("badinput-env"), invoke)


def test_corpus_is_large_enough():
    assert len(CASES) >= 200, len(CASES)
    kinds = {case.id.split("/")[0] for case in CASES}
    assert {"train", "evaluate", "predict", "export", "explain", "report", "convert", "serve"} <= kinds


@pytest.fixture
def never_listen(monkeypatch):
    """`serve` cases must fail before the server listens: one that gets as far as serving fails at once (exit 3,
    "internal error") instead of blocking the test run."""
    import signal

    from litemedseg.serve.server import SegmentServer

    def refuse(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        raise RuntimeError("the server started listening: this bad input was accepted")

    monkeypatch.setattr(SegmentServer, "serve_forever", refuse)
    monkeypatch.setattr(signal, "signal", lambda *args: None)  # keep the test process's SIGTERM handler


@pytest.mark.timeout(120)
@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input(case: corpus.Case, env: corpus.Env, tmp_path: Path, request):
    if case.skip:
        pytest.skip(case.skip)
    if case.id.startswith("serve/"):
        request.getfixturevalue("never_listen")
    argv = case.build(tmp_path, env)
    before = corpus.snapshot(tmp_path)
    code, stdout, stderr = invoke(argv)
    corpus.verify(case, code, stdout, stderr, tmp_path, before)
    stray = corpus.stray_flags(argv, stderr)
    assert not stray, f"a hint names flags `litemedseg {argv[0]}` does not take: {stray}"


ACCEPTED = corpus.accepted_cases()


@pytest.mark.parametrize("case", ACCEPTED, ids=[case.id for case in ACCEPTED])
def test_documented_acceptance(case: corpus.Case, env: corpus.Env, tmp_path: Path):
    """Near-misses that are valid input (alpha channels, 16-bit, palettes, 0/1 masks...) still work."""
    argv = case.build(tmp_path, env)
    before = corpus.snapshot(tmp_path)
    code, stdout, stderr = invoke(argv)
    corpus.verify(case, code, stdout, stderr, tmp_path, before)


# A handful in real processes: what a user's terminal shows (stderr as written, the exit status of the process).
SUBPROCESS_CASES = [
    "train/mask/values_0_7_255-png",
    "predict/weights/torch-archive-payload-pt",
    "predict/skip-bad/png_cut_00008-png",
    "export/output/inside-a-file",
    "convert/monuseg/xml-entity-bomb",
]
CASE_BY_ID = {case.id: case for case in CASES}
assert set(SUBPROCESS_CASES) <= set(CASE_BY_ID), set(SUBPROCESS_CASES) - set(CASE_BY_ID)


@pytest.mark.parametrize("case_id", SUBPROCESS_CASES)
def test_bad_input_in_a_real_process(case_id: str, env: corpus.Env, tmp_path: Path):
    case = CASE_BY_ID[case_id]
    argv = case.build(tmp_path, env)
    before = corpus.snapshot(tmp_path)
    result = run_cli(*argv, timeout=120)
    corpus.verify(case, result.returncode, result.stdout, result.stderr, tmp_path, before)
