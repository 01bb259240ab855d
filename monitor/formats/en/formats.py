"""English dates as the United Nations writes them (19 December 2018), not Django's American default.

The other five languages use Django's own formats for their locale (19 décembre 2018, 2018年12月19日).
Templates name the format (`|date:"DATE_FORMAT"`), never a pattern, so each language gets its own.
"""

DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
