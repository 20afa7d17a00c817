// Where opencode keeps its sessions, and how the id of the session a workcell started is captured (the
// id cannot be chosen up front). Checked against the real opencode 1.18.33: sessions are rows of the
// `session` table in <data>/opencode.db (SQLite in WAL mode: a fresh row may sit in opencode.db-wal
// only), ids look like `ses_<26 chars>`, and every new session is logged to <data>/log/*.log as
// `message=created id=ses_... directory=<cwd> parentID=... time.created=<ms>`. Older versions kept
// one JSON file per session under <data>/storage/session/<project>/<id>.json.
// `opencode session list --format json` would say the same but takes seconds to start (25 s on a
// loaded 2-core machine), far too slow for the keeper's capture every few seconds.
import { execFile } from 'node:child_process';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { VendorEnv } from './sessionStore.js';

export const opencodeData = (env: VendorEnv): string =>
  join(env.XDG_DATA_HOME || join(env.HOME ?? '/', '.local', 'share'), 'opencode');

export interface OpencodeSession {
  id: string;
  /** Where it was found: the legacy JSON file, the database, or the log line's file. */
  file: string;
  created: number;
}

interface Row {
  id: string;
  directory: string;
  created: number;
  parent: boolean;
}

/** The newest top-level session opencode created in `cwd` since `since` (2 s of clock slack), not
 * one of `taken`. Sub-sessions (a task tool's child, parentID set) are never the workcell's own. */
export async function opencodeCapture(o: {
  cwd: string;
  since: Date;
  env: VendorEnv;
  taken?: ReadonlySet<string>;
}): Promise<OpencodeSession | null> {
  const data = opencodeData(o.env);
  const floor = o.since.getTime() - 2_000;
  const pick = (rows: Row[], file: string): OpencodeSession | null => {
    let best: OpencodeSession | null = null;
    for (const r of rows) {
      if (r.parent || r.directory !== o.cwd || r.created < floor || o.taken?.has(r.id)) continue;
      if (!best || r.created > best.created) best = { id: r.id, file, created: r.created };
    }
    return best;
  };
  const legacy = pick(await legacyRows(join(data, 'storage', 'session')), join(data, 'storage', 'session'));
  if (legacy) return legacy;
  const db = join(data, 'opencode.db');
  const fromDb = await sqliteRows(db, floor, o.env);
  if (fromDb) return pick(fromDb, db);
  // No sqlite3 on PATH: opencode's own log of the sessions it created.
  return pick(await logRows(join(data, 'log'), floor), db);
}

async function legacyRows(root: string): Promise<Row[]> {
  const rows: Row[] = [];
  for (const project of await readdir(root).catch(() => [] as string[]))
    for (const n of await readdir(join(root, project)).catch(() => [] as string[])) {
      if (!n.endsWith('.json')) continue;
      const rec = await readFile(join(root, project, n), 'utf8')
        .then(
          (t) =>
            JSON.parse(t) as {
              id?: string;
              directory?: string;
              parentID?: string;
              time?: { created?: number };
            },
        )
        .catch(() => null); // half-written or not a session record
      if (rec?.id && rec.directory)
        rows.push({
          id: rec.id,
          directory: rec.directory,
          created: rec.time?.created ?? 0,
          parent: !!rec.parentID,
        });
    }
  return rows;
}

/** The session rows created since `floor`, through the sqlite3 CLI (read-only; it reads the WAL), or
 * null when there is no sqlite3 or no database. The SQL holds only our own number, no user text. */
function sqliteRows(db: string, floor: number, env: VendorEnv): Promise<Row[] | null> {
  return new Promise((resolve) => {
    stat(db).then(
      () =>
        execFile(
          'sqlite3',
          [
            '-readonly',
            '-json',
            db,
            `select id, directory, parent_id, time_created from session where time_created >= ${Math.floor(floor)}`,
          ],
          { encoding: 'utf8', timeout: 10_000, env: { PATH: env.PATH ?? process.env.PATH ?? '' } },
          (e, out) => {
            if (e) return resolve(null); // no sqlite3, a locked or newer-format database: try the log
            try {
              const rows = (out.trim() ? JSON.parse(out) : []) as {
                id: string;
                directory: string;
                parent_id: string | null;
                time_created: number;
              }[];
              resolve(
                rows.map((r) => ({
                  id: r.id,
                  directory: r.directory,
                  created: r.time_created,
                  parent: !!r.parent_id,
                })),
              );
            } catch {
              resolve(null);
            }
          },
        ),
      () => resolve(null),
    );
  });
}

// `message=created id=ses_X slug=... directory=/path with spaces path=... parentID=undefined ...
// time.created=1796066287861`: values run to the next ` key=`.
const CREATED =
  / message=created id=(ses_[A-Za-z0-9]+) .*? directory=(.*?) path=.*? parentID=(\S+) .*?time\.created=(\d+)/;

async function logRows(dir: string, floor: number): Promise<Row[]> {
  const rows: Row[] = [];
  for (const n of await readdir(dir).catch(() => [] as string[])) {
    if (!n.endsWith('.log')) continue;
    const f = join(dir, n);
    const st = await stat(f).catch(() => null);
    if (!st || st.mtimeMs < floor) continue; // written to before the start: holds no newer session
    const text = await readTailText(f, 4 << 20);
    for (const line of text.split('\n')) {
      const m = CREATED.exec(line);
      if (m) rows.push({ id: m[1]!, directory: m[2]!, parent: m[3] !== 'undefined', created: Number(m[4]) });
    }
  }
  return rows;
}

async function readTailText(file: string, max: number): Promise<string> {
  const fh = await open(file, 'r').catch(() => null);
  if (!fh) return '';
  try {
    const size = (await fh.stat()).size;
    const len = Math.min(size, max);
    const buf = Buffer.alloc(len);
    await fh.read(buf, 0, len, size - len);
    return buf.toString('utf8');
  } finally {
    await fh.close();
  }
}
