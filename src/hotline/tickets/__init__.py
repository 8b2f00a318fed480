"""Work orders, escalation, repeat contacts, surveys and intent: the pure core.

Numbers and values in, values out: no I/O, no clock reads (instants are arguments), no
database. The store keeps the events (`hotline.store.tickets`), `hotline.services.tickets`
runs the use cases, `hotline.web.routes.tickets` serves them.

* `states`      - order states and the one transition table; `IllegalMove` with a reason
* `order`       - `Order` folded from `OrderEvent`s (the audit trail); `decide`, `apply`
* `sla`         - business-hours SLA clocks (Chinese holidays via `BusinessHours`), pauses
* `config`      - categories with SLA, rules, closed-loop and survey settings, as data
* `rules`       - escalation / expediting rules as data, evaluated to firings
* `escalation`  - which SLA triggers an order raises at an instant (the periodic check)
* `repeat`      - same customer, same topic within N days; orders a contact is about
* `surveys`     - ratings, DTMF decoding, satisfaction with response rate
* `intent`      - predicted intent: rules, then a scikit-learn model, with evaluation
* `synthetic`   - a seeded, realistic contact history for tests and demos
* `kpi`         - order KPIs with definitions
"""

from hotline.tickets.config import (
    Category,
    TicketsConfig,
    TicketsConfigError,
    default_body,
    default_config,
    parse_config,
)
from hotline.tickets.order import Order, OrderEvent, apply, created, decide, fold
from hotline.tickets.states import (
    Action,
    IllegalMove,
    InvalidOrder,
    OrderState,
    TicketError,
    next_state,
)

__all__ = [
    "Action",
    "Category",
    "IllegalMove",
    "InvalidOrder",
    "Order",
    "OrderEvent",
    "OrderState",
    "TicketError",
    "TicketsConfig",
    "TicketsConfigError",
    "apply",
    "created",
    "decide",
    "default_body",
    "default_config",
    "fold",
    "next_state",
    "parse_config",
]
