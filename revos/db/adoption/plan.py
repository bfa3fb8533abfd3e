"""What adoption found and will do: its options, problems and plan (the report)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ARCHIVE = "revos_adopted"
# in dependency order: parents first
DOCUMENTED = (
    "users",
    "cartridges",
    "campaigns",
    "leads",
    "messages",
    "lead_magnets",
    "posts",
    "apollo_usage",
    "embeddings",
    "lead_magnet_embeddings",
)
# a lead's owner is its campaign's; a message's, its lead's


class AdoptionError(RuntimeError):
    """Adoption cannot run; the message says which step and why."""


@dataclass(frozen=True)
class Options:
    timezone: str = "UTC"
    map_unknown: dict[str, str] = field(default_factory=dict)  # "leads.status" -> "scraped"
    set_aside_orphans: bool = False


@dataclass
class Problem:
    """Rows that would break a constraint of our schema, and what resolves it."""

    table: str
    constraint: str
    rows: int
    sample: list[str]
    fix: str

    def line(self) -> str:
        ids = ", ".join(self.sample)
        return (
            f"{self.table}: {self.rows:,} row(s) break {self.constraint} (e.g. {ids}). {self.fix}"
        )


@dataclass
class Plan:
    state: str  # "empty", "managed", "documented" or "unknown"
    changes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    set_aside: dict[str, list[str]] = field(default_factory=dict)
    mapped: dict[str, int] = field(default_factory=dict)
    replaced_policies: list[dict[str, Any]] = field(default_factory=list)

    @property
    def safe(self) -> bool:
        return self.state in ("empty", "managed") or (
            self.state == "documented" and not self.problems
        )

    def report(self) -> str:
        lines = [_STATES[self.state]]
        if self.changes:
            lines += ["", "Adoption will:"] + [f"  - {c}" for c in self.changes]
        if self.notes:
            lines += ["", "Notes:"] + [f"  - {n}" for n in self.notes]
        if self.problems:
            lines += ["", "Adoption is refused until these are resolved:"]
            lines += [f"  - {p.line()}" for p in self.problems]
        return "\n".join(lines)


_STATES = {
    "empty": "The database is empty: `revos db migrate` creates the schema.",
    "managed": "The database is already managed by revos: `revos db migrate` applies what is new.",
    "documented": "A RevOS database in the documented schema: it can be adopted.",
    "unknown": "The database has tables in `public` that are not the documented RevOS schema.",
}
