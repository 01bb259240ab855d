"""Chart specifications as plain numbers, shared by the interactive (plotly) and print (SVG) charts."""

from django.utils.translation import gettext as _


def specs(content):
    """[{id, title, categories, series: [{name, values}]}] for the report's charts."""
    change = content["change"][2:]  # the status rows; the first two are coverage counts
    charts = [
        _spec("status", _("Records by implementation status"), content["status"], "label", "records"),
        {
            "id": "objectives",
            "title": _("Actions with evidence, by objective"),
            "categories": [str(o["number"]) for o in content["objectives"]],
            "series": [
                {"name": _("Actions with evidence"), "values": [o["actions_covered"] for o in content["objectives"]]},
                {"name": _("Actions"), "values": [o["actions"] for o in content["objectives"]]},
            ],
        },
        {
            "id": "change",
            "title": _("Status counts: previous cycle and this cycle"),
            "categories": [row["measure"] for row in change],
            "series": [
                {"name": _("Previous cycle"), "values": [row["previous_cycle"] or 0 for row in change]},
                {"name": _("This cycle"), "values": [row["this_cycle"] for row in change]},
            ],
        },
        _spec("principles", _("Guiding principles applied"), content["principles"], "name", "records"),
        _spec(
            "participation", _("Records by reporting entity type"), content["participation"], "entity_type", "records"
        ),
    ]
    return charts


def _spec(chart_id, title, rows, label, value):
    return {
        "id": chart_id,
        "title": title,
        "categories": [str(row[label]) for row in rows],
        "series": [{"name": _("Records"), "values": [row[value] for row in rows]}],
    }
