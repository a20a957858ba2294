/**
 * How many times what people write in the app (notes, next steps, forecast calls, users, ...) has
 * changed: one row, counted up in the same transaction as every such change (`Database.write`), in
 * the store that holds the app state. Remembered answers that read app state are kept under it, so a
 * note saved on any server moves it on, and the next answer is worked out afresh.
 */
export default /* sql */ `
CREATE TABLE app_state_changes (id INTEGER PRIMARY KEY, changes BIGINT NOT NULL);
INSERT INTO app_state_changes (id, changes) VALUES (1, 0);
`;
