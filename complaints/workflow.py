"""The case workflow, written once as data.

Each action moves a complaint from one of its ``sources`` stages to ``target``
(``None`` means 'back to the stage it was paused at') and may be taken by the
roles listed. Adding a step (say, a review stage after the 2025 reform) is a
new Stage and a new row here.
"""

from __future__ import annotations

from dataclasses import dataclass

from council.roles import Role

from .models import OPEN_STAGES, Stage

OFFICERS = frozenset({Role.MONITORING_OFFICER, Role.DEPUTY_MONITORING_OFFICER})
COMPLAINANT = "complainant"  # the person who complained, through their private link


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    sources: frozenset[str]
    target: str | None
    actors: frozenset[str] = OFFICERS
    needs_reason: bool = False
    needs_ip_view: bool = False  # the Localism Act requires the IP's view before deciding an investigated case
    tells_complainant: bool = True
    tells_councillor: bool = False


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in [
        Action("acknowledge", "Acknowledge receipt", frozenset({Stage.RECEIVED}), Stage.ACKNOWLEDGED),
        Action(
            "start_assessment",
            "Start the initial assessment",
            frozenset({Stage.ACKNOWLEDGED}),
            Stage.ASSESSMENT,
            tells_councillor=True,
        ),
        Action(
            "request_information",
            "Ask a party for information (pauses the clock)",
            frozenset({Stage.ACKNOWLEDGED, Stage.ASSESSMENT, Stage.INVESTIGATION}),
            Stage.AWAITING_INFORMATION,
            needs_reason=True,
        ),
        Action(
            "information_received",
            "Information received (restarts the clock)",
            frozenset({Stage.AWAITING_INFORMATION}),
            None,
        ),
        Action(
            "no_further_action",
            "Decide: no further action",
            frozenset({Stage.ASSESSMENT}),
            Stage.NO_FURTHER_ACTION,
            needs_reason=True,
            tells_councillor=True,
        ),
        Action(
            "informal_resolution",
            "Decide: informal resolution",
            frozenset({Stage.ASSESSMENT}),
            Stage.INFORMAL_RESOLUTION,
            needs_reason=True,
            tells_councillor=True,
        ),
        Action(
            "refer_for_investigation",
            "Refer for investigation",
            frozenset({Stage.ASSESSMENT}),
            Stage.INVESTIGATION,
            needs_reason=True,
            tells_councillor=True,
        ),
        Action(
            "refer_to_hearing",
            "Refer to the Hearings Sub-Committee",
            frozenset({Stage.INVESTIGATION}),
            Stage.HEARING,
            needs_reason=True,
            tells_councillor=True,
        ),
        Action(
            "record_decision",
            "Record the decision",
            frozenset({Stage.INVESTIGATION, Stage.HEARING}),
            Stage.DECISION,
            needs_ip_view=True,
            tells_councillor=True,
        ),
        Action(
            "close",
            "Close the case",
            frozenset({Stage.NO_FURTHER_ACTION, Stage.INFORMAL_RESOLUTION, Stage.DECISION}),
            Stage.CLOSED,
            tells_councillor=True,
        ),
        Action(
            "withdraw",
            "Withdraw the complaint",
            frozenset(OPEN_STAGES) - {Stage.DECISION},
            Stage.WITHDRAWN,
            actors=OFFICERS | {COMPLAINANT},
            needs_reason=True,
            tells_councillor=True,
        ),
    ]
}


def available_actions(stage: str, actor_kinds: frozenset[str] | set[str]) -> list[Action]:
    """The actions open to someone holding ``actor_kinds`` (roles, or COMPLAINANT) at ``stage``."""
    return [a for a in ACTIONS.values() if stage in a.sources and a.actors & set(actor_kinds)]


# Which working-day deadline runs in each stage: (setting name, counted from).
DEADLINES: dict[str, tuple[str, str]] = {
    Stage.RECEIVED: ("COMPLAINTS_ACKNOWLEDGE_WITHIN", "received_at"),
    Stage.ACKNOWLEDGED: ("COMPLAINTS_ASSESS_WITHIN", "received_at"),
    Stage.ASSESSMENT: ("COMPLAINTS_ASSESS_WITHIN", "received_at"),
    Stage.INVESTIGATION: ("COMPLAINTS_INVESTIGATE_WITHIN", "assessed_at"),
    Stage.DECISION: ("COMPLAINTS_DECISION_NOTICE_WITHIN", "decided_at"),
}
DEADLINE_LABELS = {
    "COMPLAINTS_ACKNOWLEDGE_WITHIN": "Acknowledgement",
    "COMPLAINTS_ASSESS_WITHIN": "Initial assessment",
    "COMPLAINTS_INVESTIGATE_WITHIN": "Investigation report",
    "COMPLAINTS_DECISION_NOTICE_WITHIN": "Decision notice",
}
