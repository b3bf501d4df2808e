from rmalloc.cli import run

run()
