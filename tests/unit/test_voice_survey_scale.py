"""The voice survey's 1-5 keypad scale (按5非常满意 … 按1非常不满意) in the surveys store."""

import pytest

from hotline.tickets.surveys import Rating, SurveyScale, from_dtmf


@pytest.mark.parametrize(
    ("key", "score", "rating"),
    [
        ("5", 10, Rating.SATISFIED),
        ("4", 8, Rating.SATISFIED),
        ("3", 6, Rating.NEUTRAL),
        ("2", 4, Rating.UNSATISFIED),
        ("1", 2, Rating.UNSATISFIED),
    ],
)
def test_five_keys_map_onto_the_ten_point_score_and_its_ratings(key, score, rating):
    assert from_dtmf(key, "5") == (score, None)
    assert SurveyScale().rating(score) is rating


@pytest.mark.parametrize("key", ["0", "6", "9", "12", ""])
def test_keys_outside_one_to_five_are_refused(key):
    with pytest.raises(ValueError, match="1 to 5"):
        from_dtmf(key, "5")
