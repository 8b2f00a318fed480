"""Specification: the one-sweep occupancy per bucket equals clipping every span per bucket."""

from hypothesis import given
from hypothesis import strategies as st

from hotline.kpi.agents import StateSpan, occupancy_by_bucket, occupancy_seconds

STATES = ["available", "busy", "reserved", "wrap_up", "not_ready", "offline"]
span = st.builds(
    lambda a, s, t0, d: StateSpan(f"a{a}", s, t0, t0 + d),
    st.integers(0, 3),
    st.sampled_from(STATES),
    st.floats(-500, 4000),
    st.floats(0, 3000),
)


@given(st.lists(span, max_size=40), st.floats(1, 900), st.integers(1, 8))
def test_sweep_matches_per_bucket_clipping(spans, step, n):
    swept = occupancy_by_bucket(spans, 0.0, step, n)
    for i, (occupied, staffed) in enumerate(swept):
        want_o, want_s = occupancy_seconds(spans, i * step, (i + 1) * step)
        assert abs(occupied - want_o) < 1e-6 and abs(staffed - want_s) < 1e-6
