"""Readable reports of a session: a timeline and a fairness summary.

Both work from the event log alone (plus the group, for display names), so
they render a live session, a restored one, or a log read from disk::

    for line in ps.report.timeline(group, fmt, session.events):
        print(line)
    print(ps.report.fairness_table(group, session.state))

:func:`phase_table` and :func:`format_page` describe a format from the format
itself (the ``peersupport show`` command and the documentation use them).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from peersupport.engine.chart import Transition
from peersupport.engine.events import Event, EventKind
from peersupport.engine.format import Format
from peersupport.engine.kinds import KINDS
from peersupport.engine.session import Session
from peersupport.engine.state import SessionState, SessionView
from peersupport.reportlines import practice_line, queue_line
from peersupport.values import Group

__all__ = [
    "PHASE_COLUMNS",
    "clock_time",
    "fairness_table",
    "format_page",
    "guard_text",
    "phase_table",
    "timeline",
]

_K = EventKind


def clock_time(seconds: float) -> str:
    """Format seconds as ``m:ss`` (or ``h:mm:ss`` from one hour)."""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


def _name(group: Group, member_id: str | None) -> str:
    if member_id is None:
        return "the engine"
    return group.member(member_id).name if member_id in group else member_id


def timeline(group: Group, fmt: Format, events: Iterable[Event]) -> Iterator[str]:
    """Yield one readable line per event, plus a line whenever a turn is offered.

    The log is restored (folded, event by event) as it is rendered; to check it
    against today's rules too, :meth:`~peersupport.Session.verify` it first.

    Args:
        group: The group, for display names.
        fmt: The format the session ran.
        events: The session's events.

    Raises:
        LogError: If the log does not restore.
    """
    start: float | None = None
    offered: str | None = None
    for event, session in Session.restore_steps(group, fmt, list(events)):
        if start is None:
            start = event.time
        text = _describe(group, fmt, event, session)
        yield f"[{clock_time(event.time - start):>7}] {text}"
        now_offered = session.offered_to()
        if now_offered is not None and now_offered != offered:
            yield f"{'':10}-> {_name(group, now_offered)}'s turn"
        offered = now_offered


def _describe(group: Group, fmt: Format, e: Event, session: SessionView) -> str:
    who = _name(group, e.actor)
    member = _name(group, e.member)
    data = e.data
    kind = e.kind
    if kind is _K.OPENED:
        return f"session of {group.name!r} opens: {fmt.title} (agreement v{data.get('agreement')})"
    if kind is _K.ARRIVED:
        late = ""
        if session.phase.id != fmt.initial:
            late = " (late"
            if session.phase.policy.rounds:
                late += f"; joins the end of round {session.floor.round}"
            late += ")"
        visitor = f" as a visiting {data['role']}" if "role" in data else ""
        return f"{member} arrives{visitor}{late}"
    if kind is _K.LEFT:
        during = ""
        if "duration" in data:
            during = f" mid-share after {clock_time(float(data['duration']))}"  # type: ignore[arg-type]
        return f"{member} leaves{during} (removed from the remaining turns)"
    if kind is _K.CONSENTED:
        return f"{member} consents to agreement v{data['version']}"
    if kind is _K.AGREEMENT_AMENDED:
        changes = ", ".join(f"{k}={v}" for k, v in data.items() if k not in ("version", "proposal"))
        how = f"amendment {data['proposal']} is accepted" if "proposal" in data else f"{who} amends"
        return f"{how}: the agreement is v{data['version']} ({changes})"
    if kind is _K.PHASE_ENTERED:
        phase = session.phase
        rounds = f", round {session.floor.round}" if phase.policy.rounds else ""
        skipped = data.get("skipped")
        past = ""
        if isinstance(skipped, tuple):
            past = f"; {who} skips {', '.join(fmt.phases[p].name for p in skipped)}"
        return f"== {phase.name}{rounds} ({phase.policy.name}{past}) =="
    if kind is _K.ROUND_STARTED:
        by_itself = " (starts by itself)" if data.get("automatic") else ""
        return f"== {session.phase.name}, round {data['round']}{by_itself} =="
    if kind is _K.ROUND_CLOSED:
        missed = data.get("not_reached")
        assert isinstance(missed, tuple)
        names = ", ".join(_name(group, m) for m in missed)
        return f"{who} closes the round; not reached: {names or 'nobody'}"
    if kind is _K.TURN_SKIPPED:
        return f"{who} moves the round past {member}"
    if kind is _K.SHARE_STARTED:
        if session.phase.policy.rounds:
            return f"{member} shares (round {session.floor.round})"
        return f"{member} speaks"
    if kind is _K.SHARE_ENDED:
        duration = clock_time(float(data["duration"]))  # type: ignore[arg-type]
        if e.actor is None:
            return f"{member}'s share ends at the hard cap ({duration}; rule '{data['rule']}')"
        by = f" (ended by {who})" if e.actor != e.member else ""
        return f"{member} finishes after {duration}{by}"
    if kind is _K.PASSED:
        return f"{member} passes"
    if kind is _K.INTERJECTED:
        return f"{member} responds to {_name(group, str(data['holder']))} (cross-talk allowed)"
    if kind is _K.CROSS_TALK_BLOCKED:
        return (
            f"{member} tries to interject while {_name(group, str(data['holder']))} shares"
            f" -- blocked by rule '{data['rule']}'"
        )
    if kind is _K.TIME_WARNING:
        return f"time warning for {member} (rule '{data['rule']}')"
    if kind is _K.OVERTIME:
        limit = clock_time(float(data["limit"]))  # type: ignore[arg-type]
        return f"{member} is over the {limit} limit: overtime (rule '{data['rule']}')"
    if kind is _K.PHASE_TIME_UP:
        budget = clock_time(float(data["budget"]))  # type: ignore[arg-type]
        return f"time budget of {fmt.phases[str(data['phase'])].name} ({budget}) is up"
    why = f" (reason: {data['reason']})" if "reason" in data else ""
    if kind is _K.PAUSED:
        return f"{who} pauses the session{why}"
    if kind is _K.RESUMED:
        return f"{who} resumes the session{why}"
    if kind is _K.ENDED:
        return f"{who} ends the session{why}"
    if kind is _K.REFERRED:
        return f"{who} records a referral of {member} to {data['to']}"
    line = queue_line(who, member, e) or practice_line(who, member, e)
    return line or f"{KINDS[kind].summary} ({_details(group, data)})"


def _details(group: Group, data: Mapping[str, object]) -> str:
    """An event's data as ``key=value`` pairs, with display names for lists of ids."""
    parts = []
    for key, value in data.items():
        if isinstance(value, tuple):
            value = ", ".join(_name(group, str(v)) for v in value) or "nobody"
        parts.append(f"{key}={value}")
    return "; ".join(parts)


