import { promises as fs } from 'node:fs';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { ensureHome } from './home.js';
import { RUN_FILES, type ControlDir } from './paths.js';
import { settingsProblem } from './settingsProblem.js';
import { insecureParent } from './agents/hookSafety.js';
import { daemonStatus } from './daemon/client.js';
import type { Tmux } from './tmux.js';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  /** The exact fix, when not ok (or when warned). */
  fix?: string;
  /** Works, with a limit worth knowing (doctor still exits 0). */
  warn?: boolean;
}

// sockaddr_un.sun_path is 104 bytes on macOS, 108 on Linux: stay under the smaller with a margin.
const MAX_SOCKET_PATH = 100;

function run(bin: string, args: string[]): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) =>
    execFile(bin, args, { encoding: 'utf8', timeout: 5_000 }, (e, stdout, stderr) =>
      resolve({ ok: !e, out: (stdout || stderr).trim() }),
    ),
  );
}

export async function doctor(dir: ControlDir, tmux: Tmux): Promise<Check[]> {
  const checks: Check[] = [];
  const v = await tmux.checkVersion();
  checks.push(
    v.ok
      ? { name: 'tmux', ok: true, detail: v.value }
      : { name: 'tmux', ok: false, detail: v.error.message, fix: 'apt install tmux  |  brew install tmux' },
  );

  const major = Number(process.versions.node.split('.')[0]);
  checks.push({
    name: 'node',
    ok: major >= 20,
    detail: `node ${process.versions.node}`,
    fix: major >= 20 ? undefined : 'install Node.js 20 or newer',
  });

  const git = await run('git', ['--version']);
  checks.push(
    git.ok
      ? { name: 'git', ok: true, detail: git.out }
      : {
          name: 'git',
          ok: false,
          detail: 'git not found (git fields of workcells will stay empty)',
          fix: 'apt install git  |  brew install git',
        },
  );

  const home = await ensureHome(dir);
  if (!home.ok)
    checks.push({
      name: 'control dir',
      ok: false,
      detail: home.error.message,
      fix: `mkdir -p ${dir.root} && chmod 700 ${dir.root}`,
    });
  else {
    const st = await fs.stat(dir.root);
    const mode = st.mode & 0o777;
    checks.push({
      name: 'control dir',
      ok: mode === 0o700,
      detail: `${dir.root} mode ${mode.toString(8)}`,
      fix: mode === 0o700 ? undefined : `chmod 700 ${dir.root}`,
    });
  }

  checks.push(await settingsCheck(dir));

  const sockLen = Buffer.byteLength(dir.socket);
  checks.push({
    name: 'socket path',
    ok: sockLen <= MAX_SOCKET_PATH,
    detail: `${dir.socket} (${sockLen} bytes)`,
    fix: sockLen <= MAX_SOCKET_PATH ? undefined : 'set WORKCELLS_HOME to a shorter path, e.g. ~/.workcells',
  });

  if (v.ok) {
    const panes = await tmux.listPanes();
    checks.push(
      panes.ok
        ? {
            name: 'tmux server',
            ok: true,
            detail: panes.value.length
              ? `${panes.value.length} pane(s) on ${dir.socket}`
              : 'not running (starts with the first workcell)',
          }
        : {
            name: 'tmux server',
            ok: false,
            detail: panes.error.message,
            fix: `the socket is unusable: remove it (rm ${dir.socket}) and start again`,
          },
    );
    // The supervisor daemon: without it nothing detects waiting/stalled or sends a notification.
    const live = panes.ok && panes.value.some((p) => p.session !== '_sv' && !p.dead);
    const d = await daemonStatus(dir);
    checks.push(
      d.running
        ? {
            name: 'supervisor',
            ok: true,
            detail: `daemon pid ${d.leader!.pid}, since ${d.leader!.startedAt}`,
          }
        : live
          ? {
              name: 'supervisor',
              ok: false,
              detail: `${d.why}: live workcells go unwatched${d.lastLogLine ? ` (last log line: ${d.lastLogLine})` : ''}`,
              fix: 'workcell daemon start   (and workcell daemon logs to see why it stopped)',
            }
          : { name: 'supervisor', ok: true, detail: 'not running (starts with the first workcell)' },
    );
  }

  const open = insecureParent(dir.root);
  checks.push({
    name: 'agent hooks',
    ok: true,
    ...(open ? { warn: true } : {}),
    detail: open
      ? `${open} is writable by others: gemini ignores hooks under it, so gemini workcells report no turn ends`
      : 'no folder above the home is writable by others',
    fix: open
      ? `chmod go-w ${open}, or set WORKCELLS_HOME to a private folder such as ~/.workcells`
      : undefined,
  });

  const loose: string[] = [];
  for (const name of await fs.readdir(dir.runs).catch(() => [] as string[])) {
    const st = await fs.stat(join(dir.runs, name, RUN_FILES.brief)).catch(() => null);
    if (st && (st.mode & 0o077) !== 0) loose.push(name);
  }
  checks.push({
    name: 'brief modes',
    ok: loose.length === 0,
    detail: loose.length ? `readable by others: ${loose.join(', ')}` : 'every brief.md is 0600',
    fix: loose.length ? `chmod 600 ${dir.runs}/*/brief.md` : undefined,
  });
  return checks;
}

/** settings.json validated afresh (not the watcher's recorded verdict: doctor is where one checks). */
async function settingsCheck(dir: ControlDir): Promise<Check> {
  const problem = await settingsProblem(dir, { trustVerdict: false });
  if (problem) return { name: 'settings', ok: false, detail: problem.detail, fix: problem.fix };
  const present = await fs.stat(dir.settings).then(
    () => true,
    () => false, // ENOENT: no settings file, the defaults apply
  );
  return {
    name: 'settings',
    ok: true,
    detail: present ? `${dir.settings} is valid` : `${dir.settings} absent: defaults apply`,
  };
}
