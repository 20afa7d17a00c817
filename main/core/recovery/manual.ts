// What the user asks of recovery, from the CLI (`workcell recover`, `workcell start --recover`) and the
// bridge route the tray and dashboard use: see the plan (dry run), do it now, cancel a scheduled
// resume, change the policy live. Runs in the asking process; the daemon confirms what it started
// (a resume-now is claimed in recovery.json, so it never races the daemon's own firing).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isEnded, validateName, type WorkcellSummary } from '../../common/workcell.js';
import type { Engine } from '../engine.js';
import { exists } from '../fsutil.js';
import { RUN_FILES } from '../paths.js';
import { err, ok, type Result } from '../result.js';
import { audit, fireLimit, relaunch, type ActDeps } from './act.js';
import { partialReason } from './brief.js';
import { diagnose, type Plan } from './diagnose.js';
import { readHome, recoverySettings } from './guard.js';
import { AUTH_FIX, dueOf, resetSourceOf } from './plan.js';
import { POLICIES, readRecovery, updateRecovery, type LimitSchedule, type RecoveryPolicy } from './record.js';
import { effectivePolicy } from './policy.js';

function deps(engine: Engine): ActDeps {
  return {
    dir: engine.dir,
    engine,
    tmux: engine.tmux,
    now: () => Date.now(),
    log: () => undefined, // the audit line in events.jsonl is the record; the CLI prints its own result
  };
}

async function policyDefault(engine: Engine): Promise<RecoveryPolicy> {
  // Loaded when first needed: settings.js brings zod, and every CLI command imports this module.
  const { loadSettings } = await import('../settings.js');
  const s = loadSettings(engine.dir);
  return recoverySettings(s.ok ? s.value : null).policy;
}

async function planOf(engine: Engine, w: WorkcellSummary): Promise<Plan> {
  const rec = await readRecovery(engine.dir, w.name);
  const home = await readHome(engine.dir);
  const st = await engine.store.readStatus(w.name);
  const briefPath = join(engine.dir.runDir(w.name), RUN_FILES.brief);
  const brief = (await exists(briefPath)) ? await readFile(briefPath, 'utf8') : null;
  const partial = st && w.state === 'done' ? partialReason(st, brief ?? '') : null;
  const policy = await effectivePolicy(engine.dir, w.name, rec, () => policyDefault(engine));
  return diagnose({ w, rec, home, policy, partial, hasBrief: brief !== null });
}

/** `workcell recover [NAME] --dry-run`: the diagnosis, evidence and action for one or every workcell. */
export async function recoveryPlans(engine: Engine, name?: string): Promise<Result<Plan[]>> {
  if (name) {
    const st = await engine.status(name);
    if (!st.ok) return st;
    return ok([await planOf(engine, st.value)]);
  }
  const l = await engine.list();
  if (!l.ok) return l;
  return ok(await Promise.all(l.value.map((w) => planOf(engine, w))));
}

/** `workcell recover NAME`: the action now, whatever the policy (the user asked). */
export async function recoverNow(engine: Engine, name: string): Promise<Result<{ plan: Plan; did: string }>> {
  const st = await engine.status(name);
  if (!st.ok) return st;
  const w = st.value;
  const plan = await planOf(engine, w);
  const d = deps(engine);
  switch (plan.diagnosis) {
    case 'usage_limit': {
      const now = Date.now();
      const fresh: LimitSchedule = {
        kind: 'limit',
        state: 'scheduled',
        id: `${w.pass}:user:${now}`,
        pass: w.pass,
        vendor: w.agent,
        resetAt: w.resetAt,
        resetSource: resetSourceOf(w),
        dueAt: new Date(now).toISOString(),
        attempts: 0,
        window: w.resetAt ?? new Date(now).toISOString(),
        note: dueOf(w.resetAt, now, 0, 0, 0).text,
      };
      // Resume-now replaces whatever was scheduled (its timer then finds another id and does nothing).
      const u = await updateRecovery(engine.dir, name, (r) => ({ ...r, limit: fresh }));
      if (!u.ok) return u;
      const r = await fireLimit(d, w, fresh, 'user');
      if (r.kind === 'fired') return ok({ plan, did: `${r.how}; the supervisor confirms the limit is gone` });
      if (r.kind === 'waiting')
        return ok({ plan, did: `waiting: the vendor's own retry is running (${r.why})` });
      return err('STILL_RUNNING', r.kind === 'gave_up' ? r.why : 'another resume of it is under way');
    }
    case 'auth_failed':
    case 'auth_held':
      if (!isEnded(w.state))
        return err(
          'STILL_RUNNING',
          `${name} is waiting for a login: ${AUTH_FIX[w.agent]} inside it (\`workcell attach ${name}\`)`,
        );
      break;
    case 'lost':
    case 'partial':
      break;
    default:
      return err('BAD_ARGS', `${name} needs no recovery: ${plan.detail}`);
  }
  if (!isEnded(w.state)) return err('STILL_RUNNING', `${name} is ${w.state}: nothing to relaunch`);
  const r = await relaunch(d, w, plan.diagnosis === 'partial' ? 'partial' : 'lost', 'user');
  return r.ok ? ok({ plan, did: r.value }) : r;
}

/** Cancels a scheduled resume (CLI `recover --cancel`, the bridge, or any input the user sends). */
export async function cancelRecovery(
  engine: Engine,
  name: string,
  why = 'cancelled by the user',
): Promise<Result<boolean>> {
  const bad = validateName(name);
  if (bad) return { ok: false, error: bad };
  if (!(await exists(engine.dir.runDir(name)))) return err('NOT_FOUND', `no workcell named ${name}`);
  let cancelled = false;
  const u = await updateRecovery(engine.dir, name, (r) => {
    if (!r.limit || r.limit.state !== 'scheduled') return null;
    cancelled = true;
    return { ...r, limit: { ...r.limit, state: 'cancelled', note: why } };
  });
  if (!u.ok) return u;
  if (cancelled) await audit(deps(engine), name, 'cancel', `scheduled resume cancelled: ${why}`);
  return ok(cancelled);
}

/** Changes a workcell's policy live (start `--recover`, `recover NAME --policy`, the bridge). */
export async function setPolicy(
  engine: Engine,
  name: string,
  policy: string,
): Promise<Result<RecoveryPolicy>> {
  const bad = validateName(name);
  if (bad) return { ok: false, error: bad };
  if (!(POLICIES as readonly string[]).includes(policy))
    return err(
      'BAD_ARGS',
      `unknown recovery policy ${JSON.stringify(policy)}: one of ${POLICIES.join(', ')}`,
    );
  if (!(await exists(engine.dir.runDir(name)))) return err('NOT_FOUND', `no workcell named ${name}`);
  const p = policy as RecoveryPolicy;
  const u = await updateRecovery(engine.dir, name, (r) => ({ ...r, policy: p }));
  if (!u.ok) return u;
  await audit(deps(engine), name, 'policy', `recovery policy is now ${p}`);
  return ok(p);
}
