"""How long a media worker's pjsua poll may block: long when idle (a node runs ~100 workers),
short with a call up, never past a due timer."""

from hotline.channels.sip.worker import IDLE_POLL_MS, POLL_MS, wait_ms


def test_an_idle_worker_waits_long_for_its_next_invite():
    assert wait_ms(has_calls=False, next_timer_s=None) == IDLE_POLL_MS
    assert IDLE_POLL_MS >= 5 * POLL_MS


def test_a_worker_with_a_call_polls_often():
    assert wait_ms(has_calls=True, next_timer_s=None) == POLL_MS


def test_a_due_timer_shortens_the_wait_but_never_to_a_busy_loop():
    assert wait_ms(has_calls=False, next_timer_s=0.015) == 15
    assert wait_ms(has_calls=True, next_timer_s=0.004) == 4
    assert wait_ms(has_calls=True, next_timer_s=-1.0) == 1
