"""Synthetic banks: a realistic, deterministic generator of contract-v1 instances.

Why a generator: the allocator needs instances of every size (tests, benchmarks, demos, the
shipped sample bank) that look like a real provincial bank -- with the faults of a real book --
and no real customer data may ever leave a bank. :func:`generate_bank` builds one from a seed.

What it builds, and why it looks the way it does (figures from DOMAIN.md, *practice* ones marked):

- **Branch tree** head office > province(s) > cities > sub-branches > outlets, sized from the
  number of customers (one outlet per 1,500-3,000 customers, 2-4 outlets per sub-branch, 3-6
  sub-branches per city, one province per 10^6 customers). Ids ``H0``, ``P0``, ``C0``, ``C0S1``,
  ``C0S1O2``.
- **Customers** (``K0000123``): retail 90-95 %, with AUM drawn tier by tier so that the tier shares
  under the policy's thresholds are the configured ones (heavy-tailed: Pareto above the lowest
  threshold, lognormal below it); corporate customers with heavy-tailed annual contribution
  (contribution bands likewise), named lists (hq/province/city) favouring big contributors, and
  groups of 2-6 members in one city.
- **RMs** (``M00012``), counted from service capacity: per branch and role, the workload of the
  customers the role serves over the policy's default capacity at a target utilisation. Roles:
  outlet retail RMs, VIP-centre RMs (mostly AFP), wealth-centre RMs (mostly CFP), corporate RMs at
  outlets/sub-branches, in the city and province marketing departments, and one dedicated
  (one-to-one) RM per key corporate customer or group. Deliberate shortages: one city short of
  CFP holders, a few key customers without a dedicated RM or with one a grade short.
- **Today's book** (``current_rm_id``, ``locked``) with the faults the allocator must repair:
  overloaded RMs (popular ones, and capacities cut below the book), customers who outgrew their
  RM, customers of departed (inactive) RMs, customers without an RM, key customers sharing an RM,
  pooled customers who kept their RM, plus ~1 % locks that never conflict.

- **Contract v1.1** (off by default: a default bank is byte for byte what it was;
  :meth:`GeneratorConfig.v11` switches it on): executives (a deputy head and a head per
  sub-branch, a head per city, co-covering tens of rich customers each, sometimes too few) and
  N+1 RM assistants, composite RMs (``line: both``) at county sub-branches, designated VIP
  centres, last quarter's tiers with customers just below a line for 1-6 months (held by the
  hysteresis, or not), corporate deposits (the 10M staffing rule) and complaints forbidding
  today's RM.
- **Harsh banks** (:meth:`GeneratorConfig.harsh`, ``rmalloc generate --harsh``): leavers missing
  from the roster, capacity below demand, many key accounts against few senior RMs in big
  corporate components, dedicated RMs who also serve others today, groups across cities.

Everything is vectorised over customers (no Python loop per customer) and every random draw
comes from a :class:`numpy.random.Generator` seeded by ``seed``: one seed, one bank. Each stage has
its own random stream, so changing ``n_rms`` or ``tightness`` leaves the customers unchanged;
each v1.1 and harsh feature has one too, spawned after the stages' streams.

The rules are not copied here: a customer's tier and band come from
:func:`allocator.rules.assign_tiers`, what a tier asks of an RM from
:func:`allocator.rules.combined_requirements`, whether an RM may serve a customer from
:data:`allocator.rules.PAIR_RULES`. The package, one concern per module, in the order a bank is
made:

- :mod:`~allocator.synth.config`: :class:`GeneratorConfig`, the shares and sizes;
- :mod:`~allocator.synth.draws`: exact counts, heavy tails, weighted picks;
- :mod:`~allocator.synth.branches`: the branch tree;
- :mod:`~allocator.synth.needs`: the policy as requirement masks (tiers from the rule engine);
- :mod:`~allocator.synth.customers`: customers, amounts, named lists, groups;
- :mod:`~allocator.synth.units`: groups folded into service units;
- :mod:`~allocator.synth.roles` and :mod:`~allocator.synth.staffing`: RM roles, counts, hires;
- :mod:`~allocator.synth.fit`: whether an RM fits (the policy's rules, the generator's needs);
- :mod:`~allocator.synth.quarter`: last quarter's tiers, months below, deposits, complaints;
- :mod:`~allocator.synth.book`: today's book, its faults and its locks;
- :mod:`~allocator.synth.roster`: executives, assistant posts, composite RMs, designated
  centres;
- :mod:`~allocator.synth.harsh`: groups across cities, leavers, dedicated RMs' extra customers;
- :mod:`~allocator.synth.extras`: the roster and the faults put together after the book;
- :mod:`~allocator.synth.frames`: the contract frames;
- :mod:`~allocator.synth.bank`: :func:`generate_bank`, :func:`write_bank`,
  :func:`sample_bank_paths`;
- :mod:`~allocator.synth.describe`: :func:`describe_bank`, the bank in counts.
"""

from __future__ import annotations

from allocator.synth.bank import (
    SAMPLE_BANK_CUSTOMERS,
    SAMPLE_BANK_SEED,
    STAGES,
    generate_bank,
    sample_bank_paths,
    write_bank,
)
from allocator.synth.branches import TREE_LEVELS, branch_rows
from allocator.synth.config import PRESETS, GeneratorConfig
from allocator.synth.describe import describe_bank

__all__ = [
    "PRESETS",
    "SAMPLE_BANK_CUSTOMERS",
    "SAMPLE_BANK_SEED",
    "STAGES",
    "TREE_LEVELS",
    "GeneratorConfig",
    "branch_rows",
    "describe_bank",
    "generate_bank",
    "sample_bank_paths",
    "write_bank",
]
