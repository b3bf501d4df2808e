"""``rmalloc generate``: write a realistic synthetic bank (contract v1 files) from a seed.

Synthetic banks let anyone try, test and benchmark the allocator without real customer data;
``--preset v1.1`` and ``--preset harsh`` (``--harsh``) add the contract v1.1 columns and a harder
bank (:data:`allocator.synth.PRESETS`). The summary printed is counts only (tiers, RM roles,
faults of today's book, v1.1 features), never a customer row.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

#: above this many customers generation takes long enough to deserve a progress bar
PROGRESS_ABOVE = 100_000


#: the line of ``generate`` in ``rmalloc --help``
HELP = "write a synthetic bank (customers, RMs, branches) from a seed"
#: the head of ``rmalloc generate --help``
DESCRIPTION = (
    "Generate a realistic, deterministic bank -- branch tree, RMs counted from service "
    "capacity, customers with realistic tier shares, today's book with real faults -- "
    "and write branches, rms and customers files (contract v1; v1.1 columns with "
    "--preset v1.1 or --preset harsh)."
)


def register(p: argparse.ArgumentParser) -> None:
    """Add the arguments of ``generate`` to ``p``, the parser ``rmalloc.cli`` made from HELP."""
    p.add_argument("out_dir", metavar="OUT_DIR", type=Path, help="directory to write into")
    p.add_argument(
        "--customers", type=_positive_int, required=True, metavar="N", help="number of customers"
    )
    p.add_argument(
        "--seed", type=_seed, required=True, metavar="S", help="random seed (same seed, same bank)"
    )
    p.add_argument(
        "--rms",
        type=_positive_int,
        metavar="M",
        help="number of RMs (default: counted from service capacity)",
    )
    p.add_argument(
        "--format", choices=("csv", "parquet"), default="csv", help="file format (default csv)"
    )
    p.add_argument(
        "--tightness",
        type=_positive_float,
        default=1.0,
        metavar="T",
        help="demand over planned RM supply: 2 halves the RMs, 0.5 doubles them (default 1)",
    )
    p.add_argument(
        "--preset",
        choices=("default", "v1.1", "harsh"),
        default="default",
        help=(
            "generator settings: default (contract v1 columns only), v1.1 (executives, N+1 "
            "assistants, composite RMs, designated VIP centres, last quarter's tiers, deposits, "
            "complaints) or harsh (v1.1 plus leavers missing from the roster, capacity below "
            "demand, many key accounts, dedicated RMs serving others, groups across cities)"
        ),
    )
    p.add_argument("--harsh", action="store_true", help="the same as --preset harsh")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from allocator.synth import PRESETS, STAGES, describe_bank, generate_bank, write_bank

    config = PRESETS["harsh" if args.harsh else args.preset]()
    started = time.perf_counter()
    with _progress(len(STAGES) + 1, enabled=args.customers > PROGRESS_ABOVE) as step:
        bank = generate_bank(
            args.customers,
            args.seed,
            n_rms=args.rms,
            tightness=args.tightness,
            config=config,
            progress=step,
        )
        step("write")
        paths = write_bank(bank, args.out_dir, args.format)
    summary = describe_bank(bank, components=False)
    print(_summary_text(summary, paths, time.perf_counter() - started))
    return 0


# -- argument types ------------------------------------------------------------------------------
def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _seed(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text}")
    return value


# -- output --------------------------------------------------------------------------------------
@contextmanager
def _progress(total: int, *, enabled: bool) -> Iterator[Callable[[str], None]]:
    """A stage callback that advances a tqdm bar on stderr (a no-op when not ``enabled``)."""
    if not enabled:
        yield lambda stage: None
        return
    from tqdm import tqdm

    # disable=None: no bar when stderr is not a terminal (a log file wants no carriage returns)
    with tqdm(
        total=total, desc="generate", unit="stage", file=sys.stderr, leave=False, disable=None
    ) as bar:
        seen: list[str] = []

        def step(stage: str) -> None:
            if seen:
                bar.update(1)
            seen.append(stage)
            bar.set_postfix_str(stage)

        yield step
        bar.update(1)


def _counts(items: Mapping[str, int]) -> str:
    return ", ".join(f"{k} {v:,}" for k, v in items.items() if v)


def _summary_text(summary: Mapping[str, Any], paths: Mapping[str, Path], seconds: float) -> str:
    book = summary["book"]
    lines = [
        f"wrote {', '.join(str(p) for p in paths.values())} in {seconds:.1f}s",
        f"branches  {summary['branches']:,}: {_counts(summary['branch_levels'])}",
        f"customers {summary['customers']:,}: {_counts(summary['tiers'])}",
        f"rms       {summary['rms']:,}: {_counts(summary['rm_roles'])}; "
        f"inactive {summary['rms_inactive']:,}, explicit capacity "
        f"{summary['rms_explicit_capacity']:,}",
        f"book      with RM {book['with_rm']:,}, no RM {book['no_rm']:,}, "
        f"RM inactive {book['rm_inactive']:,}, RM no longer eligible {book['rm_ineligible']:,}, "
        f"pooled with RM {book['pooled_with_rm']:,}, overloaded RMs {book['overloaded_rms']:,}, "
        f"locked {book['locked']:,} ({book['locks_dead']:,} on inactive RMs or leavers)",
    ]
    lines += _v11_lines(summary)
    return "\n".join(lines)


def _v11_lines(summary: Mapping[str, Any]) -> list[str]:
    """The contract v1.1 features a bank has (none for a v1 bank)."""
    out = []
    positions = {k: v for k, v in summary["positions"].items() if k != "rm"}
    co_cover = summary["co_cover"]
    if any(positions.values()):
        out.append(
            f"positions {_counts(positions)}; co-cover capacity {co_cover['capacity']:,} "
            f"for {co_cover['demand']:,} customers above the lowest line"
        )
    designated = summary["designated"]
    if summary["composite_rms"] or designated["rms"]:
        out.append(
            f"roles     composite RMs {summary['composite_rms']:,}, designated VIP centres "
            f"{designated['centres']:,} ({designated['rms']:,} RMs)"
        )
    leavers = summary["leavers"]
    if leavers["rms"]:
        out.append(
            f"leavers   {leavers['rms']:,} RMs missing from the roster, "
            f"{leavers['customers']:,} of their customers in today's book"
        )
    q = summary["quarter"]
    if q["previous_tier"] or q["forbidden"] or q["corporate_with_deposits"]:
        out.append(
            f"quarter   previous tier {q['previous_tier']:,}, below it {q['below_previous']:,}, "
            f"held by hysteresis {q['held']:,}; forbidden RMs {q['forbidden']:,}; corporate "
            f"with deposits {q['corporate_with_deposits']:,}, outlets >= 10M "
            f"{q['outlets_deposits_10m']:,}"
        )
    return out
