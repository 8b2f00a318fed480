"""IVR flows as data: parse a mapping (from YAML/JSON) into a `Flow`, refusing bad ones.

A flow is a graph of named nodes. A flow that would trap or confuse a caller is refused before
any call reaches it, with every problem naming its node: an unknown node or prompt, a node that
plays nothing, a node no path reaches, a loop with no way out (prompts that chain forever), a
loop of business-hours checks that would spin without ever waiting. Parsing is pure: whether a
prompt *file* exists is asked through the `prompt_exists` callback the caller passes in.

Node types (fields besides `type`):
- `play`: `prompts`, `next` (none = hang up), `contained` (a self-service answer: the call
  counts as resolved in the IVR), `options` (digits that barge in), `wait_s` (time to press one
  of `options` after the prompt before going on).
- `menu`: `prompts`, `options` {digit: node}, `timeout_s`, `retries`, `invalid`, `no_input`
  (prompts played before repeating), `on_fail` (node after the last retry; none = hang up).
- `collect`: `prompts`, `var`, `min_digits`, `max_digits`, `terminator`, `timeout_s`,
  `retries`, `invalid`, `no_input`, `next`, `on_fail`.
- `survey`: `prompts`, `question`, `valid` (digits accepted, e.g. "12345"), `timeout_s`,
  `retries`, `invalid`, `no_input`, `next`, `on_fail`.
- `queue` / `callback`: `queue`, `priority`, `language`, `intent`, `skills`, `prompts`.
- `hours`: `hours` (a `BusinessHours` spec), `open`, `closed`.
- `hangup`: `prompts` (optional goodbye), `outcome`.

Top level: `start`, `survey` (entry of the post-call survey), `notice` (a prompt played whole
before the first prompt, keys ignored: the PIPL recording notice, its text configurable like
any prompt), `prompts`, `nodes`, `waiting`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hotline.domain.hours import BusinessHours, HoursSpecError

DIGITS = frozenset("0123456789*#")
INPUT_TYPES = frozenset({"menu", "collect", "survey"})
TERMINAL_TYPES = frozenset({"queue", "callback", "hangup"})
NODE_TYPES = frozenset({"play", "hours", *INPUT_TYPES, *TERMINAL_TYPES})


class FlowError(ValueError):
    """A flow was refused; `problems` lists each reason, each naming its node or prompt."""

    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__(f"{source}: " + "; ".join(problems))
        self.source = source
        self.problems = problems


@dataclass(frozen=True, slots=True)
class PromptSpec:
    """A prompt: a WAV `file`, a `text` synthesized in `voice` (espeak-ng voice name), or
    `notes` ("C4 E4 G4", synthesized as plucked notes: music on hold without a music licence)."""

    id: str
    text: str | None = None
    voice: str | None = None
    file: str | None = None
    notes: str | None = None


@dataclass(frozen=True, slots=True)
class Node:
    """One step of a flow; which fields matter depends on `type` (see the module doc)."""

    id: str
    type: str
    prompts: tuple[str, ...] = ()
    next: str | None = None
    options: Mapping[str, str] = field(default_factory=dict)
    contained: bool = False
    wait_s: float = 0.0
    timeout_s: float = 5.0
    retries: int = 2
    invalid: tuple[str, ...] = ()
    no_input: tuple[str, ...] = ()
    on_fail: str | None = None
    var: str | None = None
    min_digits: int = 1
    max_digits: int = 1
    terminator: str | None = "#"
    question: str | None = None
    valid: str = "12345"
    queue: str | None = None
    priority: int = 0
    language: str | None = None
    intent: str | None = None
    skills: tuple[tuple[str, int], ...] = ()
    hours: BusinessHours | None = None
    open: str | None = None
    closed: str | None = None
    outcome: str | None = None

    def exits(self) -> list[str]:
        """Names of the nodes this node can lead to."""
        targets = [*self.options.values(), self.next, self.on_fail, self.open, self.closed]
        return [t for t in targets if t is not None]

    def can_end_here(self) -> bool:
        """True when the call can leave the flow at this node (transfer or hang up)."""
        if self.type in TERMINAL_TYPES:
            return True
        if self.type == "play":
            return self.next is None
        if self.type in INPUT_TYPES:
            # After the last retry an input node hangs up unless `on_fail` says otherwise; a
            # survey also hangs up after its answer when it has no `next`.
            return self.on_fail is None or (self.type == "survey" and self.next is None)
        return False


@dataclass(frozen=True, slots=True)
class WaitingPlan:
    """What a caller hears while queued (the queue experience), all optional.

    `music` loops between announcements; every `announce_every_s` the caller hears `comfort`
    and, with `announce_ewt`, the estimated wait as prompts `ewt_1`…`ewt_<ewt_max_min>`
    (minutes) or `ewt_long`, and with `announce_position` the place in line just before it
    as `pos_0` (next) … `pos_<position_max>` (callers ahead) or `pos_many`; after
    `callback_after_s` the caller is offered a callback with `callback_offer` and may press
    `callback_digit` at any time; `callback_ok` confirms it.
    """

    music: str | None = None
    comfort: tuple[str, ...] = ()
    announce_every_s: float = 30.0
    announce_ewt: bool = False
    ewt_max_min: int = 10
    announce_position: bool = False
    position_max: int = 10
    callback_after_s: float | None = None
    callback_digit: str = "9"
    callback_offer: tuple[str, ...] = ()
    callback_ok: tuple[str, ...] = ()
    ended: tuple[str, ...] = ()  # the core ended the wait (e.g. overflow to a callback)

    def prompt_ids(self) -> list[str]:
        ids = [*self.comfort, *self.callback_offer, *self.callback_ok, *self.ended]
        if self.music:
            ids.append(self.music)
        if self.announce_ewt:
            ids += [f"ewt_{n}" for n in range(1, self.ewt_max_min + 1)] + ["ewt_long"]
        if self.announce_position:
            ids += [f"pos_{n}" for n in range(self.position_max + 1)] + ["pos_many"]
        return ids


@dataclass(frozen=True, slots=True)
class Flow:
    """A validated IVR flow: nodes, prompts, entry points and the queue experience."""

    name: str
    start: str
    nodes: Mapping[str, Node]
    prompts: Mapping[str, PromptSpec]
    survey: str | None = None
    waiting: WaitingPlan = field(default_factory=WaitingPlan)
    language: str | None = None
    notice: str | None = None  # prompt id played before anything else, not skippable


def parse_flow(
    data: Mapping[str, Any],
    *,
    source: str = "flow",
    prompt_exists: Callable[[PromptSpec], bool] | None = None,
) -> Flow:
    """Build and validate a flow; raises `FlowError` naming every problem found."""
    problems: list[str] = []
    if not isinstance(data, Mapping):
        raise FlowError(source, ["a flow must be a mapping"])
    tz = str(data.get("tz", "Asia/Shanghai"))
    prompts = _parse_prompts(data.get("prompts") or {}, data.get("voice"), problems)
    nodes: dict[str, Node] = {}
    raw_nodes = data.get("nodes")
    if not isinstance(raw_nodes, Mapping) or not raw_nodes:
        problems.append("nodes: a flow needs at least one node")
        raw_nodes = {}
    for node_id, raw in raw_nodes.items():
        node = _parse_node(str(node_id), raw, tz, problems)
        if node is not None:
            nodes[node.id] = node
    waiting = _parse_waiting(data.get("waiting") or {}, problems)
    flow = Flow(
        name=str(data.get("name", source)),
        start=str(data.get("start", "")),
        nodes=nodes,
        prompts=prompts,
        survey=data.get("survey"),
        waiting=waiting,
        language=data.get("language"),
        notice=str(data["notice"]) if data.get("notice") else None,
    )
    problems += validate(flow, prompt_exists)
    if problems:
        raise FlowError(source, problems)
    return flow


def _tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def _parse_prompts(raw: Any, voice: Any, problems: list[str]) -> dict[str, PromptSpec]:
    out: dict[str, PromptSpec] = {}
    if not isinstance(raw, Mapping):
        problems.append("prompts: expected a mapping of prompt id to text or file")
        return out
    for pid, spec in raw.items():
        pid = str(pid)
        if isinstance(spec, str):
            spec = {"text": spec}
        kinds = [k for k in ("text", "file", "notes") if isinstance(spec, Mapping) and k in spec]
        if len(kinds) != 1:
            problems.append(f"prompt {pid!r}: give exactly one of text, file or notes")
            continue
        unknown = set(spec) - {"text", "file", "voice", "notes"}
        if unknown:
            problems.append(f"prompt {pid!r}: unknown field(s) {sorted(unknown)}")
        out[pid] = PromptSpec(
            id=pid,
            text=spec.get("text"),
            file=spec.get("file"),
            notes=spec.get("notes"),
            voice=spec.get("voice", voice) if "text" in spec else None,
        )
    return out


_NODE_FIELDS = {f for f in Node.__dataclass_fields__ if f != "id"}


def _parse_node(node_id: str, raw: Any, tz: str, problems: list[str]) -> Node | None:
    if not isinstance(raw, Mapping):
        problems.append(f"node {node_id!r}: expected a mapping")
        return None
    kind = raw.get("type")
    if kind not in NODE_TYPES:
        problems.append(f"node {node_id!r}: type must be one of {sorted(NODE_TYPES)}, got {kind!r}")
        return None
    unknown = set(raw) - _NODE_FIELDS
    if unknown:
        problems.append(f"node {node_id!r}: unknown field(s) {sorted(unknown)}")
    values: dict[str, Any] = {k: v for k, v in raw.items() if k in _NODE_FIELDS}
    for key in ("prompts", "invalid", "no_input"):
        values[key] = _tuple(values.get(key))
    options = {str(k): str(v) for k, v in (raw.get("options") or {}).items()}
    for digit in options:
        if digit not in DIGITS:
            problems.append(f"node {node_id!r}: option {digit!r} is not a key (0-9, *, #)")
    values["options"] = options
    values["skills"] = tuple(sorted((str(k), int(v)) for k, v in (raw.get("skills") or {}).items()))
    if kind == "hours":
        try:
            values["hours"] = BusinessHours.parse(raw.get("hours", "24x7"), tz=tz)
        except HoursSpecError as exc:
            problems.append(f"node {node_id!r}: hours {exc}")
            values["hours"] = None
    try:
        return Node(id=node_id, **values)
    except TypeError as exc:
        problems.append(f"node {node_id!r}: {exc}")
        return None


def _parse_waiting(raw: Any, problems: list[str]) -> WaitingPlan:
    if not isinstance(raw, Mapping):
        problems.append("waiting: expected a mapping")
        return WaitingPlan()
    values = dict(raw)
    unknown = set(values) - set(WaitingPlan.__dataclass_fields__)
    if unknown:
        problems.append(f"waiting: unknown field(s) {sorted(unknown)}")
        return WaitingPlan()
    for key in ("comfort", "callback_offer", "callback_ok", "ended"):
        values[key] = _tuple(values.get(key))
    return WaitingPlan(**values)


def validate(flow: Flow, prompt_exists: Callable[[PromptSpec], bool] | None = None) -> list[str]:
    """Every problem of a parsed flow, each naming the node (or prompt) at fault."""
    problems: list[str] = []
    nodes = flow.nodes
    entries = [e for e in (flow.start, flow.survey) if e]
    for name, entry in (("start", flow.start), ("survey", flow.survey)):
        if (entry or name == "start") and entry not in nodes:
            problems.append(f"{name}: no node named {entry!r}")
    for node in nodes.values():
        problems += _node_problems(node, flow)
    used: dict[str, str] = {}
    for node in nodes.values():
        for pid in (*node.prompts, *node.invalid, *node.no_input):
            used.setdefault(pid, f"node {node.id!r}")
    for pid in flow.waiting.prompt_ids():
        used.setdefault(pid, "waiting")
    if flow.notice:
        used.setdefault(flow.notice, "notice")
    for pid, where in used.items():
        spec = flow.prompts.get(pid)
        if spec is None:
            problems.append(f"{where}: prompt {pid!r} is not defined under prompts")
        elif prompt_exists is not None and not prompt_exists(spec):
            problems.append(f"{where}: prompt {pid!r} file not found: {spec.file}")
    reachable = _reachable(nodes, [e for e in entries if e in nodes])
    for node_id in nodes:
        if node_id not in reachable:
            problems.append(f"node {node_id!r}: unreachable from {' or '.join(entries)}")
    problems += _trap_problems(nodes, reachable)
    return problems


def _node_problems(node: Node, flow: Flow) -> list[str]:
    out: list[str] = []
    me = f"node {node.id!r}"
    for target in node.exits():
        if target not in flow.nodes:
            out.append(f"{me}: leads to unknown node {target!r}")
    if node.type in {"play", *INPUT_TYPES} and not node.prompts:
        out.append(f"{me}: no prompt to play")
    if node.type == "menu" and not node.options:
        out.append(f"{me}: a menu needs options")
    if node.type in {"queue", "callback"} and not node.queue:
        out.append(f"{me}: which queue? (queue is missing)")
    if node.type == "hours" and (node.open is None or node.closed is None):
        out.append(f"{me}: hours needs both open and closed")
    if node.type == "collect":
        if not node.var:
            out.append(f"{me}: collect needs var (where the digits go)")
        if node.next is None:
            out.append(f"{me}: collect needs next")
        if not 1 <= node.min_digits <= node.max_digits <= 32:
            out.append(f"{me}: need 1 <= min_digits <= max_digits <= 32")
    if node.type == "survey" and (not node.valid or set(node.valid) - set("0123456789")):
        out.append(f"{me}: valid must be digits such as '12345'")
    if node.type in INPUT_TYPES and (node.timeout_s <= 0 or node.retries < 0):
        out.append(f"{me}: timeout_s must be > 0 and retries >= 0")
    return out


def _reachable(nodes: Mapping[str, Node], entries: list[str]) -> set[str]:
    seen, todo = set(entries), list(entries)
    while todo:
        for nxt in nodes[todo.pop()].exits():
            if nxt in nodes and nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _trap_problems(nodes: Mapping[str, Node], reachable: set[str]) -> list[str]:
    """Loops with no exit, and loops of instant (hours) nodes that would never wait."""
    out: list[str] = []
    parents: dict[str, set[str]] = {n: set() for n in nodes}
    for node in nodes.values():
        for nxt in node.exits():
            if nxt in parents:
                parents[nxt].add(node.id)
    can_exit = {n for n, node in nodes.items() if node.can_end_here()}
    todo = list(can_exit)
    while todo:
        for parent in parents[todo.pop()]:
            if parent not in can_exit:
                can_exit.add(parent)
                todo.append(parent)
    reported: set[str] = set()
    for node_id in nodes:
        if node_id in reachable and node_id not in can_exit and node_id not in reported:
            cycle = _cycle_from(nodes, node_id, lambda n: n not in can_exit)
            reported.update(cycle or [node_id])
            shown = " -> ".join([*cycle, cycle[0]]) if cycle else node_id
            out.append(f"node {node_id!r}: loop with no exit ({shown})")
    for node_id, node in nodes.items():
        if node.type == "hours" and node_id not in reported:
            cycle = _cycle_from(nodes, node_id, lambda n: nodes[n].type == "hours")
            if cycle and node_id in cycle:
                reported.update(cycle)
                shown = " -> ".join([*cycle, cycle[0]])
                out.append(f"node {node_id!r}: hours checks loop without waiting ({shown})")
    return out


def _cycle_from(
    nodes: Mapping[str, Node], start: str, inside: Callable[[str], bool]
) -> list[str] | None:
    """A cycle reachable from `start` that stays among nodes for which `inside` holds."""
    path: list[str] = []
    on_path: dict[str, int] = {}
    done: set[str] = set()

    def visit(n: str) -> list[str] | None:
        on_path[n] = len(path)
        path.append(n)
        for nxt in nodes[n].exits():
            if nxt not in nodes or not inside(nxt) or nxt in done:
                continue
            if nxt in on_path:
                return path[on_path[nxt] :]
            found = visit(nxt)
            if found:
                return found
        path.pop()
        del on_path[n]
        done.add(n)
        return None

    return visit(start) if inside(start) else None
