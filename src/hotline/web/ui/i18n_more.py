"""More UI words (zh-CN, en): code labels and the desk's chat and after-call parts.

Kept apart from `i18n.py` so each table stays readable; `i18n.STRINGS` includes this one.
Codes the API sends (intent, language, strategy, rating) get a label here instead of showing
as `lost_item` or `zh`; the pages call `Hotline.label(prefix, code)`.
"""

from __future__ import annotations

MORE: dict[str, tuple[str, str]] = {
    # -- codes -> words -------------------------------------------------------------------------
    "intent.consultation": ("咨询", "Enquiry"),
    "intent.consult": ("咨询", "Enquiry"),
    "intent.follow_up": ("进度跟进", "Follow-up"),
    "intent.complaint": ("投诉", "Complaint"),
    "intent.lost_item": ("失物查找", "Lost item"),
    "intent.fault_report": ("故障报修", "Fault report"),
    "intent.help_request": ("求助", "Help request"),
    "intent.suggestion": ("建议", "Suggestion"),
    "intent.praise": ("表扬", "Praise"),
    "intent.chat": ("在线咨询", "Online chat"),
    "intent.callback": ("回拨", "Callback"),
    "intent.other": ("其他", "Other"),
    "lang.zh": ("中文", "Chinese"),
    "lang.zh-CN": ("中文", "Chinese"),
    "lang.en": ("英语", "English"),
    "lang.en-US": ("英语", "English"),
    "lang.ja": ("日语", "Japanese"),
    "lang.ko": ("韩语", "Korean"),
    "lang.ru": ("俄语", "Russian"),
    "strategy.longest_idle": ("最长空闲优先", "Longest idle first"),
    "strategy.highest_proficiency": ("技能最高优先", "Highest skill first"),
    "strategy.least_occupied": ("负荷最低优先", "Least occupied first"),
    "strategy.round_robin": ("轮流分配", "Round robin"),
    "rating.satisfied": ("满意", "Satisfied"),
    "rating.neutral": ("一般", "Neutral"),
    "rating.unsatisfied": ("不满意", "Unsatisfied"),
    # -- customer labels -------------------------------------------------------------------------
    "cust.web": ("网页访客", "Web visitor"),
    "cust.wechat": ("微信用户", "WeChat user"),
    "cust.unknown": ("未知号码", "Unknown number"),
    "card.first_contact": ("首次联系", "First contact"),
    "card.web_visitor": (
        "网页访客未留电话（无历史记录可查）",
        "Web visitor left no phone (no history)",
    ),
    "card.rating": ("评价", "Rating"),
    # -- IVR path on the card (node ids of the demo flow; other flows show their ids) -------
    "card.ivr_digits": ("按键 {d} · IVR {s} 秒", "keys {d} · {s} s in the IVR"),
    "card.ivr_online": ("在线渠道不经过 IVR", "Online contacts skip the IVR"),
    "card.hold": ("保持时长", "On hold"),
    "ivr.welcome": ("欢迎语", "Welcome"),
    "ivr.menu": ("主菜单", "Main menu"),
    "ivr.flight": ("航班动态（自助答复）", "Flight status (self-service)"),
    "ivr.baggage": ("行李规定（自助答复）", "Baggage rules (self-service)"),
    "ivr.transport": ("机场交通（自助答复）", "Airport transport (self-service)"),
    "ivr.after_flight": ("答复后菜单", "After-answer menu"),
    "ivr.after_baggage": ("答复后菜单", "After-answer menu"),
    "ivr.after_transport": ("答复后菜单", "After-answer menu"),
    "ivr.special": ("特殊旅客服务", "Special assistance"),
    "ivr.complaints_hours": ("投诉受理时间判断", "Complaint hours check"),
    "ivr.complaints": ("投诉建议", "Complaints"),
    "ivr.complaints_closed": ("投诉非受理时间", "Complaints closed"),
    "ivr.agent": ("转人工", "To an agent"),
    "ivr.english": ("英语服务", "English service"),
    "ivr.callback": ("预约回拨", "Callback request"),
    "ivr.goodbye": ("挂机", "Goodbye"),
    "ivr.survey": ("满意度评价", "Survey"),
    "order.left": ("剩 {d}", "{d} left"),
    "order.overdue": ("超时 {d}", "{d} overdue"),
    # -- desk chat -------------------------------------------------------------------------------
    "chat.me": ("我", "Me"),
    "chat.sender.customer": ("客户", "Customer"),
    "chat.sender.bot": ("机器人", "Bot"),
    "chat.sender.agent": ("客服", "Agent"),
    "chat.sender.system": ("系统", "System"),
    "chat.image": ("客户发送的图片", "Image from the customer"),
    "chat.count": ("{n} 条消息", "{n} messages"),
    "chat.no_session": ("该联系没有在线会话记录", "No chat session behind this contact"),
    "chat.reply": ("回复客户", "Reply to the customer"),
    "chat.reply_ph": (
        "输入回复，Enter 发送，Shift+Enter 换行",
        "Type a reply: Enter sends, Shift+Enter new line",
    ),
    "chat.send": ("发送", "Send"),
    # -- after-call work -------------------------------------------------------------------------
    "desk.idle_wrap_up": (
        "话后处理中：补充小结后点“完成话后处理”，或等倒计时结束自动就绪。",
        "After-call work: finish the notes, then press Wrap-up done (or wait for the countdown).",
    ),
    "desk.wrap_left": ("话后剩余", "Wrap-up left"),
    "wrap.title": ("话后处理", "After-call work"),
    "wrap.save": ("保存小结", "Save notes"),
    "wrap.saved": ("小结已保存", "Notes saved"),
    "wrap.is_saved": (
        "小结已随完成保存，可继续修改",
        "Notes saved with Complete; you may still edit",
    ),
    "wrap.unsaved": ("有未保存的修改", "Unsaved changes"),
    "wrap.note_needed": ("请填写备注后再保存", "Write a note before saving"),
    # -- wallboard --------------------------------------------------------------------------------
    "wb.sl_target_line": ("服务水平目标", "SL target"),
    "wb.axis_time": ("时间", "Time"),
    "wb.axis_contacts": ("联系量", "Contacts"),
    "wb.axis_sl": ("服务水平", "Service level"),
    "wb.also_waiting": (
        "另有 {r} 个振铃中 · {s} 个预约回拨",
        "+{r} ringing · {s} callbacks due later",
    ),
    # -- admin -------------------------------------------------------------------------------------
    "ad.sl_target_pct": ("服务水平目标（%）", "Service level target (%)"),
    "ad.sl_target_err": (
        "请输入大于 0、不超过 100 的百分比，如 80",
        "A percentage above 0 and up to 100, e.g. 80",
    ),
}
