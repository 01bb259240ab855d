"""Dashboard charts: plain numbers in, a plotly figure (as a dict), a data table and a summary out.

Nothing here touches the ORM; `reporting.aggregates` computes the numbers. Each builder returns
a `Chart`: the figure JSON drawn by `static/reporting/dashboards.js`, a table with a caption for
screen readers and for anyone who wants the figures, and a one-sentence summary.

"No evidence" is never drawn as zero: the map draws States without evidence in a neutral grey
with the hover text "no evidence", heat map cells without evidence stay empty (None), and the
tables say "no evidence".

Plotly renders hover text, tick labels and titles as (a subset of) HTML, so every label that
comes from the database goes through `esc()` first.
"""

import html
import math
from dataclasses import dataclass, field

from django.utils.formats import number_format
from django.utils.translation import get_language_bidi, ngettext
from django.utils.translation import gettext as _

from commitments import cycles
from commitments.models import Evidence
from commitments.names import area_name

from .map_points import POINTS

# Ordinal, colour-blind safe blues (light = planned, dark = completed), readable on white.
STATUS_COLOURS = ["#c6dbef", "#6baed6", "#2171b5", "#08306b"]
BAR_COLOUR = "#00558c"
HEAT_SCALE = [[0, "#eff3ff"], [0.25, "#bdd7e7"], [0.5, "#6baed6"], [0.75, "#3182bd"], [1, "#08519c"]]
NO_EVIDENCE_GREY = "#d9d9d9"
FONT = "system-ui, -apple-system, 'Segoe UI', 'Noto Sans', sans-serif"


def esc(value):
    """HTML-escape a label for plotly, which renders hover text and labels as HTML."""
    return html.escape(str(value), quote=True)


def num(n):
    return number_format(n, force_grouping=True)


@dataclass
class Table:
    caption: str
    columns: list
    rows: list = field(default_factory=list)  # each row: list of cells (numbers, text, or None)


@dataclass
class Chart:
    id: str
    title: str
    figure: dict
    summary: str
    table: Table
    height: int = 420

    @property
    def figure_id(self):
        return f"figure-{self.id}"


def no_evidence():
    return _("no evidence")


def cell(n):
    """A table cell: the count, or "no evidence" where there is none."""
    return num(n) if n else no_evidence()


def status_labels():
    return list(Evidence.Status.choices)


def _layout(title, **extra):
    layout = {
        "title": {"text": esc(title), "x": 0, "xanchor": "left", "font": {"size": 17}},
        "font": {"family": FONT, "size": 13, "color": "#1b1b1b"},
        "margin": {"l": 60, "r": 20, "t": 60, "b": 60},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "hoverlabel": {"font": {"family": FONT}},
        "legend": {"orientation": "h", "y": -0.2, "x": 0},
    }
    layout.update(extra)
    if get_language_bidi():
        # Plotly has no right-to-left mode: at least the title and legend start on the right.
        layout["title"].update({"x": 1, "xanchor": "right"})
        layout["legend"] = {**layout["legend"], "x": 1, "xanchor": "right"}
    return layout


def _axis(title, **extra):
    return {"title": {"text": esc(title)}, "gridcolor": "#e5e5e5", "automargin": True, **extra}


def _who(entity):
    return f"{esc(entity)}<br>" if entity else ""


# --- Map of reporting by State --------------------------------------------------------------


