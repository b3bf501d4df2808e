"""What each decision does to the roster: signed rows of people, per unit of the decision.

A hire adds a person; a redeployment adds an RM (or assistant) and takes a counter or
back-office person away; a certification replaces a person by the same person certified; a
transfer takes an RM from one branch and adds it at another. Written as roster rows with a signed
``count`` and the decision's index, the staffing rules (counts over the roster) become linear in
the decisions: :mod:`scenarios.headcount.constraints` sums these rows per rule.
"""

from __future__ import annotations

import pandas as pd

from scenarios.headcount.options import Catalogue
from scenarios.headcount.roster import ROSTER_COLUMNS, Roster, main_group, with_center_role
from scenarios.headcount.rules import StaffingRules

#: columns of the effects table: the decision, then a roster row (``count``: the signed change)
EFFECT_COLUMNS: tuple[str, ...] = ("decision", *ROSTER_COLUMNS)


def decision_effects(cat: Catalogue, roster: Roster, rules: StaffingRules) -> pd.DataFrame:
    """One or two signed roster rows per decision (see the module docstring), with
    ``center_role`` as the rules count it."""
    rows: list[tuple[object, ...]] = []
    groups = cat.groups
    for d, x in enumerate(cat.decisions.itertuples(index=False)):
        after = (x.branch_id, x.unit, x.role, x.line, x.grade, x.certifications, 1, "")
        rows.append((d, *after))
        if x.kind == "redeploy":
            unit, certs, _ = main_group(roster, str(x.branch_id), str(x.source))
            rows.append((d, x.branch_id, unit, x.source, "", "", certs, -1, ""))
        elif x.kind in ("certify_rm", "transfer"):
            g = groups.iloc[int(str(x.group))]
            rows.append(
                (
                    d,
                    g["branch_id"],
                    g["unit"],
                    "rm",
                    g["line"],
                    g["grade"],
                    g["certifications"],
                    -1,
                    "",
                )
            )
        elif x.kind == "certify_staff":
            rows.append((d, x.branch_id, x.unit, x.role, "", "", "", -1, ""))
    frame = pd.DataFrame(rows, columns=list(EFFECT_COLUMNS))
    return with_center_role(frame, rules)
