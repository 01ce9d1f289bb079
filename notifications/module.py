"""Alerts, escalations, the weekly digest and outgoing webhooks: no menu entry (the Email log and
the webhooks are in the user menu). Webhooks observe every event the modules declare."""

from qms.modules import Module

from .webhooks import webhooks_claim

MODULE = Module(label=None, observes=[webhooks_claim], walk="tests.notifications.walk")
