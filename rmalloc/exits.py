"""The command line's exit codes, one definition for every subcommand."""

#: success; a plan (or report) was written
EXIT_OK = 0
#: the work ran but failed its purpose (``check`` found violations, no feasible GAP answer)
EXIT_FAIL = 1
#: bad input or usage: nothing was written
EXIT_BAD_INPUT = 2
#: a plan broke a hard rule before it left the pipeline (a defect): nothing was written
EXIT_BREACH = 3
