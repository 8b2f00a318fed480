"""Readable shift templates: durations, start ranges, breaks, and errors that name the field."""

from __future__ import annotations

import pytest

from hotline.wfm.schedule import BreakRule
from hotline.wfm.spec import SpecError, parse_duration, parse_templates


@pytest.mark.parametrize(
    ("text", "minutes"), [(90, 90), ("90", 90), ("90m", 90), ("1h30m", 90), ("9h", 540)]
)
def test_durations(text: object, minutes: int) -> None:
    assert parse_duration(text, "x") == minutes


def test_a_full_template() -> None:
    (tpl,) = parse_templates(
        [
            {
                "name": "en-pt",
                "length": "4h",
                "starts": "08:00-10:00/60",
                "breaks": [{"length": 15, "window": "1h-2h", "paid": True}],
                "skills": ["english", "mandarin"],
                "max_per_day": 2,
            }
        ]
    )
    assert tpl.length_min == 240 and tpl.starts_min == (480, 540, 600)
    assert tpl.breaks == (BreakRule(15, 60, 120, paid=True),)
    assert tpl.skills == frozenset({"english", "mandarin"}) and tpl.max_per_day == 2
    assert tpl.paid_min() == 240  # a paid break stays paid


def test_a_list_of_starts_and_the_templates_key() -> None:
    (tpl,) = parse_templates({"templates": [{"name": "n", "length": 720, "starts": ["20:00"]}]})
    assert tpl.starts_min == (1200,)


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ([{"name": "a", "length": "long", "starts": "08:00"}], r"templates\[0\]\.length"),
        ([{"name": "a", "length": 60, "starts": "25:00"}], r"templates\[0\]\.starts"),
        ([{"name": "a", "length": 60, "starts": "09:00-08:00"}], r"templates\[0\]\.starts"),
        ([{"name": "a", "length": 60, "starts": "08:00", "colour": 1}], "colour"),
        ([{"name": "a", "length": 60, "starts": "08:00", "max_per_day": -1}], "max_per_day"),
        ([{"length": 60, "starts": "08:00"}], r"templates\[0\]\.name"),
        ([], "non-empty list"),
    ],
)
def test_errors_name_the_field(spec: object, field: str) -> None:
    with pytest.raises(SpecError, match=field):
        parse_templates(spec)
