// Runs the plan from terminalCommand.ts: writes the generated script (macOS) and spawns the terminal
// detached, with TMUX stripped so an app started from inside tmux can still attach.
import { spawn } from 'node:child_process';
import { accessSync, constants, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { IpcResult } from '../common/ipc.js';
import { tmuxEnv } from '../core/tmux.js';
import { planTerminal, type AttachTarget } from './terminalCommand.js';

export function onPath(cmd: string, env: NodeJS.ProcessEnv = process.env): string | null {
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const p = join(dir, cmd);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not in this PATH entry: try the next one
    }
  }
  return null;
}

/** macOS apps started from the Dock get a PATH without Homebrew; tmux usually lives there. */
const EXTRA_TMUX_DIRS = ['/opt/homebrew/bin', '/usr/local/bin', '/usr/bin'];

export function findTmux(env: NodeJS.ProcessEnv = process.env): string {
  return onPath('tmux', { PATH: [env.PATH ?? '', ...EXTRA_TMUX_DIRS].join(delimiter) }) ?? 'tmux';
}

export async function openInTerminal(
  configured: readonly string[] | undefined,
  target: Omit<AttachTarget, 'tmux'>,
  platform: string = process.platform,
): Promise<IpcResult<null>> {
  const plan = planTerminal(
    configured,
    { ...target, tmux: findTmux() },
    { platform, onPath: (c) => onPath(c) !== null },
  );
  if (!plan.ok) return plan;
  const [file, ...args] = plan.value.argv;
  if (!file) return { ok: false, error: { code: 'BAD_SETTINGS', message: 'terminal.argv is empty' } };
  try {
    for (const f of plan.value.files) writeFileSync(f.path, f.content, { mode: f.mode });
  } catch (e) {
    return {
      ok: false,
      error: {
        code: 'NOT_WRITABLE',
        message: `cannot write ${plan.value.files[0]?.path}: ${(e as Error).message}`,
      },
    };
  }
  return new Promise((resolve) => {
    const child = spawn(file, args, { detached: true, stdio: 'ignore', env: tmuxEnv(process.env) });
    child.once('error', (e: NodeJS.ErrnoException) =>
      resolve({
        ok: false,
        error: {
          code: 'BAD_SETTINGS',
          message: `cannot start the terminal ${file} (${e.code ?? e.message}): set terminal.argv in Settings`,
        },
      }),
    );
    child.once('spawn', () => {
      child.unref();
      resolve({ ok: true, value: null });
    });
  });
}
