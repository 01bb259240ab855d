"""The bench's plans and pledges: what it seeds, when it reseeds, and its page measurements."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from reporting import bench


def test_bench_seeds_pledges_and_plan_items_with_the_records_and_reseeds_older_databases(tmp_path, monkeypatch):
    from commitments.demo import GENERATOR_VERSION

    commands = []
    monkeypatch.setattr(bench, "BENCH_DIR", tmp_path)
    monkeypatch.setattr(bench, "fresh_database", lambda url: None)
    monkeypatch.setattr(bench.subprocess, "run", lambda cmd, **kwargs: commands.append(cmd))
    assert bench.plans_pledges_for(1_000_000) == (50_000, 20_000)
    url = f"sqlite:///{tmp_path / 'evidence-10000-seed1.sqlite3'}"
    marker = bench.marker_path(10_000, 1, url)
    # A database seeded before plans and pledges were part of the bench is seeded again.
    marker.write_text(json.dumps({"records": 10_000, "seed": 1, "generator": GENERATOR_VERSION, "seconds": 9}))
    assert bench.ensure_seeded(10_000, 1, url).startswith("seeded 10,000 records, 500 pledges and 200 plan items")
    seed_command = next(cmd for cmd in commands if "seed_demo" in cmd)
    assert seed_command[-4:] == ["--pledges", "500", "--plan-items", "200"]
    commands.clear()
    assert bench.ensure_seeded(10_000, 1, url).startswith("reusing")
    assert not [cmd for cmd in commands if "seed_demo" in cmd]


@pytest.mark.django_db
def test_plans_and_pledges_measurement_reads_every_page_and_prints_its_rows(framework, monkeypatch, capsys):
    args = ["--records", "300", "--organisations", "20", "--pledges", "120", "--plan-items", "60", "--seed", "2"]
    call_command("seed_demo", "--allow-production", *args, stdout=StringIO())
    monkeypatch.setattr(bench, "_setup", lambda: None)
    result = bench.measure_plans_pledges(1)
    assert result["pledges"] == 120 and result["items"] == 60
    pages = [key for key, _label in bench.PLAN_PLEDGE_PAGES]
    assert {result[key]["status"] for key in pages} == {200}
    assert all(result[key]["queries"] <= 12 for key in pages)
    assert "cached" in result["pledge_list"] and "cached" in result["state_page"]
    skipped = {"error": "skipped (--pages-only)"}
    row = {**bench.EMPTY, "records": 300, "published": 270, "check_none": True, "check_filtered": True}
    row.update(
        dict.fromkeys(("data_none", "sql_none", "data_filtered", "sql_filtered", "dashboard_page"), 0.01),
        report_national=skipped,
        report_global=skipped,
        exports=skipped,
        plans_pledges=result,
    )
    bench.print_table([300], {300: row})
    table = capsys.readouterr().out
    assert "pledge list /pledges/" in table and f"{result['state']}, " in table
    assert "skipped (--pages-only)" in table


@pytest.mark.django_db
def test_filtered_exports_are_measured_without_and_with_lines_written_ahead(framework, client):
    from tests.factories import bulk_published

    bulk_published(300)
    bulk_published(200, state="KEN", start=300)  # Africa as well; principle-less, so principle=f finds none
    result = bench.measure_filtered_exports(client)
    assert result["build"]["lines"] == 500
    assert result["queries"]["region=Africa"]["rows"] == 500
    for query in bench.FILTERED_EXPORTS:
        measured = result["queries"][query]
        assert measured["written"]["status"] == measured["lines"]["status"] == 200
    rows = dict(bench.export_rows({"filtered": result}))
    assert rows["CSV lines written ahead"].startswith("500 lines in ")
    assert rows["export .csv?region=Africa, lines written ahead (>= 50,000 rows/s)"].startswith("500 rows, ")
