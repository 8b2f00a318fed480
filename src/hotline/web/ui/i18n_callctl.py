"""UI words (zh-CN, en) of call control: the desk's consult / transfer / conference buttons and
the wallboard's listen / whisper / barge; `i18n.STRINGS` includes this table."""

from __future__ import annotations

CALLCTL: dict[str, tuple[str, str]] = {
    # -- desk (desk_callctl.js, _call_control.html) ------------------------------------------
    "ctl.consult": ("咨询转接", "Consult"),
    "ctl.to_agent": ("坐席", "An agent"),
    "ctl.to_queue": ("队列", "A queue"),
    "ctl.consult_go": ("保持并呼叫", "Hold and call"),
    "ctl.consulting": ("客户已保持，正在呼叫", "Caller on hold, calling"),
    "ctl.state.ringing": ("正在呼叫 {agent}", "Calling {agent}"),
    "ctl.state.talking": ("正在与 {agent} 咨询", "Consulting {agent}"),
    "ctl.state.conference": ("三方通话中（{agent}）", "Three-way call ({agent})"),
    "ctl.transfer": ("完成转接", "Complete transfer"),
    "ctl.conference": ("三方通话", "Conference"),
    "ctl.return": ("返回客户", "Back to caller"),
    "ctl.done.transfer": ("已转接", "Transferred"),
    "ctl.done.conference": ("三方通话已建立", "Conference started"),
    "ctl.done.return": ("已返回客户", "Back with the caller"),
    "ctl.out": ("转外线", "Transfer out"),
    "ctl.out_number": ("外线号码", "Outside number"),
    "ctl.out_ph": ("如 4008001234", "e.g. 4008001234"),
    "ctl.out_go": ("转出", "Transfer now"),
    "ctl.done_out": ("已转外线", "Transferred out"),
    # -- wallboard (wall_monitor.js) ---------------------------------------------------------
    "mon.listen": ("监听", "Listen"),
    "mon.whisper": ("耳语", "Whisper"),
    "mon.barge": ("强插", "Barge"),
    "mon.stop": ("停止", "Stop"),
    "mon.asked": ("正在呼叫您的电话", "Calling your phone"),
}
