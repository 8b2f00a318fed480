"""Regional routing: one hall serving several provinces (the 10010 center serves six).

* a caller's province comes from the number (libphonenumber's 号段 and area-code data), from
  the operator's own prefixes (longest wins), or from the IVR's explicit answer (wins over both);
* the province selects the region's queue, and with it the region's hours and the agents whose
  skills fit; an agent serving two provinces has both queues' skills;
* a number of no configured region keeps the queue it asked for; a region the IVR names that
  the center does not have is refused;
* a center file with an unknown province, a province in two regions or a queue that does not
  exist is refused with the field named.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from hotline.config import ConfigError, config_from_dict, dump_config
from hotline.domain.enums import ContactStatus, Outcome
from hotline.domain.regions import Region, RegionMap, province_name, province_of
from hotline.routing.errors import InvalidEvent

from .center import Drive

SHANXI_MOBILE = "15935123456"  # 太原 (China Mobile 号段 1593512)
JIANGSU_MOBILE = "13912345678"  # 常州
BEIJING_UNICOM = "18601234567"
TAIYUAN_LANDLINE = "03513334444"
XINJIANG_LANDLINE = "09913334444"  # 乌鲁木齐


def test_the_province_comes_from_the_number():
    assert province_of(SHANXI_MOBILE) == "Shanxi"
    assert province_of(JIANGSU_MOBILE) == "Jiangsu"
    assert province_of(BEIJING_UNICOM) == "Beijing"
    assert province_of(TAIYUAN_LANDLINE) == "Shanxi"
    assert province_of("+86 159 3512 3456") == "Shanxi"
    assert province_of(XINJIANG_LANDLINE) == "Xinjiang"
    for nothing in ("", "12345", "wechat:o-bob", "+1 415 555 0100"):
        assert province_of(nothing) is None, nothing


def test_provinces_are_named_in_chinese_or_english():
    assert province_name("山西") == province_name("山西省") == province_name("Shanxi") == "Shanxi"
    assert province_name("陕西") == "Shaanxi"  # not Shanxi: the two differ by one letter
    assert province_name("广西壮族自治区") == "Guangxi"
    assert province_name("Atlantis") is None


def test_explicit_answer_beats_prefix_beats_the_numbers_province():
    regions = RegionMap(
        (
            Region("sx", "山西", provinces=frozenset({"Shanxi"})),
            Region("js", "江苏", provinces=frozenset({"Jiangsu"}), prefixes=("1593512",)),
            Region("js2", "江苏二", prefixes=("159351",)),
        )
    )
    assert regions.resolve(SHANXI_MOBILE).id == "js"  # the longest own prefix wins
    assert regions.resolve(SHANXI_MOBILE, explicit="sx").id == "sx"
    assert regions.resolve("15935100000").id == "js2"
    assert regions.resolve(TAIYUAN_LANDLINE).id == "sx"
    assert regions.resolve(BEIJING_UNICOM) is None
    assert regions.resolve(None) is None
    assert regions.resolve(SHANXI_MOBILE, explicit="hn") is None


SIX_PROVINCES = {
    "center": {"name": "联通客服 六省", "timezone": "Asia/Shanghai"},
    "queues": [
        {"id": "general", "skills": {"general": 1}},
        {"id": "general_sx", "skills": {"general": 1, "shanxi": 1}},
        {
            "id": "general_xj",
            "skills": {"general": 1, "xinjiang": 1},
            "hours": {"mon-sun": "10:00-19:00", "holidays": "weekly"},  # Urumqi's day
        },
    ],
    "agents": [
        {"id": "bj1", "skills": {"general": 5}},
        {"id": "sx1", "skills": {"general": 5, "shanxi": 1}},
        {"id": "two", "skills": {"general": 5, "shanxi": 1, "xinjiang": 1}},
    ],
    "regions": [
        {"id": "sx", "name": "山西", "provinces": ["山西省"], "queues": {"general": "general_sx"}},
        {"id": "xj", "provinces": ["Xinjiang"], "queues": {"general": "general_xj"}},
    ],
}


def _at(hour: int) -> float:
    return datetime(2027, 3, 10, hour, 0, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp()


def test_the_callers_province_selects_the_queue_and_the_agents_who_fit():
    d = Drive(config_from_dict(SIX_PROVINCES), now=_at(12))
    d.login("bj1", "sx1")
    [created] = [r for r in d.arrive("c1", customer=SHANXI_MOBILE) if r.kind == "contact.created"]
    assert (created.queue, created.data["region"], created.data["asked_queue"]) == (
        "general_sx",
        "sx",
        "general",
    )
    assert d.offer("sx1") == "c1" and d.offer("bj1") is None  # bj1 cannot serve Shanxi
    d.arrive("c2", customer=BEIJING_UNICOM)  # no region of this center: the asked queue
    assert d.router.contact("c2").queue == "general" and d.offer("bj1") == "c2"
    assert d.router.contact("c1").data["region"] == "sx"


def test_an_agent_with_two_provinces_skills_serves_both():
    d = Drive(config_from_dict(SIX_PROVINCES), now=_at(12))
    d.login("two")
    d.arrive("x1", customer=XINJIANG_LANDLINE)
    assert d.router.contact("x1").queue == "general_xj" and d.offer("two") == "x1"
    d.answer("two")
    d.arrive("s1", customer=SHANXI_MOBILE)
    assert d.router.contact("s1").status is ContactStatus.QUEUED  # two is busy, it waits


def test_the_regions_hours_apply_to_its_callers_only():
    d = Drive(config_from_dict(SIX_PROVINCES), now=_at(8))  # 08:00 Beijing: Urumqi not open
    d.login("two")
    d.arrive("x1", customer=XINJIANG_LANDLINE)
    assert d.kinds("x1") == ["contact.created", "contact.ended", "contact.callback_created"]
    [ended] = [r for r in d.log if r.kind == "contact.ended"]
    assert ended.data["outcome"] == Outcome.OUT_OF_HOURS.value
    callback = d.router.contact("x1-cb")  # called back in the region's queue when it opens
    assert (callback.queue, callback.due_at) == ("general_xj", _at(10))
    d.arrive("s1", customer=SHANXI_MOBILE)  # Shanxi's queue is open round the clock
    assert d.offer("two") == "s1"


def test_the_ivr_answer_wins_and_an_unknown_region_is_refused():
    d = Drive(config_from_dict(SIX_PROVINCES), now=_at(12))
    d.arrive("c1", customer=BEIJING_UNICOM, region="sx")  # "山西用户请按1"
    assert d.router.contact("c1").queue == "general_sx"
    with pytest.raises(InvalidEvent, match="unknown region 'hn'"):
        d.arrive("c2", customer=SHANXI_MOBILE, region="hn")
    assert d.router.contact("c2") is None  # nothing half-created


def test_a_center_without_regions_ignores_the_number():
    plain = {k: v for k, v in SIX_PROVINCES.items() if k != "regions"}
    d = Drive(config_from_dict(plain), now=_at(12))
    d.arrive("c1", customer=SHANXI_MOBILE)
    assert d.router.contact("c1").queue == "general"


def test_regions_round_trip_through_dump():
    config = config_from_dict(SIX_PROVINCES)
    dumped = dump_config(config)
    assert dumped["regions"][0] == {
        "id": "sx",
        "name": "山西",
        "provinces": ["Shanxi"],
        "prefixes": [],
        "queues": {"general": "general_sx"},
    }
    assert config_from_dict(dumped) == config


def _with_regions(regions: list[dict]) -> dict:
    return {**SIX_PROVINCES, "regions": regions}


@pytest.mark.parametrize(
    ("regions", "field", "message"),
    [
        ([{"id": "sx", "provinces": ["山东西"]}], "regions[0].provinces[0]", "unknown province"),
        (
            [{"id": "a", "provinces": ["山西"]}, {"id": "b", "provinces": ["Shanxi"]}],
            "regions[1].provinces[0]",
            "already in region 'a'",
        ),
        (
            [{"id": "a", "prefixes": ["0351"]}, {"id": "a", "prefixes": ["0352"]}],
            "regions[1].id",
            "duplicate region id",
        ),
        ([{"id": "a"}], "regions[0]", "needs provinces or prefixes"),
        (
            [{"id": "a", "prefixes": ["0351"], "queues": {"general": "general_sxx"}}],
            "regions[0].queues.general",
            "unknown queue 'general_sxx' (did you mean 'general_sx'?)",
        ),
        ([{"id": "a", "prefixes": ["03a1"]}], "regions[0].prefixes[0]", "should match"),
    ],
)
def test_a_bad_regions_block_is_refused_naming_the_field(regions, field, message):
    with pytest.raises(ConfigError) as err:
        config_from_dict(_with_regions(regions))
    assert err.value.field == field and message in err.value.message, str(err.value)
