"""Every Member State is drawable on the dashboards' world map: a shape, or a marker at its point."""

import json

from django.conf import settings

from reporting import dashboards
from reporting.map_points import POINTS

ROOT = settings.BASE_DIR
TOPOJSON = ROOT / "reporting" / "static" / "vendor" / "topojson" / "world_110m.json"


def shapes():
    topology = json.loads(TOPOJSON.read_text())
    return {g.get("id") for g in topology["objects"]["countries"]["geometries"] if g.get("type")}


def states():
    rows = json.loads((ROOT / "fixtures" / "member_states.json").read_text())
    return [(row["iso3"], row["name"], row["is_observer"]) for row in rows]


def drawn(figure):
    """{iso3: trace type} of every State the figure draws (shapes by location, markers by id)."""
    result = {}
    for trace in figure["data"]:
        for iso3 in trace.get("locations") or trace.get("ids") or []:
            assert iso3 not in result, f"{iso3} is drawn twice"
            result[iso3] = trace["type"]
    return result


def test_every_state_has_a_shape_or_a_point_and_never_both():
    shaped = shapes()
    everyone = states()
    members = [iso3 for iso3, _name, observer in everyone if not observer]
    observers = [iso3 for iso3, _name, observer in everyone if observer]
    assert len(members) == 193 and len(observers) == 2
    assert all(iso3 in shaped or iso3 in POINTS for iso3, _name, _observer in everyone)
    assert not set(POINTS) & shaped  # a point only where the map has no shape
    assert {"TON", "TUV", "MDV", "MLT", "SGP", "LCA"} <= set(POINTS)
    assert all(-180 <= lon <= 180 and -60 <= lat <= 85 for lon, lat in POINTS.values())


def test_the_map_draws_all_193_member_states_and_the_observers(db):
    everyone = states()
    counts = {iso3: n for n, (iso3, _name, _observer) in enumerate(everyone) if n % 3}  # some report, some not
    figure = dashboards.state_map(counts, [(iso3, name) for iso3, name, _observer in everyone]).figure
    by_state = drawn(figure)
    members = {iso3 for iso3, _name, observer in everyone if not observer}
    assert len(members & set(by_state)) == 193
    assert set(by_state) == {iso3 for iso3, _name, _observer in everyone}
    shaped = shapes()
    assert all(kind == ("scattergeo" if iso3 in POINTS else "choropleth") for iso3, kind in by_state.items())
    assert all(iso3 in shaped for iso3, kind in by_state.items() if kind == "choropleth")
    # The markers of reporting States use the shapes' colour scale and range.
    shapes_trace, markers = figure["data"][1], figure["data"][3]
    assert markers["marker"]["colorscale"] == shapes_trace["colorscale"]
    assert markers["marker"]["cmax"] == shapes_trace["zmax"] and markers["ids"]