def state_map(counts, states, *, title=None):
    """Choropleth by ISO3. `counts`: {iso3: records}; `states`: [(iso3, name)] of all States.

    States too small for the map's shapes (reporting.map_points) are drawn as markers at their
    point, in the same colours, so every State is visible."""
    title = title or _("Published evidence by Member State")
    reporting = [(iso3, name, counts[iso3]) for iso3, name in states if counts.get(iso3)]
    silent = [(iso3, name) for iso3, name in states if not counts.get(iso3)]
    z_top = max([round(math.log10(n), 4) for *_rest, n in reporting], default=1) or 1
    shaped_silent = [(iso3, name) for iso3, name in silent if iso3 not in POINTS]
    shaped = [row for row in reporting if row[0] not in POINTS]
    dotted_silent = [(iso3, name) for iso3, name in silent if iso3 in POINTS]
    dotted = [row for row in reporting if row[0] in POINTS]
    silent_hover = "%{customdata}: " + esc(no_evidence()) + "<extra></extra>"
    records_hover = "%{customdata[0]}: %{customdata[1]} " + esc(_("records")) + "<extra></extra>"
    traces = [
        {
            "type": "choropleth",
            "name": no_evidence(),
            "locationmode": "ISO-3",
            "locations": [iso3 for iso3, _name in shaped_silent],
            "z": [1] * len(shaped_silent),
            "customdata": [esc(name) for _iso3, name in shaped_silent],
            "colorscale": [[0, NO_EVIDENCE_GREY], [1, NO_EVIDENCE_GREY]],
            "showscale": False,
            "marker": {"line": {"color": "#ffffff", "width": 0.5}},
            "hovertemplate": silent_hover,
        },
        {
            "type": "choropleth",
            "name": _("records"),
            "locationmode": "ISO-3",
            "locations": [iso3 for iso3, _name, _n in shaped],
            # A log scale: reporting is very uneven, and a linear scale would hide most States.
            "z": [round(math.log10(n), 4) for _iso3, _name, n in shaped],
            "customdata": [[esc(name), num(n)] for _iso3, name, n in shaped],
            "colorscale": HEAT_SCALE,
            "zmin": 0,
            "zmax": z_top,
            "marker": {"line": {"color": "#ffffff", "width": 0.5}},
            "colorbar": _log_colorbar([n for *_rest, n in reporting]),
            "hovertemplate": records_hover,
        },
        {
            "type": "scattergeo",
            "name": no_evidence(),
            "mode": "markers",
            "lon": [POINTS[iso3][0] for iso3, _name in dotted_silent],
            "lat": [POINTS[iso3][1] for iso3, _name in dotted_silent],
            "ids": [iso3 for iso3, _name in dotted_silent],
            "customdata": [esc(name) for _iso3, name in dotted_silent],
            "marker": {"size": 7, "color": NO_EVIDENCE_GREY, "line": {"color": "#666666", "width": 0.5}},
            "showlegend": False,
            "hovertemplate": silent_hover,
        },
        {
            "type": "scattergeo",
            "name": _("records"),
            "mode": "markers",
            "lon": [POINTS[iso3][0] for iso3, _name, _n in dotted],
            "lat": [POINTS[iso3][1] for iso3, _name, _n in dotted],
            "ids": [iso3 for iso3, _name, _n in dotted],
            "customdata": [[esc(name), num(n)] for _iso3, name, n in dotted],
            "marker": {
                "size": 8,
                "color": [round(math.log10(n), 4) for _iso3, _name, n in dotted],
                "colorscale": HEAT_SCALE,
                "cmin": 0,
                "cmax": z_top,
                "line": {"color": "#333333", "width": 0.6},
            },
            "showlegend": False,
            "hovertemplate": records_hover,
        },
    ]
    figure = {
        "data": traces,
        "layout": _layout(
            title,
            geo={
                "projection": {"type": "natural earth"},
                "showframe": False,
                "showcoastlines": False,
                "showcountries": True,
                "countrycolor": "#ffffff",
                "showland": True,
                "landcolor": "#f0f0f0",
                "lataxis": {"range": [-58, 85]},
            },
            margin={"l": 0, "r": 0, "t": 50, "b": 10},
        ),
    }
    total = sum(n for *_rest, n in reporting)
    summary = _(
        "%(reporting)s of %(all)s Member States have published evidence (%(records)s records); "
        "%(silent)s have no evidence (grey on the map)."
    ) % {"reporting": len(reporting), "all": len(states), "records": num(total), "silent": len(silent)}
    table = Table(
        _("Published records by Member State"),
        [_("Member State"), _("ISO3"), _("Records")],
        [[name, iso3, cell(counts.get(iso3))] for iso3, name in states],
    )
    return Chart("map", title, figure, summary, table, height=480)


def _log_colorbar(values):
    top = max(values, default=1)
    ticks = [t for t in range(0, int(math.log10(top)) + 2) if 10**t <= max(top, 1) * 10]
    return {
        "title": {"text": esc(_("Records"))},
        "tickvals": ticks,
        "ticktext": [num(10**t) for t in ticks],
        "thickness": 14,
        "len": 0.7,
    }


# --- Objectives x regions ----------------------------------------------------------------------


