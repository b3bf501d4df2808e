"""The plan in plain words: actions, purposes, rules and money as an HR director reads them.

The tables speak in codes (``tier:high``, ``vip_center.certified``, ``redeploy:counter``); the
report and the web page speak in sentences. One place turns the codes into words, so the HTML
report, the command line and the service say the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

#: units, as people say them
UNIT_WORDS = {
    "outlet": "outlet",
    "vip_center": "VIP centre",
    "wealth_center": "wealth centre",
    "marketing": "marketing department",
}
#: tiers and bands of the default policy, as people say them (other names are shown as they are)
TIER_WORDS = {
    "private": "private-banking customers",
    "high": "high-end customers",
    "mid": "mid-tier customers",
    "key10m": "key accounts of 10M+",
    "key3m": "key accounts of 3M+",
    "hq": "head-office list customers",
    "province": "province list customers",
    "city": "city list customers",
    "subbranch": "other corporate customers",
}
#: staffing rules (the checks' row names), as people say them
RULE_WORDS = {
    "rm_share": "RMs at least 20 % of the branch's staff",
    "wealth_center.staff": "the wealth centre's 8 managers",
    "wealth_center.certified": "every wealth-centre manager qualified",
    "vip_center.staff": "the VIP centre's 15 staff",
    "vip_center.marketing_manager": "the VIP centre's marketing managers",
    "vip_center.wealth_manager": "the VIP centre's wealth managers",
    "vip_center.certified": "the VIP centre's AFP/CFP holders",
    "corporate_outlet": "a corporate RM at a busy outlet",
    "lobby_manager": "a lobby manager at every outlet",
    "assistants": "one RM assistant per 6 RMs",
}
ROLE_WORDS = {
    "rm": "RM",
    "marketing_manager": "marketing manager",
    "wealth_manager": "wealth manager",
    "lobby_manager": "lobby manager",
    "assistant_post": "RM assistant",
    "counter": "counter clerk",
    "back_office": "back-office clerk",
    "other": "staff member",
}


def money(amount: float) -> str:
    """``¥1.25M`` above a million, ``¥45,000`` below."""
    if abs(amount) >= 1e6:
        return f"¥{amount / 1e6:,.2f}M"
    return f"¥{amount:,.0f}"


def plural(n: int, word: str) -> str:
    """``1 RM``, ``2 RMs``; ``1 staff member``, ``3 staff members``."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def tier_words(tier: str) -> str:
    return TIER_WORDS.get(tier, f"{tier} customers")


def purpose_words(rule: str) -> str:
    """A ``rule`` cell as a phrase: ``for high-end customers; for the VIP centre's 15 staff``."""
    parts = []
    for item in (i.strip() for i in str(rule).split(";") if i.strip()):
        kind, _, name = item.partition(":")
        if kind == "tier":
            parts.append(tier_words(name))
        elif kind == "rule":
            parts.append(RULE_WORDS.get(name, name))
    return "for " + "; ".join(parts) if parts else "for no stated purpose"


def person_words(row: Mapping[Any, Any]) -> str:
    """Who: ``retail RM (rm grade, AFP)``, ``lobby manager``."""
    role = str(row.get("role") or "rm")
    if role != "rm":
        certs = f" ({row['certifications']})" if row.get("certifications") else ""
        return ROLE_WORDS.get(role, role) + certs
    extra = [f"{row['grade']} grade"] if row.get("grade") else []
    if row.get("certifications"):
        extra.append(str(row["certifications"]).replace(";", "+"))
    return f"{row.get('line') or ''} RM ({', '.join(extra)})".strip()


def where_words(row: Mapping[Any, Any]) -> str:
    unit = UNIT_WORDS.get(str(row.get("unit") or ""), str(row.get("unit") or ""))
    return f"the {unit} at {row['branch_id']}" if unit else str(row["branch_id"])


def action_words(row: Mapping[Any, Any]) -> str:
    """One hires.csv row as a sentence's main clause."""
    n = int(str(row.get("count") or 1))
    action, source = str(row["action"]), str(row.get("source") or "")
    if action == "hire" and source in ROLE_WORDS:
        was = plural(n, ROLE_WORDS[source])
        return f"Retrain {was} at {row['branch_id']} as {person_words(row)} in {where_words(row)}"
    if action == "hire":
        return f"Hire {n} × {person_words(row)} for {where_words(row)}"
    if action == "certify":
        who = (
            f"RM {row['rm_id']}"
            if row.get("rm_id")
            else plural(n, ROLE_WORDS.get(str(row.get("role")), "person"))
        )
        return f"Certify {who} in {where_words(row)} for {row['certifications']}"
    held = [f"{row.get('grade')} grade"] + (
        [str(row["certifications"]).replace(";", "+")] if row.get("certifications") else []
    )
    return (
        f"Move {row.get('line')} RM {row['rm_id']} ({', '.join(held)}) from {source} "
        f"to {where_words(row)}"
    )


def headline(actions: pd.DataFrame, targets: Mapping[str, float]) -> str:
    """The plan in one sentence: what it takes, what it costs, when it is done."""
    goal = ", ".join(f"{share:.0%} of {tier_words(t)}" for t, share in targets.items())
    if actions.empty:
        return f"To serve {goal}, the bank needs no change: today's staff suffice."
    hires = actions[actions["action"] == "hire"]
    redeployed = int(hires.loc[hires["source"].isin(["counter", "back_office"]), "count"].sum())
    new = int(hires["count"].sum()) - redeployed
    certified = int(actions.loc[actions["action"] == "certify", "count"].sum())
    moved = int(actions.loc[actions["action"] == "transfer", "count"].sum())
    parts = []
    if new:
        parts.append(f"hiring {plural(new, 'person')}".replace("persons", "people"))
    if redeployed:
        parts.append(f"retraining {redeployed} counter or back-office staff as RMs or assistants")
    if certified:
        parts.append(f"certifying {plural(certified, 'person')}".replace("persons", "people"))
    if moved:
        parts.append(f"moving {plural(moved, 'RM')} between branches")
    cost = money(float(actions["annual_cost"].sum()))
    lead = int(actions["lead_quarters"].max())
    when = "at once" if lead == 0 else f"within {plural(lead, 'quarter')}"
    return (
        f"To serve {goal}, the plan takes {', '.join(parts)}. "
        f"First-year cost: {cost}; everything is in place {when}."
    )
