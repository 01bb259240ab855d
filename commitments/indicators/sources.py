"""Derive the SDG framework fixture from the open-sdg `sdg-translations` YAML files.

fixtures/source/sdg/<lang>/global_{goals,targets,indicators}.yml hold the official titles of
the 17 goals, 169 targets and the global indicators in the six UN languages, keyed like
`10-7-title` (target 10.7) and `10-7-1-title` (indicator 10.7.1). `derive_sdg()` turns them
into one framework document in the format `load_indicator_framework` reads.
"""

import re
from pathlib import Path

import yaml

FIXTURES_DIR = Path(__file__).resolve().parent.parent.parent / "fixtures"
SDG_SOURCE = FIXTURES_DIR / "source" / "sdg"
SDG_JSON = FIXTURES_DIR / "sdg.json"
SDG_ACTION_LINKS = FIXTURES_DIR / "source" / "sdg_action_links.yaml"
# Source folder name -> the project's language code.
SOURCE_LANGUAGES = {"en": "en", "fr": "fr", "es": "es", "ru": "ru", "ar": "ar", "zh-Hans": "zh-hans"}
EXPECTED = {"goal": 17, "target": 169}
SDG_VERSION = "sdg-translations 2.x (global indicator framework as published by open-sdg)"

_KEY = re.compile(r"^(\d{1,2})(?:-([0-9a-z]{1,2}))?(?:-(\d{1,2}))?-(title|short)$")


def _code_parts(code):
    """Sort key: 10.7.1 -> (10, 0, 7, 1); letters (10.a) after numbers."""
    parts = []
    for part in code.split("."):
        parts.extend([0, int(part)] if part.isdigit() else [1, ord(part)])
    return parts


def _read(lang_dir, name):
    return yaml.safe_load((SDG_SOURCE / lang_dir / f"global_{name}.yml").read_text(encoding="utf-8"))


def derive_sdg():
    """The SDG framework: goals, targets and indicators with titles in the six languages."""
    items = {}
    for lang_dir, lang in SOURCE_LANGUAGES.items():
        for name in ("goals", "targets", "indicators"):
            for key, text in _read(lang_dir, name).items():
                match = _KEY.match(key)
                if not match:
                    raise ValueError(f"{lang_dir}/global_{name}.yml: unexpected key {key!r}")
                goal, target, indicator, field = match.groups()
                code = ".".join(p for p in (goal, target, indicator) if p)
                kind = "indicator" if indicator else "target" if target else "goal"
                item = items.setdefault(code, {"code": code, "kind": kind, "titles": {}})
                item["short_titles" if field == "short" else "titles"] = {
                    **item.get("short_titles" if field == "short" else "titles", {}),
                    lang: " ".join(str(text).split()),
                }
    for code, item in items.items():
        if item["kind"] != "goal":
            item["parent"] = code.rsplit(".", 1)[0]
    ordered = sorted(items.values(), key=lambda i: _code_parts(i["code"]))
    return {
        "framework": {
            "code": "sdg",
            "name": "Sustainable Development Goals: goals, targets and global indicators",
            "names": {
                "en": "Sustainable Development Goals",
                "fr": "Objectifs de développement durable",
                "es": "Objetivos de Desarrollo Sostenible",
                "ru": "Цели в области устойчивого развития",
                "ar": "أهداف التنمية المستدامة",
                "zh-hans": "可持续发展目标",
            },
            "version": SDG_VERSION,
            "source": "open-sdg sdg-translations (translations/<lang>/global_*.yml), "
            "from the UN global indicator framework (A/RES/71/313 and its annual refinements)",
            "licence": "MIT (c) 2019 Open SDG; fixtures/source/sdg/LICENSE",
        },
        "items": [{k: v for k, v in i.items() if v != {}} for i in ordered],
    }


def check_sdg(document):
    """The counts and completeness the SDG fixture must have; raises ValueError otherwise."""
    items = document["items"]
    by_kind = {}
    for item in items:
        by_kind.setdefault(item["kind"], []).append(item)
    problems = [
        f"{len(by_kind.get(kind, []))} {kind}s, expected {count}"
        for kind, count in EXPECTED.items()
        if len(by_kind.get(kind, [])) != count
    ]
    codes = [i["code"] for i in items]
    if len(codes) != len(set(codes)):
        problems.append("duplicate codes")
    known = set(codes)
    problems += [
        f"{i['code']}: parent {i['parent']} missing" for i in items if i.get("parent", "") and i["parent"] not in known
    ]
    languages = set(SOURCE_LANGUAGES.values())
    problems += [
        f"{i['code']}: missing titles in {sorted(languages - set(i['titles']))}"
        for i in items
        if set(i["titles"]) != languages
    ]
    if problems:
        raise ValueError("; ".join(problems))
    return document


def derived_files():
    """The SDG fixture file and the content the derivation gives it (for build_fixtures)."""
    import json

    return {SDG_JSON: json.dumps(check_sdg(derive_sdg()), ensure_ascii=False, indent=1) + "\n"}
