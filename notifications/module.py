"""Alerts, escalations and the weekly digest: no menu entry (the Email log is in the user menu)."""

from qms.modules import Module

MODULE = Module(label=None, walk="tests.notifications.walk")
