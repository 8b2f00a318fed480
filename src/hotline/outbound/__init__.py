"""Outbound campaigns (issue 16), pure: which customer to contact next, when, and why not.
Dialling, SMS and WeChat sending, storage and the admin page are not here (not built yet)."""

from hotline.outbound.campaign import Campaign, CampaignRun, Dispatch, Retry, Task

__all__ = ["Campaign", "CampaignRun", "Dispatch", "Retry", "Task"]
