"""Training on Ray (the parts of rnnlab.jobs, whose docstring gives the map)."""
