"""Bounded JSON reading: size and nesting limits give a one-line ValueError, never a RecursionError."""

import json

import pytest

from litemedseg.utils.jsonio import MAX_JSON_DEPTH, loads_bounded, nesting_depth, read_json


def test_depth_counts_brackets_outside_strings_only():
    assert nesting_depth('{"a": [1, {"b": "[[[[{{{"}]}') == 3
    assert nesting_depth('"\\"[[["') == 0


@pytest.mark.parametrize("text", ["[" * 100_000 + "]" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000])
def test_deep_documents_are_refused_before_decoding(text):
    with pytest.raises(ValueError, match=f"nested deeper than {MAX_JSON_DEPTH}"):
        loads_bounded(text)


def test_documents_at_the_limit_still_load():
    text = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert loads_bounded(text) == json.loads(text)


def test_large_files_are_refused_before_they_are_read(tmp_path):
    path = tmp_path / "big.json"
    path.write_text(json.dumps({"train": ["x" * 100] * 200}))
    with pytest.raises(ValueError, match="more than the limit of 1,000"):
        read_json(path, max_bytes=1000)
    assert read_json(path)["train"][0] == "x" * 100


def test_syntax_errors_are_one_line():
    with pytest.raises(ValueError) as err:
        loads_bounded('{"a": [1,\n2,\n')
    assert "\n" not in str(err.value) and "line 3" in str(err.value)
