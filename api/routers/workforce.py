"""The workforce routes in one router: ``/v1/headcount``, ``/v1/sweeps`` and the HR screen
(``/hr``), so the application registers them with one line."""

from __future__ import annotations

from fastapi import APIRouter

from api.routers import headcount, hr, sweeps

router = APIRouter()
for module in (headcount, sweeps, hr):
    router.include_router(module.router)
