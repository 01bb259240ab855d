"""The review calendar: cycles and milestones derived from the compact's own rules.

- para 49 (c): the IMRF every four years beginning in 2022 (closes a cycle);
- para 50: regional reviews beginning in 2020, alternating with the IMRF at four-year
  intervals -> 2020, 2024, 2028 ...;
- para 46: a report of the Secretary-General to the General Assembly every two years
  -> 2020, 2022, 2024 ... (ahead of each IMRF and in between);
- para 51: the Global Forum on Migration and Development, every year.

`ensure_calendar()` creates what is missing and never overwrites a date an operator set.
"""

from datetime import date, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone, translation

from commitments import cycles

from .models import MILESTONE_TITLES, Milestone, ReviewCycle

YEARS_AHEAD = 8
FIRST_REGIONAL_REVIEW = 2020
FIRST_SG_REPORT = 2020
FIRST_GFMD = 2019
# National reports are compiled this long before the IMRF, for voluntary national reviews.
IMRF_CUTOFF_DAYS = 90
BANNER_CACHE_KEY = "reporting:cycle-banner"

K = Milestone.Kind


def _rule(kind, year):
    """(default date, default data cut-off, paragraph, title) of a milestone, from the rules."""
    if kind == K.IMRF:
        day = date(year, *cycles.DEFAULT_IMRF_CLOSE)
        return day, day - timedelta(days=IMRF_CUTOFF_DAYS), "49 (c)", MILESTONE_TITLES[kind]
    if kind == K.REGIONAL_REVIEW:
        # Held during the year; their reports use the evidence of the cycle so far, as the year opens.
        return date(year, 6, 30), date(year, 1, 1), "50", MILESTONE_TITLES[kind]
    if kind == K.SG_REPORT:
        return date(year, 2, 15), date(year - 1, 12, 31), "46", MILESTONE_TITLES[kind]
    return date(year, 12, 1), date(year, 10, 1), "51", MILESTONE_TITLES[kind]


def rule_years(last_year):
    """{kind: [years]} through `last_year`."""
    return {
        K.IMRF: list(range(cycles.FIRST_IMRF_YEAR, last_year + 1, cycles.IMRF_INTERVAL)),
        K.REGIONAL_REVIEW: list(range(FIRST_REGIONAL_REVIEW, last_year + 1, cycles.IMRF_INTERVAL)),
        K.SG_REPORT: list(range(FIRST_SG_REPORT, last_year + 1, 2)),
        K.GFMD: list(range(FIRST_GFMD, last_year + 1)),
    }


def actual_ends():
    """{cycle number: closing day}, operators' actual IMRF days first. commitments.cycles uses it."""
    return {
        number: imrf_end or end
        for number, end, imrf_end in ReviewCycle.objects.values_list("number", "end", "imrf_end")
    }


def current_cycle(today=None):
    today = today or timezone.localdate()
    return cycles.cycle_for(today, actual_ends())


def last_year():
    return timezone.localdate().year + YEARS_AHEAD


@transaction.atomic
def ensure_calendar(through_year=None):
    """Create the cycles and milestones through `through_year` (default: this year + 8); idempotent.

    Cycle starts follow the actual closing days; milestones keep their operator-set dates and
    move to the cycle their date now falls in."""
    through_year = through_year or last_year()
    existing = {c.number: c for c in ReviewCycle.objects.select_for_update()}
    last_cycle = cycles.cycle_for(date(through_year, 12, 31), {})
    start = cycles.ADOPTION
    for number in range(1, last_cycle + 1):
        row = existing.get(number) or ReviewCycle(number=number, end=cycles.default_cycle_end(number))
        if row.pk is None or row.start != start:
            row.start = start
            row.save()
        existing[number] = row
        start = row.closes_on + timedelta(days=1)
    ends = {n: c.closes_on for n, c in existing.items()}
    present = {(m.kind, m.year): m for m in Milestone.objects.all()}
    for kind, years in rule_years(through_year).items():
        for year in years:
            _ensure_milestone(present.get((kind, year)), kind, year, ends, existing)
    cache.delete(BANNER_CACHE_KEY)


def _ensure_milestone(row, kind, year, ends, cycles_by_number):
    if row is None:
        default_date, cutoff, paragraph, title = _rule(kind, year)
        row = Milestone(kind=kind, year=year, date=default_date, data_cutoff=cutoff, paragraph=paragraph)
        with translation.override(settings.LANGUAGE_CODE):  # stored in English; shown via display_title
            row.title = title % year
    day = row.date
    if kind == K.IMRF:
        # The Forum closes its cycle: its date is the cycle's (actual) closing day, set on the cycle.
        day = ends.get((year - cycles.FIRST_IMRF_YEAR) // cycles.IMRF_INTERVAL + 1, day)
    cycle = cycles_by_number.get(cycles.cycle_for(day, ends))
    if cycle is not None and (row.pk is None or row.date != day or row.cycle_id != cycle.pk):
        row.date, row.cycle = day, cycle
        row.save()


def milestone_cycle(milestone):
    """The cycle a milestone's report covers: the one its data cut-off falls in."""
    return cycles.cycle_for(milestone.data_cutoff - timedelta(days=1), actual_ends())


def banner(today=None):
    """The current cycle and the next three milestones, as plain data; one query, cached an hour."""
    today = today or timezone.localdate()
    cached = cache.get(BANNER_CACHE_KEY)
    if cached is not None and cached["day"] == today:
        return cached
    upcoming = list(
        Milestone.objects.filter(date__gte=today)
        .select_related("cycle")
        .order_by("date", "kind")
        .values(
            "kind",
            "year",
            "title",
            "date",
            "data_cutoff",
            "cycle__number",
            "cycle__start",
            "cycle__end",
            "cycle__imrf_end",
        )[:3]
    )
    data = {"day": today, "milestones": upcoming, "cycle": None}
    if upcoming:
        first = upcoming[0]
        data["cycle"] = {
            "number": first["cycle__number"],
            "start": first["cycle__start"],
            "end": first["cycle__imrf_end"] or first["cycle__end"],
        }
    cache.set(BANNER_CACHE_KEY, data, 3600)
    return data


def calendar_rows():
    """Cycles with their milestones, for the calendar page (two queries)."""
    return ReviewCycle.objects.prefetch_related("milestones")