def fairness_table(group: Group, state: SessionState) -> str:
    """Return a table of shares, passes and speaking time per member.

    Everyone who attended and takes turns is listed, including members who
    never spoke (they count as zeros).

    Args:
        group: The group, for display names.
        state: The session's state (``session.state``).
    """
    attended = [m for m, role in state.roles.items() if role.takes_turns]
    for member in (*state.shares, *state.passes, *state.not_reached):
        if member not in attended:
            attended.append(member)
    total = sum(state.speaking_time.values()) or 1.0
    rows = [
        f"{'member':<10}{'shares':>7}{'passes':>7}{'speaking':>10}{'share of time':>15}"
        f"{'overtime':>10}{'not reached':>13}"
    ]
    for member in attended:
        speaking = state.speaking_time.get(member, 0.0)
        rows.append(
            f"{_name(group, member):<10}{state.shares.get(member, 0):>7}"
            f"{state.passes.get(member, 0):>7}{clock_time(speaking):>10}"
            f"{speaking / total:>15.0%}{clock_time(state.overtime.get(member, 0.0)):>10}"
            f"{state.not_reached.get(member, 0):>13}"
        )
    spoke = sum(1 for m in attended if state.shares.get(m, 0))
    rows.append(
        f"{spoke} of {len(attended)} members shared; "
        f"{state.cross_talk_blocked} cross-talk attempt(s) blocked"
    )
    return "\n".join(rows)


PHASE_COLUMNS = (
    "phase",
    "name",
    "turn policy",
    "budget",
    "share limit",
    "warning",
    "hard cap",
    "cross-talk",
    "counts as sharing",
    "rules",
)
"""Column headings of :func:`phase_table`, in order."""


def _minutes(seconds: float | None, default: str) -> str:
    return default if seconds is None else clock_time(seconds)


