"""UI words (zh-CN, en) of the supervisor's outbound campaigns page (`/campaigns`).

Kept apart from `i18n.py` so each table stays readable; `i18n.STRINGS` includes this one.
"""

from __future__ import annotations

CAMPAIGNS: dict[str, tuple[str, str]] = {
    "nav.campaigns": ("外呼任务", "Campaigns"),
    "cp.list": ("外呼与短信任务", "Outbound campaigns"),
    "cp.none": ("还没有任务", "No campaigns yet"),
    "cp.new": ("新建短信任务", "New SMS campaign"),
    "cp.f.name": ("任务名称", "Name"),
    "cp.f.message": ("短信内容", "Message"),
    "cp.f.customers": ("客户号码（每行一个）", "Customer numbers (one per line)"),
    "cp.f.start": ("开始时间", "Start"),
    "cp.f.days": ("持续天数", "Days"),
    "cp.f.per_minute": ("每分钟上限", "Per minute"),
    "cp.f.max_attempts": ("最多尝试", "Max attempts"),
    "cp.create": ("创建并启动", "Create and start"),
    "cp.cancel": ("取消", "Cancel"),
    "cp.created": ("任务已创建：{n} 位客户", "Campaign created: {n} customers"),
    "cp.col.name": ("名称", "Name"),
    "cp.col.channel": ("渠道", "Channel"),
    "cp.col.status": ("状态", "Status"),
    "cp.col.window": ("时间窗", "Window"),
    "cp.col.results": ("结果", "Results"),
    "cp.start": ("启动", "Start"),
    "cp.pause": ("暂停", "Pause"),
    "cp.status.draft": ("草稿", "Draft"),
    "cp.status.running": ("进行中", "Running"),
    "cp.status.paused": ("已暂停", "Paused"),
    "cp.status.done": ("已完成", "Done"),
    "cp.result.pending": ("待发送", "Pending"),
    "cp.result.done:reached": ("已送达", "Reached"),
    "cp.result.stopped:dnc": ("免打扰拦截", "Do-not-call"),
    "cp.result.failed:no_answer": ("发送失败", "Failed"),
    "cp.result.failed:campaign_ended": ("任务已结束", "Campaign ended"),
    "channel.sms": ("短信", "SMS"),
    "field.name": ("任务名称", "Name"),
    "field.message": ("短信内容", "Message"),
    "field.customers": ("客户号码", "Customers"),
    "field.end": ("结束时间", "End"),
    "field.start": ("开始时间", "Start"),
}
