"""The definition text printed under every KPI report.

Chinese operators use several variants of the same figure (see the KPI notes), so a number
without its formula and thresholds is not comparable with anyone else's. The text is built from
the `KpiOptions` actually used, never written by hand in a report template.
"""

from __future__ import annotations

from hotline.kpi.options import SL_FORMULAS, KpiOptions


def _s(seconds: float) -> str:
    """Seconds without a useless ".0" (20.0 → "20 s", 2.5 → "2.5 s")."""
    return f"{seconds:.15g} s"


def definitions(options: KpiOptions = KpiOptions(), threshold: str | None = None) -> dict[str, str]:
    """KPI field name → one-line definition with the thresholds and SL variant of `options`.

    `threshold` replaces the service-level threshold in the text where one table mixes several
    (the wallboard's queues each have their own: "each queue's SL threshold").
    """
    t, n = _s(options.sl_threshold_s), _s(options.short_abandon_s)
    sl_name = f"{t.removesuffix(' s')} 秒服务水平" if threshold is None else "服务水平"
    t = t if threshold is None else threshold
    return {
        "scope": (
            "统计口径 scope: a contact counts in the range [start, end) its creation falls in, "
            "with its whole life (answer, talk, end may come later) and in the queue of its "
            "answer, else of its end, else of its last queueing; callback-channel contacts count "
            "only in the callback figures unless the channel filter is 'callback'"
        ),
        "offered": (
            f"呼入量 offered = contacts that entered a queue, minus short abandons (未接秒挂 < {n})"
        ),
        "answered": "接通量 answered = offered contacts accepted by an agent",
        "abandoned": (
            f"放弃量 abandoned = offered contacts that hung up unanswered after waiting ≥ {n}; "
            "a caller who asked for a callback while waiting (outcome callback_requested) is "
            "not an abandon: offered, not answered, and served by its callback task"
        ),
        "short_abandoned": (
            f"未接秒挂 short abandons = hung up unanswered after waiting < {n}; "
            "excluded from offered, abandoned and the service level"
        ),
        "service_level": (
            f"{sl_name} service level, formula {options.sl_formula}: "
            f"{SL_FORMULAS[options.sl_formula]}, where T = {t} and a wait ≤ T is in threshold"
        ),
        "answer_rate": "接通率 answer rate = answered ÷ offered",
        "abandon_rate": "放弃率 abandon rate = abandoned ÷ offered",
        "asa_s": (
            "平均应答时长 ASA = total queue wait of answered ÷ answered; the wait runs from the "
            "place in line (kept across overflow and transfer) and excludes IVR/navigation time"
        ),
        "max_wait_s": "最长等待 max wait = longest queue wait of an answered or abandoned contact",
        "aht_s": (
            "平均处理时长 AHT = (talk + after-call work) ÷ handled, handled = answered contacts "
            "that have ended"
        ),
        "talk_s_avg": (
            "平均通话时长 talk = Σ legs answered → transferred/callback attempt/ended (hold "
            "included) ÷ handled"
        ),
        "acw_s_avg": (
            "平均话后处理 after-call work = wrap-up that followed the contact ÷ handled "
            "(an agent's wrap-up is charged to the contact the agent had just finished)"
        ),
        "occupancy": (
            "占用率 occupancy = agent time busy/reserved/wrap-up ÷ agent time available/busy/"
            "reserved/wrap-up, within the range cut at now, all agents: a center figure, empty "
            "for a queue or channel (an agent's idle time belongs to no single queue)"
        ),
        "callbacks": (
            "回拨 callbacks: created = callback contacts created in the range; completed = "
            "ended completed, i.e. the customer was reached (a callback that failed every "
            "try, callback_failed, is not completed); reached = the same count"
        ),
        "callback_completion_rate": "回拨完成率 callback completion = completed ÷ created",
        "ewt_mae_s": (
            "预计等待误差 EWT error = mean |estimate at first queueing − actual wait| over "
            "answered contacts that had an estimate (ewt_samples of them)"
        ),
    }


#: every `Kpis` figure → the key of the definition that explains it
FIELD_DEFINITION_KEYS = {
    "offered": "offered",
    "answered": "answered",
    "abandoned": "abandoned",
    "short_abandoned": "short_abandoned",
    "answered_in_threshold": "service_level",
    "abandoned_in_threshold": "service_level",
    "service_level": "service_level",
    "answer_rate": "answer_rate",
    "abandon_rate": "abandon_rate",
    "asa_s": "asa_s",
    "max_wait_s": "max_wait_s",
    "handled": "aht_s",
    "aht_s": "aht_s",
    "talk_s_avg": "talk_s_avg",
    "acw_s_avg": "acw_s_avg",
    "occupancy": "occupancy",
    "callbacks_created": "callbacks",
    "callbacks_completed": "callbacks",
    "callbacks_reached": "callbacks",
    "callback_completion_rate": "callback_completion_rate",
    "ewt_mae_s": "ewt_mae_s",
    "ewt_samples": "ewt_mae_s",
}


def field_definitions(
    options: KpiOptions = KpiOptions(), threshold: str | None = None
) -> dict[str, str]:
    """`Kpis` field name → its definition: the text an API field, a report column or a
    wallboard tooltip shows beside the number, from the one source the reports print."""
    texts = definitions(options, threshold)
    return {name: texts[key] for name, key in FIELD_DEFINITION_KEYS.items()}