def phase_table(fmt: Format) -> list[dict[str, str]]:
    """Describe each phase of ``fmt`` in order, as text, one dict per phase.

    Limits a phase does not set itself come from the group's agreement and read
    ``agreement``; a phase without timed shares reads ``untimed``.

    Args:
        fmt: The format.

    Returns:
        One dict per phase with the keys of :data:`PHASE_COLUMNS`.
    """
    rows = []
    for spec in fmt.phases.values():
        timed = spec.timed
        rows.append(
            {
                "phase": spec.id,
                "name": spec.name,
                "turn policy": spec.policy.name,
                "budget": _minutes(spec.budget, "none"),
                "share limit": _minutes(spec.share_limit, "agreement") if timed else "untimed",
                "warning": (
                    _minutes(spec.warn_at, "agreement" if spec.share_limit is None else "none")
                    if timed
                    else "-"
                ),
                "hard cap": (
                    ("agreement" if spec.hard_cap is None else "yes" if spec.hard_cap else "no")
                    if timed
                    else "-"
                ),
                "cross-talk": "allowed" if spec.cross_talk else "no",
                "counts as sharing": "yes" if spec.sharing else "no",
                "rules": ", ".join(rule.id for rule in spec.rules) or "-",
            }
        )
    return rows


def guard_text(transition: Transition, separator: str = " and ") -> str:
    """A transition's guards as text, e.g. ``round_complete`` or ``not paused``.

    Args:
        transition: The transition.
        separator: What goes between two guards.

    Returns:
        The guards, or ``""`` if the transition has none.
    """
    return separator.join(name if wanted else f"not {name}" for name, wanted in transition.guards)


def _transition(transition: Transition, target: str) -> str:
    conditions = guard_text(transition)
    return f"`{transition.event}` → {target}" + (f" (when {conditions})" if conditions else "")


def _practice(fmt: Format) -> list[str]:
    """What the engine does for this format beyond its chart, one bullet each."""
    lines = []
    if fmt.facilitators > 1:
        lines.append(
            f"- **{fmt.facilitators} facilitators present**: the session moves on and members "
            "take the floor only while that many facilitators (or co-facilitators) are "
            "present (check `facilitators-present`); one alone may still pause or end it."
        )
    agenda = [spec.name for spec in fmt.phases.values() if spec.agenda]
    if agenda:
        lines.append(
            f"- **Agenda items**: in {', '.join(agenda)} members propose items to work on "
            "(`Session.propose_item`); the log records who proposed one, never what it is."
        )
    lines += [
        "- **Skipping an element**: a facilitator may skip to a later phase "
        "(`Session.skip_to`); `phase_entered` lists the phases skipped.",
        "- **Listening**: a member may listen for the session, or be asked to "
        "(`Session.listen`): every right but taking the floor.",
        "- **Firm budgets and size**: the group's agreement may make phase budgets firm "
        "(`phase_cap`: nobody takes the floor once a budget is used up) and set a size "
        "guidance (`size_guidance`: a notice when one more arrives).",
        "- **Ending on time**: opened with its scheduled end, the session gives a "
        "time-to-close notice and shortens later phases when earlier ones overran "
        "(see [Ending on time](../meeting-time.md)).",
    ]
    return lines


def format_page(fmt: Format) -> str:
    """A Markdown page describing ``fmt``: phases, policies, limits, rules and diagram.

    The documentation site generates one such page per built-in format at build
    time, so the page always matches the code.

    Args:
        fmt: The format.

    Returns:
        The page, Markdown with a ``mermaid`` state diagram.
    """
    lines = [
        f"# {fmt.title or fmt.name}",
        "",
        f"`{fmt.name}` — {fmt.description}".rstrip(" —"),
        "",
        f"Needs at least {fmt.facilitators} facilitator{'s' if fmt.facilitators > 1 else ''}"
        f" present; starts in **{fmt.phases[fmt.initial].name}**. Always on:"
        " one-share-per-round (in round phases), right-to-pass, no-cross-talk (unless the"
        " phase allows it and the agreement does) and share-time-limit; see"
        " [Concepts](../concepts.md).",
        "",
        "## State diagram",
        "",
        "Generated from the format's chart with `Format.mermaid()`"
        f" (`peersupport diagram {fmt.name}`).",
        "",
        "```mermaid",
        fmt.mermaid().rstrip(),
        "```",
        "",
        "## Phases",
        "",
        "| " + " | ".join(PHASE_COLUMNS) + " |",
        "|" + "---|" * len(PHASE_COLUMNS),
    ]
    for row in phase_table(fmt):
        cells = [f"`{row['phase']}`", *(row[c] for c in PHASE_COLUMNS[1:])]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "## Transitions", ""]
    for spec in fmt.phases.values():
        for t in spec.transitions:
            target = fmt.phases[t.target].name
            lines.append(f"- **{spec.name}**: {_transition(t, target)}")
    lines += ["", "## In practice", "", *_practice(fmt), "", "## Turn policies used", ""]
    seen: dict[str, str] = {}
    for spec in fmt.phases.values():
        seen.setdefault(spec.policy.name, spec.policy.description)
    lines += [f"- `{name}`: {text}" for name, text in seen.items()]
    return "\n".join(lines) + "\n"
