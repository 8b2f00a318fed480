"""UI words (zh-CN, en) of the desk's browser softphone; `i18n.STRINGS` includes this table."""

from __future__ import annotations

PHONE: dict[str, tuple[str, str]] = {
    "phone.status.off": ("话机未启用", "Softphone off"),
    "phone.status.connecting": ("话机注册中…", "Softphone registering…"),
    "phone.status.reconnecting": ("话机连接中断，正在重连…", "Softphone offline, reconnecting…"),
    "phone.status.registered": ("话机已注册", "Softphone registered"),
    "phone.status.refused": ("话机注册被拒绝", "Softphone registration refused"),
    "phone.status.error": ("话机不可用", "Softphone unavailable"),
    "phone.ringing": ("来电振铃", "Ringing"),
    "phone.in_call": ("通话中", "In call"),
    "phone.answer": ("接听", "Answer"),
    "phone.hangup": ("挂断", "Hang up"),
    "phone.mute": ("静音", "Mute"),
    "phone.unmute": ("取消静音", "Unmute"),
    "phone.keypad": ("拨号盘", "Keypad"),
    "phone.settings": ("话机设置", "Phone settings"),
    "phone.auto_answer": ("自动接听", "Auto-answer"),
    "phone.microphone": ("麦克风", "Microphone"),
    "phone.mic_default": ("系统默认", "System default"),
    "phone.mic_denied": (
        "浏览器未允许使用麦克风：请在地址栏的网站设置中允许麦克风，然后刷新页面。",
        "The browser blocks the microphone: allow it in the site settings, then reload.",
    ),
    "phone.mic_missing": (
        "找不到麦克风：请接上耳麦，或在话机设置中选择其他设备。",
        "No microphone found: plug in a headset or pick another device in phone settings.",
    ),
    "phone.mic_busy": (
        "麦克风被其他程序占用：请关闭占用它的程序后重试。",
        "The microphone is in use by another program: close it and try again.",
    ),
    "phone.mic_error": ("麦克风无法使用，请检查设备。", "The microphone does not work: check it."),
    "phone.mic_insecure": (
        "此页面不是安全连接（https），浏览器不允许使用麦克风。",
        "This page is not on a secure connection (https): the browser allows no microphone.",
    ),
}
