/**
 * Nothing in DuckDB: one process holds the file, so its own write count already says when a session
 * may have changed. In PostgreSQL, shared by several servers, triggers announce every committed
 * change a validated session depends on, on the channel `app_state_changes` (see
 * `app-state-migrations.ts`), so that each server may keep validated sessions and drop one the
 * moment another server ends it or changes its person.
 */
export default '';
