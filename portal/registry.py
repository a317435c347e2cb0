"""Small registries through which the apps plug into the portal without the portal importing them.

- `me_sections`: blocks of the 我的 page (my courses, exams, certificates, drills). An app registers
  a template and a function returning that block's context for the request.
- `schedules`: django-q2 schedules the app needs; created or updated after every migrate.
- `seeders`: functions that add an app's demo data; seed_demo runs them in order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class MeSection:
    key: str
    title: str
    template: str
    get_context: Callable[[Any], dict]
    order: int = 100


@dataclass(frozen=True)
class ScheduleSpec:
    name: str
    func: str
    minutes: int
    kwargs: str = ""


@dataclass(frozen=True)
class Seeder:
    name: str
    func: Callable[..., None]
    order: int = 100


me_sections: dict[str, MeSection] = {}
schedules: dict[str, ScheduleSpec] = {}
seeders: dict[str, Seeder] = {}


def register_me_section(section: MeSection) -> None:
    me_sections[section.key] = section


def register_schedule(spec: ScheduleSpec) -> None:
    schedules[spec.name] = spec


def register_seeder(seeder: Seeder) -> None:
    seeders[seeder.name] = seeder


# Permissions each role group gets ("app_label.codename"); apps add theirs in AppConfig.ready().
# portal.roles.sync_role_groups applies them after every migrate.
role_permissions: dict[str, set[str]] = {}


def grant(role: str, *perms: str) -> None:
    role_permissions.setdefault(role, set()).update(perms)
