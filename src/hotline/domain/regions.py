"""Regional routing for a center that serves several provinces from one hall (the 10010 case).

A caller's province selects the queues (and with them the hours, service level and the agents
whose skills fit: an agent serving three provinces simply has the three queues' skills). The
province comes, first match wins, from:

1. an explicit region on the arrival (the IVR asked: "山西用户请按1"), or
2. the operator's own number prefixes (longest first: an area code, a company's trunk), or
3. the number's prefix in libphonenumber's geocoding data (every Chinese mobile 号段 and most
   area codes), so nobody maintains a 号段 table by hand.

A number that resolves to no configured region keeps the queue it asked for. Pure and
deterministic: the live router and the simulator resolve the same number the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import phonenumbers

#: the 34 provincial divisions, as libphonenumber's English geocoding data spells them -> 中文
PROVINCES: Mapping[str, str] = {
    "Beijing": "北京",
    "Tianjin": "天津",
    "Hebei": "河北",
    "Shanxi": "山西",
    "Inner Mongolia": "内蒙古",
    "Liaoning": "辽宁",
    "Jilin": "吉林",
    "Heilongjiang": "黑龙江",
    "Shanghai": "上海",
    "Jiangsu": "江苏",
    "Zhejiang": "浙江",
    "Anhui": "安徽",
    "Fujian": "福建",
    "Jiangxi": "江西",
    "Shandong": "山东",
    "Henan": "河南",
    "Hubei": "湖北",
    "Hunan": "湖南",
    "Guangdong": "广东",
    "Guangxi": "广西",
    "Hainan": "海南",
    "Chongqing": "重庆",
    "Sichuan": "四川",
    "Guizhou": "贵州",
    "Yunnan": "云南",
    "Tibet": "西藏",
    "Shaanxi": "陕西",
    "Gansu": "甘肃",
    "Qinghai": "青海",
    "Ningxia": "宁夏",
    "Xinjiang": "新疆",
    "Hong Kong": "香港",
    "Macau": "澳门",
    "Taiwan": "台湾",
}
_BY_CHINESE = {zh: en for en, zh in PROVINCES.items()}
#: what may follow a short Chinese name: 山西省, 北京市, 广西壮族自治区, 香港特别行政区
_SUFFIXES = frozenset(
    {"", "省", "市", "自治区", "壮族自治区", "回族自治区", "维吾尔自治区", "特别行政区"}
)


def province_name(name: str) -> str | None:
    """The canonical (English) name of a province written in English or Chinese, else None.

    "山西", "山西省" and "Shanxi" are the same province; "广西壮族自治区" is Guangxi."""
    if name in PROVINCES:
        return name
    for zh, en in _BY_CHINESE.items():
        if name.startswith(zh) and name[len(zh) :] in _SUFFIXES:
            return en
    return None


@lru_cache(maxsize=65536)
def province_of(number: str) -> str | None:
    """The province of a Chinese phone number from libphonenumber's geocoding data, or None.

    Cached by number: a hotline sees the same callers again and again, and one lookup costs
    ~45 µs. The geocoder is imported here, not at module level: its data costs ~100 MB of
    memory and ~0.4 s to load, and every voice media worker imports this module (through the
    IVR's models) without ever geocoding; a pool of 100 workers paid 10 GB for it."""
    from phonenumbers import geocoder

    digits = "".join(ch for ch in number if ch.isdigit() or ch == "+")
    if not digits:
        return None
    try:
        parsed = phonenumbers.parse(digits, "CN")
    except phonenumbers.NumberParseException:
        return None
    where = geocoder.description_for_number(parsed, "en")
    if not where:
        return None
    return province_name(where.rsplit(", ", 1)[-1])


@dataclass(frozen=True, slots=True)
class Region:
    """One region of a multi-province center: who belongs to it and where their calls go."""

    id: str
    name: str
    provinces: frozenset[str] = frozenset()  # canonical names (see `province_name`)
    prefixes: tuple[str, ...] = ()  # the operator's own number prefixes, e.g. "0351"
    queues: Mapping[str, str] = field(default_factory=dict)  # asked queue -> regional queue


@dataclass(frozen=True, slots=True)
class RegionMap:
    """The center's regions; `resolve` is the only question the router asks."""

    regions: tuple[Region, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.regions)

    def get(self, region_id: str) -> Region | None:
        return next((r for r in self.regions if r.id == region_id), None)

    def resolve(self, customer: str | None, explicit: str | None = None) -> Region | None:
        """The caller's region: explicit > the operator's prefixes > the number's province."""
        if explicit is not None:
            return self.get(explicit)
        if not customer or not self.regions:
            return None
        digits = customer.removeprefix("+86").removeprefix("0086")
        best: tuple[int, Region] | None = None
        for r in self.regions:
            for p in r.prefixes:
                if digits.startswith(p) and (best is None or len(p) > best[0]):
                    best = (len(p), r)
        if best is not None:
            return best[1]
        province = province_of(customer)
        if province is None:
            return None
        return next((r for r in self.regions if province in r.provinces), None)

    def queue_for(self, region: Region | None, queue: str) -> str:
        """The regional queue for `queue`, or `queue` itself when the region has none."""
        return region.queues.get(queue, queue) if region is not None else queue
