/**
 * How the app server is started, the same for `npm run demo`, the browser tests and the bench
 * (package.json's `start` writes the same): 16 libuv threads, as DuckDB and argon2 share libuv's pool
 * and 4 let heavy queries starve sign-ins; and Node's heap capped. Without the cap Node lets garbage pile up to several times what it
 * keeps, which on a busy morning took the server past 1 GB; the cap keeps Node's heap plus DuckDB's
 * `memory_limit` (config.ts) under it, and what the server keeps (facts, remembered answers) fits well
 * within it.
 */
export const serverNodeFlags = ['--max-old-space-size=384'];

/** The `node` arguments that start the built server. */
export const serverArgs = [...serverNodeFlags, 'build'];

export const serverEnv = { UV_THREADPOOL_SIZE: '16' };
