"""The review loop: the corrections store, review exports and imports, and label-noise suspects.

`store.py` keeps every correction (SQLite, stdlib only), `review.py` is the `triage review` command,
`formats.py` reads and writes the files of the review tools (CSV, Label Studio, Argilla), `noise.py`
finds likely mislabelled training rows. See docs/review.md.
"""
