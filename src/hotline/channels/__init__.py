"""Channel adapters: wire in -> contacts/events through the core, core facts -> wire out.

`sip/` (voice), `chat/` (web widget + its API service), `wechat/` (official-account adapter and
a fake WeChat platform for tests), `bot.py` (KB self-service). No routing decisions are made here.
"""
