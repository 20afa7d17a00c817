// The workcell tmux server's prefix key and the words that tell a user how to detach (issue 10: C-b d,
// as our status bar said, detached the user's OUTER session when attached from inside their tmux).
// With the default C-b the nested way is C-b C-b d (the outer tmux passes one C-b on); a prefix of our
// own (settings.json "attachPrefix", e.g. "C-a") needs no doubling: C-a d reaches us directly.
// The key goes into the generated tmux.conf, so only a plain key name is accepted (never free text).

import { ATTACH_PREFIX_PATTERN, DEFAULT_ATTACH_PREFIX } from '../common/attachPrefix.js';

// Defined in main/common so the settings page checks the same pattern; re-exported for the core.
export { ATTACH_PREFIX_PATTERN, DEFAULT_ATTACH_PREFIX };

export interface AttachKeys {
  prefix: string;
  /** Lines for tmux.conf (empty for the default prefix: nothing to change). */
  confLines: string[];
  /** The status bar's right side. */
  statusRight: string;
}

export function attachKeys(prefix: string = DEFAULT_ATTACH_PREFIX): AttachKeys {
  // A value the schema would refuse never reaches the conf: the default instead.
  const p = ATTACH_PREFIX_PATTERN.test(prefix) ? prefix : DEFAULT_ATTACH_PREFIX;
  if (p === DEFAULT_ATTACH_PREFIX)
    return { prefix: p, confLines: [], statusRight: `detach: ${p} d · nested: ${p} ${p} d ` };
  return {
    prefix: p,
    // Our own prefix; C-b is left to the user's outer tmux. `send-prefix` on the doubled key sends it on
    // to the agent (an editor or a shell inside that uses the same key).
    confLines: [`set -g prefix ${p}`, 'unbind-key C-b', `bind-key ${p} send-prefix`],
    statusRight: `detach: ${p} d `,
  };
}

/** What `workcell attach` tells a user before attaching: the keys that detach THIS workcell. */
export function detachHint(name: string, prefix: string, nested: boolean): string | null {
  const k = attachKeys(prefix);
  if (!nested) return null;
  if (k.prefix === DEFAULT_ATTACH_PREFIX)
    return `workcell: you are inside tmux: detach from ${name} with C-b C-b d (C-b d would detach your own session); or set "attachPrefix": "C-a" in settings.json`;
  return `workcell: you are inside tmux: detach from ${name} with ${k.prefix} d (the workcells' own prefix)`;
}
