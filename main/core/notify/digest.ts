// One message for a burst: "7 workcells finished: 5 verified, 2 failed" and a line per workcell. A
// tmux server restart or a catch-up after sleep reports dozens of changes within a second; a phone
// that buzzes 50 times teaches its owner to mute us.
import { createHash } from 'node:crypto';
import type { NotifyMessage, Urgency } from '../../common/notify.js';
import { isTurnEnd, verifyOutcome } from './format.js';

export const DIGEST = {
  // 30 lines: a phone shows ~10, Telegram's 4096-char cap fits ~30 titles of ~100 chars; the rest is
  // one "and N more" line pointing at `workcell ls`, which has them all.
  maxLines: 30,
} as const;

const COMPLETIONS = new Set(['done', 'failed']);
const RANK: Record<Urgency, number> = { low: 0, normal: 1, critical: 2 };

/** The short word a member is counted under in the digest title. */
export function outcomeLabel(m: NotifyMessage): string {
  if (m.state === 'done' || isTurnEnd(m)) {
    switch (verifyOutcome({ verify: m.verify, verified: m.verified })) {
      case 'verified':
        return 'verified';
      case 'failed':
        return 'not verified';
      case 'pending':
        return 'verifying';
      default:
        return 'done';
    }
  }
  if (m.state === 'failed' && m.reason === 'auth_failed') return 'logged out';
  return m.state.replace('_', ' ');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Idempotency key of a set of changes: the same changes give the same key in any order. */
export function digestKey(changeIds: readonly string[]): string {
  const h = createHash('sha256');
  for (const id of [...changeIds].sort()) h.update(id).update('\n');
  return `digest:${h.digest('hex').slice(0, 32)}`;
}

/** `messages` oldest first, at least two. */
export function formatDigest(messages: readonly NotifyMessage[]): NotifyMessage {
  const counts = new Map<string, number>();
  for (const m of messages) counts.set(outcomeLabel(m), (counts.get(outcomeLabel(m)) ?? 0) + 1);
  const finished = messages.every((m) => COMPLETIONS.has(m.state) || isTurnEnd(m));
  const names = new Set(messages.map((m) => m.name));
  const what =
    names.size === messages.length ? plural(messages.length, 'workcell') : plural(messages.length, 'update');
  const tally = [...counts].map(([label, n]) => `${n} ${label}`).join(', ');
  const title = `${what} ${finished ? 'finished' : 'changed'}: ${tally}`;
  const lines = messages.slice(0, DIGEST.maxLines).map((m) => m.title);
  if (messages.length > DIGEST.maxLines) lines.push(`… and ${messages.length - DIGEST.maxLines} more`);
  lines.push('See all: workcell ls');
  const body = lines.join('\n');
  let lead = messages[0]!;
  for (const m of messages) if (RANK[m.urgency] > RANK[lead.urgency]) lead = m;
  return {
    ...lead,
    title,
    body,
    text: `${title}\n${body}`,
    idempotencyKey: digestKey(messages.map((m) => m.changeId)),
    digest: { count: messages.length, messages: [...messages] },
  };
}
