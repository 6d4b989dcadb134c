import os

import pytest

import tensoropt


def test_binary_comes_from_the_environment_variable(binary):
    assert tensoropt.find_binary() == binary


def test_a_missing_binary_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("TENSOROPT_BIN", str(tmp_path / "nope"))
    with pytest.raises(tensoropt.TensorOptError, match="TENSOROPT_BIN"):
        tensoropt.find_binary()


def test_bad_input_raises_the_one_line_error_and_status_2(tmp_path):
    bad = tmp_path / "plan.json"
    bad.write_text('{"format": "tensoropt-plan/1", "model": {}}')
    with pytest.raises(tensoropt.TensorOptError) as caught:
        tensoropt.explain(str(bad))
    assert caught.value.status == 2
    assert caught.value.message == f"{bad}: field .model.name is missing"
