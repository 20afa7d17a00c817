// opencode's hooks: a plugin (opencode 1.18.33 loads `file://` plugins named in its config) that
// records the bus events a workcell needs into our sink's events.jsonl. opencode shows a retry after
// a 429/5xx/refused connection only as `session.status {type: "retry", message, next}` on its bus
// (`opencode run` prints nothing while it retries), so without it a failing run looks like work.
// Installed per run through OPENCODE_CONFIG_CONTENT, which opencode merges over the user's own
// config (plugin lists are concatenated): nothing is written into the user's repo or home.
import { pathToFileURL } from 'node:url';

/** The compiled modules the plugin imports (it runs inside opencode's own runtime). */
const STRUCTURED = new URL('../detect/structured.js', import.meta.url).href;
const SINK = new URL('./hookSink.js', import.meta.url).href;

/** The plugin's source for one run dir. Pure. Event names follow opencode's bus; detect's hookState
 * reads them (session.idle: idle, permission.asked: waiting, model output after an error: running);
 * a retry or a session error becomes a StopFailure with the error's kind (structured.ts). */
export function opencodePluginSource(runDir: string): string {
  return `// Written by workcell for one run: records opencode bus events for the supervisor.
import { opencodeStatusEvent, errorKind } from ${JSON.stringify(STRUCTURED)};
import { appendHookEvent } from ${JSON.stringify(SINK)};
const RUN = ${JSON.stringify(runDir)};
let last = '';
const put = (ev) => {
  try {
    appendHookEvent(RUN, ev);
    last = ev.event;
  } catch {
    // an unwritable run dir must never break the agent
  }
};
const errText = (e) => String(e?.data?.message ?? e?.message ?? e?.name ?? 'error').slice(0, 160);
export const WorkcellHookSink = async () => ({
  event: async ({ event }) => {
    try {
      const at = new Date().toISOString();
      const sessionId = event.properties?.sessionID;
      const base = { at, vendor: 'opencode', ...(typeof sessionId === 'string' ? { sessionId } : {}) };
      if (event.type === 'session.status') {
        const ev = opencodeStatusEvent(JSON.stringify(event), at);
        if (ev) put({ ...ev, ...base, event: 'StopFailure' });
      } else if (event.type === 'session.error' && event.properties?.error) {
        const message = errText(event.properties.error);
        put({ ...base, event: 'StopFailure', source: 'stream', error: errorKind(message), message });
      } else if (event.type === 'session.idle') {
        put({ ...base, event: 'session.idle' });
      } else if (event.type === 'permission.asked' || event.type === 'permission.updated') {
        put({ ...base, event: 'permission.asked' });
      } else if (event.type === 'message.part.updated' && last !== 'message.part.updated') {
        // once per stretch of output, not once per token
        put({ ...base, event: 'message.part.updated' });
      }
    } catch {
      // a malformed event: skip it, never throw into opencode
    }
  },
});
`;
}

/** OPENCODE_CONFIG_CONTENT that loads the plugin file. */
export function opencodeConfigContent(pluginFile: string): string {
  return JSON.stringify({ plugin: [pathToFileURL(pluginFile).href] });
}
