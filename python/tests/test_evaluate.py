import tensoropt


def test_evaluate_returns_the_cost_of_one_strategy():
    cost = tensoropt.evaluate("gpt2", 8, gpu="a100-80g", tp=2, microbatch=4, recompute="selective")
    assert cost.model == "gpt2"
    assert cost.devices == 8
    assert cost.fits
    assert cost.time_s > 0
    assert 0 < cost.memory_bytes < cost.memory_capacity_bytes
    assert cost.strategy["tensor_parallel"] == 2
    assert cost.strategy["data_parallel"] == 4


def test_impossible_strategy_is_an_error():
    try:
        tensoropt.evaluate("gpt2", 8, tp=3)
    except tensoropt.TensorOptError as error:
        assert error.status == 2
        assert "tp" in error.message
    else:
        raise AssertionError("expected an error")
