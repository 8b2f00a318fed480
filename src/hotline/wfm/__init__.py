"""Workforce management: numbers in, numbers out.

`erlang` sizes a queue for a service target (Erlang B/C/A), `forecast` predicts contacts per
interval from the stored history, `schedule` turns required agents per interval into shifts (a
MILP on HiGHS). Everything here is a pure function of its arguments: no clock, no I/O, no
database, so the simulator, the CLI and tests call the same code.
"""

from __future__ import annotations
