"""Administration screens (supervisors and admins): brands, accounts, teams, agents, calendar, SLA policies,
automatic-acknowledgement and routing rules, triage settings and platform apps.

Every page is scoped to one of the agent's brands (``?brand=ID``, another brand is 404); every change goes
through the existing action (``actions.admin``, ``actions.sla``, ``actions.acknowledgements``,
``actions.routing``, ``web.ui.people``) with ``actor=agent:<id>`` so that it lands in the audit log. Invalid
input re-renders the page with status 400/409, a translated message and nothing written. Secrets (access
tokens, app secrets, callback secrets) are never displayed.

Modules: ``forms`` (reading form values), ``reading`` (what each page shows), ``screen`` (rendering, the one
way a form changes something), and one module of routes per subject.
"""

from __future__ import annotations

from fastapi import APIRouter

from comptoir.web.ui.admin import accounts, agents, apps, pages, rules, service_levels, triage

router = APIRouter(include_in_schema=False)
for _module in (pages, accounts, agents, service_levels, rules, apps, triage):
    router.include_router(_module.router)
