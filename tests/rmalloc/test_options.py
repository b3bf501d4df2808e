"""``add_options``: the shared options, each declared once, with what a subcommand changes."""

from __future__ import annotations

import argparse

import pytest

from rmalloc.commands.options import add_options


def test_changes_apply_over_the_shared_declaration() -> None:
    p = argparse.ArgumentParser()
    add_options(p, "--time-limit", "--workers", workers={"default": None})
    args = p.parse_args(["--time-limit", "2.5"])
    assert args.time_limit == 2.5 and args.workers is None


def test_a_change_to_an_option_not_added_is_refused() -> None:
    with pytest.raises(KeyError, match="time_limt"):
        add_options(argparse.ArgumentParser(), "--time-limit", time_limt="seconds")