def objective_region_heatmap(table_data, objectives, regions):
    """`table_data`: {objective: {region: n}}; empty cells stay None ("no evidence")."""
    title = _("Objectives by region")
    z = [[table_data.get(o, {}).get(r) for r in regions] for o in objectives]
    figure = {
        "data": [
            {
                "type": "heatmap",
                "x": [esc(area_name(r)) for r in regions],
                "y": [str(o) for o in objectives],
                "z": z,
                "colorscale": HEAT_SCALE,
                "hoverongaps": False,
                "xgap": 2,
                "ygap": 2,
                "colorbar": {"title": {"text": esc(_("Records"))}, "thickness": 14},
                "hovertemplate": esc(_("Objective")) + " %{y}, %{x}: %{z:,} " + esc(_("records")) + "<extra></extra>",
            }
        ],
        "layout": _layout(
            title,
            xaxis=_axis(_("Region of the reporting entity"), side="bottom"),
            yaxis=_axis(_("Objective"), autorange="reversed", type="category", dtick=1),
            margin={"l": 70, "r": 20, "t": 60, "b": 60},
        ),
    }
    filled = [(n, o, r) for o, row in zip(objectives, z, strict=True) for r, n in zip(regions, row, strict=True) if n]
    empty = len(objectives) * len(regions) - len(filled)
    if filled:
        n, o, r = max(filled)
        summary = _(
            "Most records: objective %(objective)s in %(region)s (%(n)s); %(empty)s cells have no evidence."
        ) % {
            "objective": o,
            "region": area_name(r),
            "n": num(n),
            "empty": empty,
        }
    else:
        summary = _("No published evidence matches these filters.")
    table = Table(
        _("Published records by objective and region"),
        [_("Objective"), *[area_name(r) for r in regions]],
        [[o, *[cell(n) for n in row]] for o, row in zip(objectives, z, strict=True)],
    )
    return Chart("objectives-regions", title, figure, summary, table, height=640)


# --- Status by category (objective, action, cycle) ---------------------------------------------


def status_bars(counts, categories, *, chart_id, title, axis_title, category_label, entity=None):
    """Stacked bars: `counts` {category: {status: n}}, `categories` [(key, label)] in order."""
    traces = []
    for (status, status_label), colour in zip(status_labels(), STATUS_COLOURS, strict=True):
        values = [counts.get(key, {}).get(status) for key, _label in categories]
        traces.append(
            {
                "type": "bar",
                "name": esc(status_label),
                "x": [esc(label) for _key, label in categories],
                "y": values,
                "marker": {"color": colour, "line": {"color": "#ffffff", "width": 0.5}},
                "hovertext": [
                    f"{_who(entity)}{esc(label)}: {num(v)} {esc(status_label)}" if v else ""
                    for (_key, label), v in zip(categories, values, strict=True)
                ],
                "hoverinfo": "text",
            }
        )
    figure = {
        "data": traces,
        "layout": _layout(
            title,
            barmode="stack",
            xaxis=_axis(axis_title, type="category"),
            yaxis=_axis(_("Published records"), rangemode="tozero"),
        ),
    }
    totals = {key: sum(counts.get(key, {}).values()) for key, _label in categories}
    labels = dict(categories)
    with_data = [key for key in totals if totals[key]]
    if with_data:
        top = max(with_data, key=lambda k: totals[k])
        missing = len(categories) - len(with_data)
        summary = _("%(category)s %(label)s has the most records (%(n)s); %(missing)s have no evidence.") % {
            "category": category_label,
            "label": labels[top],
            "n": num(totals[top]),
            "missing": missing,
        }
    else:
        summary = _("No published evidence matches these filters.")
    table = Table(
        title,
        [category_label, *[label for _s, label in status_labels()], _("Total")],
        [
            [label, *[cell(counts.get(key, {}).get(s)) for s, _l in status_labels()], cell(totals[key])]
            for key, label in categories
        ],
    )
    return Chart(chart_id, title, figure, summary, table)


def status_by_objective(counts, objectives, entity=None):
    return status_bars(
        counts,
        [(o, str(o)) for o in objectives],
        chart_id="status-objective",
        title=_("Implementation status by objective"),
        axis_title=_("Objective"),
        category_label=_("Objective"),
        entity=entity,
    )


def status_by_action(counts, codes, entity=None):
    return status_bars(
        counts,
        [(code, code) for code in codes],
        chart_id="status-action",
        title=_("Implementation status by action"),
        axis_title=_("Action"),
        category_label=_("Action"),
        entity=entity,
    )


def cycle_label(cycle):
    return _("Cycle %(n)s (to IMRF %(year)s)") % {"n": cycle, "year": cycles.imrf_year(cycle)}


