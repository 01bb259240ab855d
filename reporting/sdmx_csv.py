"""Quantitative results as SDMX-CSV 2.0, so statistics offices can load them with their tools.

One row per published result that names an SDG indicator. The layout follows SDMX-CSV 2.0.0
(the SDMX Technical Working Group's CSV format): the fixed columns STRUCTURE, STRUCTURE_ID and
ACTION, then the dimensions, the measure and the attributes of the dataflow below.

    STRUCTURE        "dataflow"
    STRUCTURE_ID     GCM_MONITOR:DF_SDG_RESULTS(1.0)
    ACTION           "I" (information: the full set, not an update)
    FREQ             "A" (annual)
    REF_AREA         UN M49 code of the reporting State (an organisation: its country; "001",
                     World, when it names none)
    INDICATOR        the SDG indicator as an SDMX identifier: "SDG_" and the code with "_" for
                     ".", e.g. SDG_10_7_1 (SDMX identifiers cannot contain dots)
    SEX              _T, F, M (SDMX code list CL_SEX)
    AGE              SDMX age codes: _T, Y15T24, Y_GE65 ...
    MIGRATORY_STATUS _T, MIGRANT, NON_MIGRANT, REFUGEE (the monitor's code list)
    TIME_PERIOD      the year
    OBS_VALUE        the value, a plain decimal
    UNIT_MEASURE     the unit as the reporter wrote it (free text, not a code list)
    SDG_INDICATOR    the indicator code as the SDG framework writes it, e.g. 10.7.1
    REPORTING_ENTITY the State or organisation that reported it
    OBS_LABEL        the reporter's own name of the measure
    SOURCE           the permalink of the evidence record

A small writer rather than a library: the format is a CSV with fixed headers, and the tests
read the file back with sdmx1's SDMX-CSV reader against this dataflow's structure.
"""

import csv

from commitments import exports
from commitments.indicators import selectors

AGENCY, DATAFLOW_ID, VERSION = "GCM_MONITOR", "DF_SDG_RESULTS", "1.0"
STRUCTURE_ID = f"{AGENCY}:{DATAFLOW_ID}({VERSION})"
DIMENSIONS = ["FREQ", "REF_AREA", "INDICATOR", "SEX", "AGE", "MIGRATORY_STATUS", "TIME_PERIOD"]
MEASURE = "OBS_VALUE"
ATTRIBUTES = ["UNIT_MEASURE", "SDG_INDICATOR", "REPORTING_ENTITY", "OBS_LABEL", "SOURCE"]
HEADER = ["STRUCTURE", "STRUCTURE_ID", "ACTION", *DIMENSIONS, MEASURE, *ATTRIBUTES]
WORLD = "001"


def indicator_id(code):
    """10.7.1 -> SDG_10_7_1 (an SDMX identifier)."""
    return "SDG_" + code.replace(".", "_")


def observations(site_url=""):
    """One list of cells per published result measuring an SDG indicator, in HEADER order."""
    for row in selectors.sdmx_rows():
        yield [
            "dataflow",
            STRUCTURE_ID,
            "I",
            "A",
            row["m49"] or WORLD,
            indicator_id(row["code"]),
            row["sex"],
            row["age"],
            row["migratory_status"],
            str(row["year"]),
            f"{row['value'].normalize():f}",
            exports.neutralise(row["unit"]),
            row["code"],
            exports.neutralise(row["entity"]),
            exports.neutralise(row["label"]),
            site_url.rstrip("/") + row["url"],
        ]


def write(handle, site_url=""):
    """Write the SDMX-CSV file to an open text handle (newline="")."""
    writer = csv.writer(handle, lineterminator="\r\n")
    writer.writerow(HEADER)
    count = 0
    for cells in observations(site_url):
        writer.writerow(cells)
        count += 1
    return count
