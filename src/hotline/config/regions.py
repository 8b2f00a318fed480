"""The `regions:` block of a center file: build, dump and cross-check.

Kept apart from `loader.py` so the regional part of the schema has one owner. A province is
stored by its canonical name (`hotline.domain.regions.province_name`), so "山西省" in the file
dumps back as "Shanxi" and both load to the same region.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hotline.config.hints import did_you_mean
from hotline.config.schema import RegionSection
from hotline.domain.regions import PROVINCES, Region, RegionMap, province_name


def build_regions(sections: list[RegionSection]) -> RegionMap:
    return RegionMap(
        regions=tuple(
            Region(
                id=r.id,
                name=r.name or r.id,
                provinces=frozenset(province_name(p) or p for p in r.provinces),
                prefixes=tuple(p.removeprefix("+86") for p in r.prefixes),
                queues=dict(r.queues),
            )
            for r in sections
        )
    )


def dump_regions(regions: RegionMap) -> list[dict[str, Any]]:
    return [
        {
            "id": r.id,
            "name": r.name,
            "provinces": sorted(r.provinces),
            "prefixes": list(r.prefixes),
            "queues": dict(r.queues),
        }
        for r in regions.regions
    ]


def regions_problem(
    sections: list[RegionSection], queues: Mapping[str, int]
) -> tuple[str, str] | None:
    """(field, message) of the first cross-entry problem, or None.

    Unique region ids, known provinces, each province and prefix in one region only (a caller
    must not belong to two), and queue maps between queues that exist."""
    seen_id: dict[str, int] = {}
    owner: dict[str, str] = {}
    for i, r in enumerate(sections):
        if r.id in seen_id:
            return (
                f"regions[{i}].id",
                f"duplicate region id {r.id!r} (also regions[{seen_id[r.id]}])",
            )
        seen_id[r.id] = i
        if not r.provinces and not r.prefixes:
            return f"regions[{i}]", "a region needs provinces or prefixes (who belongs to it)"
        for k, p in enumerate(r.provinces):
            name = province_name(p)
            if name is None:
                hint = did_you_mean(p, list(PROVINCES) + list(PROVINCES.values()))
                return f"regions[{i}].provinces[{k}]", f"unknown province {p!r}{hint}"
            if name in owner:
                return f"regions[{i}].provinces[{k}]", f"{p} is already in region {owner[name]!r}"
            owner[name] = r.id
        for k, p in enumerate(r.prefixes):
            key = "prefix " + p.removeprefix("+86")
            if key in owner:
                return f"regions[{i}].prefixes[{k}]", f"{p} is already in region {owner[key]!r}"
            owner[key] = r.id
        for asked, target in r.queues.items():
            for name in (asked, target):
                if name not in queues:
                    msg = f"unknown queue {name!r}{did_you_mean(name, queues)}"
                    return f"regions[{i}].queues.{asked}", msg
    return None