def trend(counts, cycle_numbers, entity=None):
    """Status of published records across review cycles."""
    chart = status_bars(
        counts,
        [(c, cycle_label(c)) for c in cycle_numbers],
        chart_id="trend",
        title=_("Trend across review cycles"),
        axis_title=_("Review cycle"),
        category_label=_("Cycle"),
        entity=entity,
    )
    parts = [
        _("%(cycle)s: %(n)s") % {"cycle": cycle_label(c), "n": cell(sum(counts.get(c, {}).values()))}
        for c in cycle_numbers
    ]
    chart.summary = _("Published records per cycle: %(parts)s.") % {"parts": "; ".join(parts)}
    return chart


# --- Horizontal bars: participation and guiding principles --------------------------------------


def horizontal_bars(
    items, *, chart_id, title, axis_title, label_title, summary_top, summary_none, entity=None, unit=None
):
    """`items`: [(label, n or None)] in display order (top first); `unit` names what is counted."""
    unit = unit or _("records")
    labels = [esc(label) for label, _n in items]
    values = [n or None for _label, n in items]
    figure = {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "y": labels,
                "x": values,
                "marker": {"color": BAR_COLOUR},
                "hovertext": [
                    f"{_who(entity)}{label}: {num(n)} {esc(unit)}" if n else ""
                    for label, n in zip(labels, values, strict=True)
                ],
                "hoverinfo": "text",
            }
        ],
        "layout": _layout(
            title,
            xaxis=_axis(axis_title, rangemode="tozero"),
            yaxis=_axis("", autorange="reversed", type="category"),
            margin={"l": 20, "r": 20, "t": 60, "b": 50},
            showlegend=False,
        ),
    }
    present = [(n, label) for label, n in items if n]
    if present:
        n, label = max(present, key=lambda p: p[0])
        summary = summary_top % {"label": label, "n": num(n), "none": len(items) - len(present)}
    else:
        summary = summary_none
    table = Table(title, [label_title, unit.capitalize()], [[label, cell(n)] for label, n in items])
    return Chart(chart_id, title, figure, summary, table, height=max(320, 60 + 34 * len(items)))


def participation(counts, stakeholder_types, entity=None):
    """`counts`: {"member-state" or type slug: n}; `stakeholder_types`: [(slug, name)]."""
    items = [(_("Member States"), counts.get("member-state"))]
    items += [(name, counts.get(slug)) for slug, name in stakeholder_types]
    return horizontal_bars(
        items,
        chart_id="participation",
        title=_("Whole-of-society participation"),
        axis_title=_("Published records"),
        label_title=_("Reported by"),
        summary_top=_("%(label)s reported the most records (%(n)s); %(none)s kinds of reporting entity have none."),
        summary_none=_("No published evidence matches these filters."),
        entity=entity,
    )


def principles(counts, all_principles, entity=None, names=None):
    """`counts`: {(letter, name): n}; `all_principles`: [(letter, name)] of the ten; `names`: {letter:
    name shown}, the official text in the reader's language where loaded (English otherwise)."""
    names = names or {}
    items = [(f"({letter}) {names.get(letter, name)}", counts.get((letter, name))) for letter, name in all_principles]
    return horizontal_bars(
        items,
        chart_id="principles",
        title=_("Guiding principles applied"),
        axis_title=_("Published records applying the principle"),
        label_title=_("Guiding principle"),
        summary_top=_(
            "The principle applied most is %(label)s (%(n)s records); %(none)s principles are applied in none."
        ),
        summary_none=_("No published evidence matches these filters."),
        entity=entity,
    )


def pledges_by_kind(counts):
    """`counts`: commitments.pledges.selectors.pledge_counts(...)["by_kind"]."""
    return horizontal_bars(
        [(row["label"], row["pledges"]) for row in counts],
        chart_id="pledges-kind",
        title=_("Pledges by type"),
        axis_title=_("Published pledges"),
        label_title=_("Type"),
        summary_top=_("Most pledges are of the type %(label)s (%(n)s); %(none)s types have none."),
        summary_none=_("No published pledges match these filters."),
        unit=_("pledges"),
    )


def pledges_by_objective(counts, objectives):
    """`counts`: [{"objective": n, "pledges": n}]; `objectives`: the 23 numbers."""
    by_number = {row["objective"]: row["pledges"] for row in counts}
    return horizontal_bars(
        [(_("Objective %(n)s") % {"n": number}, by_number.get(number)) for number in objectives],
        chart_id="pledges-objective",
        title=_("Pledges by objective"),
        axis_title=_("Published pledges naming the objective"),
        label_title=_("Objective"),
        summary_top=_("%(label)s has the most pledges (%(n)s); %(none)s objectives have none."),
        summary_none=_("No published pledges match these filters."),
        unit=_("pledges"),
    )


