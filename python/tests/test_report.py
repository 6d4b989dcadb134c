import tensoropt


def test_report_writes_a_self_contained_html_file(sample_plan_path, tmp_path):
    output = tmp_path / "report.html"
    tensoropt.report(sample_plan_path, str(output), pick=19)
    html = output.read_text()
    assert html.startswith("<!DOCTYPE html>")
    assert html.count('class="frontier-point"') == 28
    assert "<script" not in html


def test_explain_describes_the_pick(sample_plan_path):
    text = tensoropt.explain(sample_plan_path, 19)
    assert "dp2 tp2 pp2" in text
    assert "Where the memory goes" in text
