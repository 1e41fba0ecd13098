"""The top layer: the `triage` command (cli.py) and the end-to-end demo (demo.py).

Only this package imports across the stages; the stages (`generating`, `training`, `inference`) stand
on the contracts in `ticket_triage` and never import it back.
"""
