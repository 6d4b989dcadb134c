import pytest

import tensoropt


def test_plan_file_loads_into_frontiers(sample_plan_path):
    plan = tensoropt.load_plan(sample_plan_path)
    assert plan.model["name"] == "gpt2"
    frontier = plan.frontier()
    assert frontier.devices == 8
    assert len(frontier.points) == 28
    times = [p.time_s for p in frontier.points]
    assert times == sorted(times)
    assert [p.pick for p in frontier.points] == list(range(1, 29))


def test_frontier_queries(sample_plan_path):
    frontier = tensoropt.load_plan(sample_plan_path).frontier(8)
    best = frontier.fastest_within_memory(2 * 2**30)
    assert best is not None and best.memory_bytes <= 2 * 2**30
    assert all(p.time_s >= best.time_s for p in frontier.points if p.memory_bytes <= 2 * 2**30)
    lean = frontier.smallest_memory_within_time(1.0)
    assert lean is not None and lean.time_s <= 1.0
    assert all(p.memory_bytes >= lean.memory_bytes for p in frontier.points if p.time_s <= 1.0)
    assert frontier.fastest_within_memory(1) is None
    assert frontier.fastest is frontier.points[0]
    with pytest.raises(KeyError):
        tensoropt.load_plan(sample_plan_path).frontier(16)


def test_planner_writes_a_plan_file(has_plan_command):
    if not has_plan_command:
        pytest.skip("this binary has no `plan` command yet (branch plan not merged)")
    plan = tensoropt.plan("gpt-mini", 4, gpu="a100-80g")
    assert plan.frontier(4).points
