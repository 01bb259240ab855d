"""Spreadsheet formula neutralisation: text a spreadsheet would run as a formula gets a leading quote."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
