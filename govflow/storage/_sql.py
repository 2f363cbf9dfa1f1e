"""Column order shared by the SQL adapters (SQLite and PostgreSQL): one place for both."""

INSTANCE_COLUMNS = (
    "id, workflow, workflow_version, state, data, revision, unit, "
    "created_at, updated_at, created_by, head, parent_id, marks"
)
AUDIT_COLUMNS = (
    "instance_id, seq, kind, event, source, dest, actor, roles, on_behalf_of, at, payload, "
    "justification, overrides, workflow_version, detail, prev_hash, hash"
)
TIMER_COLUMNS = "id, instance_id, name, due, action, state, params, provisional, status, attempts, retry_at, last_error"
