"""Plain heuristics several solvers share (no solver runs here, and nothing here is a backend)."""