def plan_coverage(coverage, entity=None):
    """`coverage`: commitments.pledges.selectors.plan_coverage(state): the actions a State
    prioritised in its published plan, with and without published evidence."""
    with_evidence = coverage["with_evidence"]
    without = coverage["prioritised"] - with_evidence
    chart = horizontal_bars(
        [(_("With published evidence"), with_evidence), (_("Without published evidence"), without)],
        chart_id="plan-coverage",
        title=_("Plan coverage: actions the State prioritised"),
        axis_title=_("Actions named in the national implementation plan"),
        label_title=_("Actions"),
        summary_top=_("%(label)s: %(n)s actions."),
        summary_none=_("No published national implementation plan names an action."),
        entity=entity,
        unit=_("actions"),
    )
    if coverage["without"]:
        chart.summary += " " + _("Without evidence: %(codes)s.") % {"codes": ", ".join(coverage["without"])}
    return chart


def totals_sentence(totals):
    records = totals.get("records", 0)
    if not records:
        return _("No published evidence matches these filters.")
    parts = [
        ngettext("%(n)s published record", "%(n)s published records", records) % {"n": num(records)},
        ngettext("from %(n)s Member State", "from %(n)s Member States", totals.get("states", 0))
        % {"n": totals.get("states", 0)},
        _("on %(n)s of 23 objectives") % {"n": totals.get("objectives", 0)},
    ]
    return ", ".join(parts) + "."


SDG_TARGETS_SHOWN = 20


def sdg_targets(counts, titles, entity=None):
    """`counts`: {target code: n} most first; `titles`: {code: title in the reader's language}."""
    items = [(f"{code} {_short(titles.get(code, ''))}", n) for code, n in list(counts.items())[:SDG_TARGETS_SHOWN]]
    chart = horizontal_bars(
        items,
        chart_id="sdg-targets",
        title=_("Evidence by SDG target"),
        axis_title=_("Published records contributing to the target"),
        label_title=_("SDG target"),
        summary_top=_("Most records contribute to target %(label)s (%(n)s)."),
        summary_none=_("No published evidence matching these filters is tagged with an SDG target."),
        entity=entity,
    )
    if len(counts) > SDG_TARGETS_SHOWN:
        chart.summary += " " + _("The %(shown)s targets with the most records of %(all)s are shown.") % {
            "shown": SDG_TARGETS_SHOWN,
            "all": len(counts),
        }
    return chart


def _short(title, width=60):
    return title if len(title) <= width else title[: width - 1] + "…"


def indicator_results(rows, code):
    """Results reported against one SDG indicator over time: one line per entity and breakdown.

    `rows`: plain dicts (entity, year, value, unit, sex, age, migratory_status) from
    `commitments.indicators.selectors.indicator_results`.
    """
    series = {}
    for row in rows:
        breakdown = ", ".join(v for v in (row["sex"], row["age"], row["migratory_status"]) if v and v != "_T")
        name = f"{row['entity']} ({breakdown})" if breakdown else row["entity"]
        series.setdefault((name, row["unit"]), []).append((row["year"], float(row["value"])))
    traces = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": esc(f"{name} – {unit}" if unit else name),
            "x": [year for year, _v in sorted(points)],
            "y": [value for _y, value in sorted(points)],
        }
        for (name, unit), points in series.items()
    ]
    title = _("Results reported against indicator %(code)s") % {"code": code}
    figure = {
        "data": traces,
        "layout": _layout(title, xaxis=_axis(_("Year"), dtick=1), yaxis=_axis(_("Value"), rangemode="tozero")),
    }
    if rows:
        years = sorted({row["year"] for row in rows})
        entities = len({r["entity"] for r in rows})
        summary = " ".join(
            [
                ngettext("%(n)s result", "%(n)s results", len(rows)) % {"n": num(len(rows))},
                ngettext("from %(n)s reporting entity,", "from %(n)s reporting entities,", entities) % {"n": entities},
                _("%(first)s to %(last)s.") % {"first": years[0], "last": years[-1]},
            ]
        )
    else:
        summary = _("No published result is reported against this indicator yet.")
    columns = [_("Reported by"), _("Year"), _("Value"), _("Unit"), _("Sex"), _("Age"), _("Migratory status")]
    table_rows = [
        [r["entity"], r["year"], f"{r['value'].normalize():f}", r["unit"], r["sex"], r["age"], r["migratory_status"]]
        for r in rows
    ]
    return Chart("indicator-results", title, figure, summary, Table(title, columns, table_rows))
