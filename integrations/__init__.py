"""Into the help desk's own tool: triage results become ITSM create/update calls, and ITSM webhooks come in.

Four systems, named as everywhere in this package: `servicenow` (ServiceNow Table API), `jira` (Jira Cloud /
Jira Service Management, REST v3), `zoho` (Zoho Desk API v1) and `sdp` (ManageEngine ServiceDesk Plus, API v3).

- `mapping.py`: a system's mapping file (`configs/integrations/<system>.yaml`), validated against the schema.
- `payloads.py`: a triage result -> the HTTP calls (`ItsmCall`) that write it into one system; pure, no network.
- `export.py`: `triage export`, prediction JSON lines -> one call per line.
- `adf.py`: Atlassian Document Format <-> plain text (Jira descriptions and comments).
- `inbound.py`, `writeback.py`: webhooks in, calls out over HTTP (retries, outbox, dry-run by default).

See docs/integrations.md.
"""
