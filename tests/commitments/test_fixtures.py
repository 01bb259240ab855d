"""The committed fixtures are exactly what the derivation gives, and faithful to the source."""

import re

import pytest

from commitments import framework

SOURCE_TEXT = framework.SOURCE.read_text(encoding="utf-8")
FRAMEWORK = framework.load_fixture(framework.FRAMEWORK_JSON)
STATES = framework.load_fixture(framework.STATES_JSON)


def test_committed_fixtures_equal_what_the_script_derives():
    for path, content in framework.derived_files().items():
        assert path.read_text(encoding="utf-8") == content, f"{path.name} is stale: run manage.py build_fixtures"


def test_source_copy_is_the_shared_source():
    shared = framework.FIXTURES_DIR.parent.parent / "shared" / "sources" / "001_316eeb3317aa2f37.txt"
    if shared.exists():  # beside the checkout in development and CI
        assert shared.read_text(encoding="utf-8") == SOURCE_TEXT
    assert (
        FRAMEWORK["instrument"]["source_sha256"] == "216ca25a48ef396650abb892e2a9d69fcb974df539c280ef58eea65de80c92d2"
    )


def test_counts_match_the_compact():
    objectives = FRAMEWORK["objectives"]
    assert len(objectives) == 23
    assert [o["number"] for o in objectives] == list(range(1, 24))
    assert [o["paragraph"] for o in objectives] == list(range(17, 40))
    assert [len(o["actions"]) for o in objectives] == framework.EXPECTED_ACTIONS
    assert sum(len(o["actions"]) for o in objectives) == 187
    assert [p["letter"] for p in FRAMEWORK["principles"]] == list("abcdefghij")
    assert [p["number"] for p in FRAMEWORK["paragraphs"]] == list(range(40, 55))


def _source_lines():
    return [line.rstrip() for line in SOURCE_TEXT.splitlines()]


@pytest.mark.parametrize("objective", FRAMEWORK["objectives"], ids=lambda o: f"objective-{o['number']}")
def test_every_action_text_is_a_source_line_verbatim(objective):
    lines = _source_lines()
    for action in objective["actions"]:
        pattern = re.compile(r"^\s*\(" + action["letter"] + r"\)\s+" + re.escape(action["text"]) + "$")
        assert sum(bool(pattern.match(line)) for line in lines) == 1, action["code"]
        assert action["code"] == f"{objective['number']}({action['letter']})"
    commitment = re.compile(r"^\s*" + str(objective["paragraph"]) + r"\.\s+" + re.escape(objective["commitment"]) + "$")
    assert any(commitment.match(line) for line in lines)
    assert objective["commitment"].startswith("We commit")


def test_principles_keep_name_and_text():
    first = FRAMEWORK["principles"][0]
    assert first["name"] == "People-centred"
    assert first["text"].startswith("The Global Compact carries a strong human dimension")
    for p in FRAMEWORK["principles"]:
        assert f"({p['letter']}) {p['name']}. {p['text']}" in SOURCE_TEXT
    assert [p["name"] for p in FRAMEWORK["principles"]][-2:] == [
        "Whole-of-government approach",
        "Whole-of-society approach",
    ]


def test_known_quirks_are_kept():
    thirteen = FRAMEWORK["objectives"][12]
    assert thirteen["title"].startswith("Use migration detention")
    assert thirteen["heading"].startswith("Use immigration detention")
    all_text = "".join(a["text"] for o in FRAMEWORK["objectives"] for a in o["actions"])
    assert "\u2019" in all_text  # typographic apostrophes survive
    assert "\u2011" in SOURCE_TEXT or "\u2011" not in all_text
    # The blog's out-of-context quote of 17(a) and (c) is not an item of its own.
    assert len(FRAMEWORK["objectives"][16]["actions"]) == 7


def test_subheading_inside_objective_two():
    actions = FRAMEWORK["objectives"][1]["actions"]
    assert actions[6]["subheading"] == ""
    assert (
        actions[7]["subheading"]
        == "Natural disasters, the adverse effects of climate change, and environmental degradation"
    )


def test_follow_up_paragraphs_cited_by_the_cycle_rules():
    paras = {p["number"]: p for p in FRAMEWORK["paragraphs"]}
    assert "every four years beginning in 2022" in paras[49]["text"]
    assert paras[46]["text"].startswith("We request the Secretary-General")
    assert paras[49]["section"] == "Follow-up and review" and paras[43]["section"] == "Implementation"
    assert "\n(a) A connection hub" in paras[43]["text"]


def test_member_states_from_country_data():
    members = [s for s in STATES if not s["is_observer"]]
    observers = sorted(s["iso3"] for s in STATES if s["is_observer"])
    assert len(members) == 193 and observers == ["PSE", "VAT"]
    by_iso = {s["iso3"]: s for s in STATES}
    assert by_iso["MAR"]["region"] == "Africa" and by_iso["MAR"]["subregion"] == "Northern Africa"
    assert by_iso["MEX"]["subregion"] == "Latin America and the Caribbean"
    assert by_iso["MEX"]["intermediate_region"] == "Central America"
    assert by_iso["NZL"]["m49_code"] == "554" and by_iso["SSD"]["un_member_since"] == 2011
    assert {s["region"] for s in STATES} == {"Africa", "Americas", "Asia", "Europe", "Oceania"}
    assert all(re.fullmatch(r"[A-Z]{3}", s["iso3"]) and re.fullmatch(r"\d{3}", s["m49_code"]) for s in STATES)


def test_a_malformed_source_is_refused():
    broken = re.sub(r"(?m)^\s*\(c\)\s+(Develop a global programme)", r"\1", SOURCE_TEXT)
    assert broken != SOURCE_TEXT
    with pytest.raises(framework.SourceError, match="action counts"):
        framework.derive_framework(broken)
    with pytest.raises(framework.SourceError, match="Annex"):
        framework.derive_framework("no compact here")
