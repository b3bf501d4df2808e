"""The roles the generator staffs, and which role serves which need.

Why roles: a bank does not hire "an RM", it staffs outlets, VIP and wealth centres and marketing
departments, each with its own grade and certification mix. A need's role decides where its RM
sits (a private customer's RM in the city's wealth centre, a city-list firm's in the city's
marketing department), which is what makes the generated RMs, their seats and their faults look
like a real bank's. The figures are practice ones (DOMAIN.md).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from allocator.synth.branches import Tree
from allocator.synth.needs import CORPORATE, RETAIL, Needs, PolicyView

Ints = npt.NDArray[np.int64]

# Roles the generator staffs. Each serves a kind of need; a need's role decides where its RMs sit.
RETAIL_OUTLET, VIP, WEALTH, CORP_OUTLET, CORP_CITY, CORP_PROVINCE, DEDICATED = range(7)
#: per role: its name, the line it serves and the unit it works in (contract.UNITS names)
ROLES: tuple[tuple[str, int, str], ...] = (
    ("retail_outlet", RETAIL, "outlet"),
    ("vip", RETAIL, "vip_center"),
    ("wealth", RETAIL, "wealth_center"),
    ("corp_outlet", CORPORATE, "outlet"),
    ("corp_city", CORPORATE, "marketing"),
    ("corp_province", CORPORATE, "marketing"),
    ("dedicated", CORPORATE, "marketing"),
)
ROLE_NAMES: tuple[str, ...] = tuple(name for name, _, _ in ROLES)
#: line code (position in contract.LINES) of each role
ROLE_LINE: Ints = np.array([line for _, line, _ in ROLES], dtype=np.int64)
#: unit of each role; a dedicated RM below city level works at an outlet instead
ROLE_UNIT: npt.NDArray[np.object_] = np.array([unit for _, _, unit in ROLES], dtype=object)

#: grade mix per role (practice: centres and marketing departments hold the senior staff)
GRADE_MIX: dict[str, dict[str, float]] = {
    "retail_outlet": {
        "assistant": 0.20,
        "rm": 0.50,
        "intermediate": 0.22,
        "senior": 0.07,
        "chief": 0.01,
    },
    "vip": {"assistant": 0.10, "rm": 0.45, "intermediate": 0.30, "senior": 0.13, "chief": 0.02},
    "wealth": {"assistant": 0.02, "rm": 0.30, "intermediate": 0.38, "senior": 0.25, "chief": 0.05},
    "corp_outlet": {
        "assistant": 0.25,
        "rm": 0.50,
        "intermediate": 0.18,
        "senior": 0.06,
        "chief": 0.01,
    },
    "corp_city": {
        "assistant": 0.08,
        "rm": 0.37,
        "intermediate": 0.32,
        "senior": 0.19,
        "chief": 0.04,
    },
    "corp_province": {
        "assistant": 0.02,
        "rm": 0.20,
        "intermediate": 0.40,
        "senior": 0.30,
        "chief": 0.08,
    },
}
#: certification mix per role (staffing rules: VIP centres mostly AFP, wealth centres all AFP or
#: CFP and mostly CFP; CFP implies AFP, so "AFP;CPB" and "CFP;CPB" are the CPB holders)
CERT_MIX: dict[str, dict[str, float]] = {
    "retail_outlet": {"": 0.62, "AFP": 0.30, "CFP": 0.05, "AFP;CPB": 0.03},
    "vip": {"AFP": 0.74, "CFP": 0.16, "CFP;CPB": 0.04, "": 0.06},
    "wealth": {"CFP": 0.70, "CFP;CPB": 0.15, "AFP": 0.15},
    "corp_outlet": {"": 0.92, "AFP": 0.08},
    "corp_city": {"": 0.90, "AFP": 0.08, "CPB": 0.02},
    "corp_province": {"": 0.88, "AFP": 0.08, "CPB": 0.04},
    "dedicated": {"": 0.90, "AFP": 0.06, "CPB": 0.04},
}
#: a dedicated RM's grade against what its key customer needs: a step short, as needed, above
DEDICATED_GRADE_STEP: dict[int, float] = {-1: 0.10, 0: 0.72, 1: 0.18}
#: explicit capacities, as multiples of the line's default (part-timers .. stars)
CAPACITY_FACTORS: dict[float, float] = {0.5: 0.25, 0.8: 0.35, 1.2: 0.30, 1.5: 0.10}


def role_of(needs: Needs, scope: Ints, tree: Tree, view: PolicyView) -> tuple[Ints, Ints]:
    """The role that serves each need, and the branch where an RM of that role sits.

    Retail: CFP needed -> wealth centre; no outlet allowed -> VIP centre (both at the city); else
    outlet RMs at the customer's branch. Corporate: by the higher of the level required and the
    level of ``scope`` (a group spread over a city needs a city RM): province or city marketing,
    else the outlet/sub-branch itself. One-to-one needs are ``DEDICATED``, sitting where a shared
    RM of their level would.
    """
    pol = view.policy
    city_r, prov_r = pol.level_rank("city"), pol.level_rank("province")
    cfp = view.cert_bits.get("CFP", 0)
    outlet_bit = view.unit_bits["outlet"]
    scope_level = np.where(scope >= 0, tree.level[np.maximum(scope, 0)], -1)
    level = np.maximum(needs.level, scope_level)
    retail_role = np.where(
        (needs.certs & cfp) != 0,
        WEALTH,
        np.where((needs.units & outlet_bit) == 0, VIP, RETAIL_OUTLET),
    )
    corp_role = np.where(
        level >= prov_r, CORP_PROVINCE, np.where(level >= city_r, CORP_CITY, CORP_OUTLET)
    )
    role = np.where(needs.line == RETAIL, retail_role, corp_role).astype(np.int64)
    sit = scope.copy()
    at_city = np.isin(role, [VIP, WEALTH, CORP_CITY])
    sit[at_city] = tree.ancestor_at(scope[at_city], city_r)
    at_prov = role == CORP_PROVINCE
    sit[at_prov] = tree.ancestor_at(scope[at_prov], prov_r)
    role[needs.one_to_one] = DEDICATED
    return role, sit
