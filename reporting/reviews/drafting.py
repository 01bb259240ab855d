"""The first draft's sentences, written from the selectors' facts in the review's language.

Plain, factual sentences only; each cites the record identifiers it rests on, as `(records:
id, id)`. Nothing is inferred: an objective without published evidence says so in words, and
counts are only ever stated for what exists.
"""

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from commitments.models import Evidence

NO_EVIDENCE = gettext_noop("No published evidence for this objective in this cycle.")


def cite(ids, total=None):
    """`(records: a, b)`; when only some are listed, say how many more exist."""
    if not ids:
        return ""
    listed = ", ".join(f"`{i}`" for i in ids)
    if total is not None and total > len(ids):
        more = total - len(ids)
        return _("(records: %(ids)s and %(more)s more)") % {"ids": listed, "more": more}
    return _("(records: %(ids)s)") % {"ids": listed}


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")


def plain(text):
    """Text from a record as literal Markdown: its *, _, [ ... are shown, never interpreted."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def status_label(code):
    return str(dict(Evidence.Status.choices).get(code, code))


def _result(result):
    return _("%(indicator)s: %(value)s %(unit)s (%(year)s)") % result


def objective_text(state_name, cycle, facts, plan_items=()):
    """Markdown of one objective's sub-section."""
    lines = []
    if not facts["total"]:
        lines.append(_(NO_EVIDENCE))
    else:
        all_ids = [r["id"] for r in facts["records"]]
        lines.append(
            ngettext(
                "In cycle %(cycle)s, %(state)s published %(n)s record under this objective %(cite)s.",
                "In cycle %(cycle)s, %(state)s published %(n)s records under this objective %(cite)s.",
                facts["total"],
            )
            % {"cycle": cycle, "state": state_name, "n": facts["total"], "cite": cite(all_ids, facts["total"])}
        )
        lines.append("")
        lines.extend(_status_lines(facts))
        lines.append("")
        lines.extend(_record_lines(facts))
        if facts["good_practices"]:
            lines.append("")
            titles = [plain(r["title"]) for r in facts["records"] if r["id"] in facts["good_practices"]]
            lines.append(
                _("Offered as good practices: %(titles)s %(cite)s.")
                % {"titles": "; ".join(titles), "cite": cite(facts["good_practices"])}
            )
    if plan_items:
        lines.append("")
        lines.extend(_plan_lines(plan_items))
    return "\n".join(lines).strip() + "\n"


def _status_lines(facts):
    lines = [_("By implementation status:")]
    for code in (s.value for s in Evidence.Status):
        count = facts["status_counts"].get(code, 0)
        if count:
            ids = facts["status_records"].get(code, [])
            lines.append(
                "- "
                + _("%(status)s: %(n)s %(cite)s") % {"status": status_label(code), "n": count, "cite": cite(ids, count)}
            )
    return lines


def _record_lines(facts):
    lines = [_("Measures reported:")]
    for item in facts["records"]:
        lines.append(
            "- "
            + _("%(title)s (action %(action)s): %(status)s %(cite)s.")
            % {
                "title": plain(item["title"]),
                "action": item["action"],
                "status": status_label(item["status"]),
                "cite": cite([item["id"]]),
            }
        )
        for result in item["results"]:
            lines.append(
                "    - "
                + _("Result: %(result)s %(cite)s.") % {"result": plain(_result(result)), "cite": cite([item["id"]])}
            )
    if facts["total"] > len(facts["records"]):
        lines.append(
            "- "
            + _("%(n)s further records are not listed here; every record is in the open data package.")
            % {"n": facts["total"] - len(facts["records"])}
        )
    return lines


def _plan_lines(plan_items):
    """The State's own status of each plan item and pledge, and beside it what linked published
    evidence says (counted); one never stands in for the other."""
    lines = [_("Plan items and pledges (status as set by the State):")]
    for item in plan_items:
        line = _("%(kind)s %(identifier)s, %(title)s: %(status)s.") % {
            "kind": item["kind_label"],
            "identifier": f"`{item['identifier']}`",
            "title": plain(item["title"]),
            "status": item["status_label"],
        }
        if item["evidence_total"]:
            statuses = ", ".join(f"{label} {n}" for label, n in item["evidence_by_status"])
            line += " " + ngettext(
                "Linked published evidence: %(n)s record (%(statuses)s).",
                "Linked published evidence: %(n)s records (%(statuses)s).",
                item["evidence_total"],
            ) % {"n": item["evidence_total"], "statuses": statuses}
        else:
            line += " " + _("No published evidence is linked to it.")
        lines.append("- " + line)
    return lines


def methodology_text(state_name, cycle, facts):
    """Section 1: who took part and how, from the records (people are counted, never named)."""
    lines = [
        _(
            "This review was prepared by the national focal point of %(state)s in the GCM Implementation "
            "Monitor. It was first drafted from the %(n)s records %(state)s published in cycle %(cycle)s, "
            "then completed by the State's contributors and the stakeholders based in %(state)s."
        )
        % {"state": state_name, "n": facts["records"], "cycle": cycle}
    ]
    if facts["authors"]:
        lines.append("")
        lines.append(
            ngettext(
                "%(n)s State contributor recorded the published evidence.",
                "%(n)s State contributors recorded the published evidence.",
                facts["authors"],
            )
            % {"n": facts["authors"]}
        )
    if facts["organisations"]:
        lines += [
            "",
            _("Stakeholders based in %(state)s that published evidence in the cycle:") % {"state": state_name},
        ]
        lines += [
            "- "
            + ngettext("%(name)s: %(n)s record", "%(name)s: %(n)s records", o["records"])
            % {"name": plain(o["name"]), "n": o["records"]}
            for o in facts["organisations"]
        ]
    return "\n".join(lines).strip() + "\n"


def means_text(facts):
    """Section 4: the partnerships the records name (by stakeholder type)."""
    if not facts["partners"]:
        return _("The published records name no partners.") + "\n"
    lines = [_("Partners named in the published records, by stakeholder type:")]
    lines += [
        "- "
        + ngettext("%(type)s: %(n)s record", "%(type)s: %(n)s records", p["records"])
        % {"type": p["type"], "n": p["records"]}
        for p in facts["partners"]
    ]
    return "\n".join(lines) + "\n"


def challenges_text(rows):
    """Section 5: the challenges the records name, each with its record."""
    if not rows:
        return _("The published records name no challenges.") + "\n"
    lines = [_("Challenges named in the published records:")]
    for row in rows:
        lines.append(
            "- "
            + _("%(title)s: %(text)s %(cite)s")
            % {"title": plain(row["title"]), "text": plain(row["challenges"]), "cite": cite([row["id"]])}
        )
    return "\n".join(lines) + "\n"


def annex_text(annex):
    """The annex section's introduction; the table of records is drawn from the facts."""
    text = ngettext(
        "The review draws on %(n)s published record, listed in the table below with its identifier.",
        "The review draws on %(n)s published records, listed in the table below with their identifiers.",
        annex["total"],
    ) % {"n": annex["total"]}
    if annex["total"] > len(annex["records"]):
        text = _(
            "The review draws on %(n)s published records. The first %(listed)s are listed in the table below; "
            "every record, with its identifier, is in the open data package and the national progress "
            "report's data annex."
        ) % {"n": annex["total"], "listed": len(annex["records"])}
    return text + "\n"
