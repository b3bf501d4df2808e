"""The roster's contract v1.1 rows and columns: executives, N+1 assistants, composite RMs,
designated VIP centres.

Why these: the coverage model (``coverage.*`` of the policy) is only exercised by a bank that
has the people it names. DOMAIN.md says who they are -- a sub-branch's deputy head and head, the
city branch's head (they co-cover retail customers from 1M, 2M and 5M of assets), the N+1 RM
assistant who supports the RMs of a seat with heavy paperwork and serves nobody, the RMs of
first-level and county sub-branches who market both lines, the VIP centres designated to serve
private-banking customers. Each is added after today's book is drawn, from its own random
stream, so switching one on leaves the rest of the bank as it was.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from allocator.contract import LINES, parse_certifications
from allocator.synth.branches import Tree
from allocator.synth.config import GeneratorConfig
from allocator.synth.draws import draw_in, pick_by_probability
from allocator.synth.needs import PolicyView
from allocator.synth.roles import CORP_OUTLET, RETAIL_OUTLET
from allocator.synth.staffing import Staff

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

#: executive posts: (position, branch level it sits at, unit, grade mix); practice: sub-branch
#: leaders are senior staff, the city branch's head a chief
EXECUTIVE_POSTS: tuple[tuple[str, str, str, dict[str, float]], ...] = (
    (
        "subbranch_deputy_head",
        "subbranch",
        "outlet",
        {"intermediate": 0.2, "senior": 0.7, "chief": 0.1},
    ),
    ("subbranch_head", "subbranch", "outlet", {"senior": 0.6, "chief": 0.4}),
    ("city_head", "city", "marketing", {"senior": 0.2, "chief": 0.8}),
)
#: certifications of executives (a few came up through the wealth business)
EXECUTIVE_CERTS: dict[str, float] = {"": 0.55, "AFP": 0.3, "CFP": 0.15}


def executives(
    tree: Tree, view: PolicyView, cfg: GeneratorConfig, rng: np.random.Generator
) -> pd.DataFrame:
    """Executive rows (no ``rm_id`` yet), in tree order: per sub-branch
    ``deputy_heads_per_subbranch`` deputy heads and a head, per city a head, less the vacant
    posts; each co-covers up to ``co_cover_capacity`` customers (the cell empty for some: the
    policy's default)."""
    pol = view.policy
    frames = []
    for position, level, unit, grades in EXECUTIVE_POSTS:
        at = tree.of_level(pol.level_rank(level))
        per = np.ones(at.size, dtype=np.int64)
        if position == "subbranch_deputy_head":
            lo, hi = cfg.deputy_heads_per_subbranch
            per = rng.integers(lo, hi + 1, size=at.size)
        branch = np.repeat(at, per)
        branch = branch[rng.random(branch.size) >= cfg.executive_vacancy_share]
        n = branch.size
        lo_c, hi_c = cfg.co_cover_capacity
        cap = np.round(rng.uniform(lo_c, hi_c, n))
        cap[rng.random(n) >= cfg.co_cover_capacity_given_share] = np.nan
        frames.append(
            pd.DataFrame(
                {
                    "branch": branch,
                    "line": "retail",
                    "grade": pick_by_probability(grades, n, rng, pol.grades),
                    "certifications": pick_by_probability(EXECUTIVE_CERTS, n, rng),
                    "unit": unit,
                    "position": position,
                    "co_cover_capacity": cap,
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values("branch", kind="stable").reset_index(drop=True)


def assistant_posts(
    frame: pd.DataFrame, seat: Ints, cfg: GeneratorConfig, rng: np.random.Generator
) -> pd.DataFrame:
    """N+1 assistant rows (no ``rm_id`` yet): for ``assistant_post_seat_share`` of the seats
    (branch and unit) with active RMs, one post per ``assistant_post_every`` RMs there. The post
    takes the seat's line (corporate when any of its RMs is: credit files are the paperwork)."""
    every = cfg.assistant_post_every
    columns = ["branch", "line", "grade", "certifications", "unit", "position"]
    if every <= 0 or frame.empty:
        return pd.DataFrame(columns=columns)
    active = frame["active"].to_numpy(dtype=bool)
    seats = pd.DataFrame(
        {
            "branch": seat[active],
            "unit": frame["unit"].to_numpy(dtype=object)[active],
            "corporate": frame["line"].to_numpy(dtype=object)[active] == "corporate",
        }
    )
    per = seats.groupby(["branch", "unit"], sort=True).agg(
        rms=("corporate", "size"), corporate=("corporate", "any")
    )
    heavy = rng.random(len(per)) < cfg.assistant_post_seat_share
    count = np.where(heavy, per["rms"].to_numpy() // every, 0)
    keys = per.index.to_frame(index=False)
    return pd.DataFrame(
        {
            "branch": np.repeat(keys["branch"].to_numpy(), count),
            "line": np.repeat(np.where(per["corporate"], "corporate", "retail"), count),
            "grade": "assistant",
            "certifications": "",
            "unit": np.repeat(keys["unit"].to_numpy(), count),
            "position": "assistant_post",
        },
        columns=columns,
    )


def composite_rms(
    staff: Staff,
    capacity: Floats,
    tree: Tree,
    view: PolicyView,
    cfg: GeneratorConfig,
    rng: np.random.Generator,
) -> tuple[npt.NDArray[np.object_], Floats]:
    """The RMs' ``line`` and ``capacity`` columns with composite RMs: at the
    ``composite_subbranch_share`` of the branches of a composite level (first-level and county
    sub-branches) drawn as such, a share (``composite_rm_share``) of the outlet RMs sitting
    there serve both lines. A composite RM keeps its capacity (made explicit: the default of
    ``both`` is another figure) and its book."""
    pol = view.policy
    line = staff.frame["line"].to_numpy(dtype=object).copy()
    capacity = capacity.copy()
    if cfg.composite_subbranch_share <= 0:
        return line, capacity
    levels = [pol.level_rank(lv) for lv in pol.coverage.composite_levels]
    at = np.flatnonzero(np.isin(tree.level, levels))
    county = at[rng.random(at.size) < cfg.composite_subbranch_share]
    share = draw_in(rng, cfg.composite_rm_share)
    outlet_role = np.isin(staff.role, [RETAIL_OUTLET, CORP_OUTLET])
    pick = outlet_role & np.isin(staff.seat, county) & (rng.random(line.size) < share)
    default = np.array([pol.default_capacity[x] for x in LINES])  # type: ignore[index]
    own = default[np.array([LINES.index(str(x)) for x in line[pick]], dtype=np.int64)]
    capacity[pick] = np.where(np.isnan(capacity[pick]), own, capacity[pick])
    line[pick] = "both"
    return line, capacity


def designated_centres(
    frame: pd.DataFrame, cfg: GeneratorConfig, rng: np.random.Generator
) -> Bools:
    """The ``designated_private`` column: every RM of the ``designated_vip_share`` of the VIP
    centres that hold a CFP RM (a centre is a branch's ``vip_center`` unit)."""
    out = np.zeros(len(frame), dtype=bool)
    if cfg.designated_vip_share <= 0:
        return out
    vip = np.flatnonzero(frame["unit"].to_numpy(dtype=object) == "vip_center")
    certs = frame["certifications"].to_numpy(dtype=object)[vip]
    cfp = np.array(["CFP" in parse_certifications(c) for c in certs], dtype=bool)
    branch = frame["branch_id"].to_numpy(dtype=object)[vip]
    centres = np.unique(branch[cfp]) if cfp.any() else np.zeros(0, dtype=object)
    chosen = centres[rng.random(centres.size) < cfg.designated_vip_share]
    out[vip[np.isin(branch, chosen)]] = True
    return out
