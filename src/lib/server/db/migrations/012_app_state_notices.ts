/**
 * Nothing in DuckDB: one process holds the file, so its own write count already says when a session
 * or a person's note may have changed. In PostgreSQL, shared by several servers, triggers announce
 * every committed change to app state on the channel `app_state_changes` (see
 * `app-state-migrations.ts`), so that each server may keep validated sessions and the answers that
 * read notes, and drop them the moment another server changes what they were built from.
 */
export default '';
