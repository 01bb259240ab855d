"""The review cycle as the compact defines it, as plain arithmetic (no database).

Para 49 (c): the International Migration Review Forum every four years beginning in 2022.
Cycle 1 runs from adoption (19 December 2018) to IMRF 2022, cycle 2 to IMRF 2026, and so on.
A cycle ends on the IMRF's closing day; until operators record the actual days (in the
reporting app), the Forum is taken to close on 20 May of its year, as IMRF 2022 did.
"""

from datetime import date

ADOPTION = date(2018, 12, 19)
FIRST_IMRF_YEAR = 2022
IMRF_INTERVAL = 4
DEFAULT_IMRF_CLOSE = (5, 20)
# A callable returning {cycle: actual closing date}, set by the reporting app (which records the
# Forum's actual days) so this module never imports it. None: the rule's dates.
ENDS_PROVIDER = None


def imrf_year(cycle):
    return FIRST_IMRF_YEAR + IMRF_INTERVAL * (cycle - 1)


def default_cycle_end(cycle):
    return date(imrf_year(cycle), *DEFAULT_IMRF_CLOSE)


def cycle_for(day, ends=None):
    """The number of the cycle a date falls in; `ends` maps cycle -> actual closing date."""
    if day < ADOPTION:
        raise ValueError(f"{day} is before the compact's adoption")
    if ends is None and ENDS_PROVIDER is not None:
        ends = ENDS_PROVIDER()
    ends = ends or {}
    cycle = 1
    while day > ends.get(cycle, default_cycle_end(cycle)):
        cycle += 1
    return cycle
