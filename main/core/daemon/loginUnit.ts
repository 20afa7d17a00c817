// The daemon at login, for users who want supervision up before the first `workcell start` (a server
// over SSH, a machine that reboots overnight): a systemd user unit or a launchd agent, printed by
// `workcell daemon unit`. The service runs the keeper in the foreground with WORKCELL_DAEMON_STAY=1, so
// it does not leave when nothing is live; the agents never belong to it (they run in our tmux server),
// so stopping the service stops supervision only.
import { DAEMON_MAIN } from './layout.js';

export interface UnitInput {
  /** The control directory (WORKCELLS_HOME). */
  home: string;
  /** The node binary that runs the daemon (process.execPath). */
  node: string;
  /** PATH for the service: tmux and the agents' CLIs must be found as in the user's shell. */
  path: string;
  daemonMain?: string;
}

/** systemd's quoting: one double-quoted word; `\` and `"` escaped, `%` doubled (a specifier otherwise),
 * `$` doubled in ExecStart (variable expansion). Control characters are refused by the caller. */
function sdQuote(s: string, exec = false): string {
  const q = s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/%/g, '%%');
  return `"${exec ? q.replace(/\$/g, '$$$$') : q}"`;
}

export function systemdUnit(u: UnitInput): string {
  const main = u.daemonMain ?? DAEMON_MAIN;
  return [
    '# Session Supervisor: the supervisor daemon of one workcells home, at login.',
    '# Install: workcell daemon unit > ~/.config/systemd/user/workcell-daemon.service',
    '#          systemctl --user daemon-reload && systemctl --user enable --now workcell-daemon',
    '[Unit]',
    'Description=Session Supervisor daemon (workcell)',
    '',
    '[Service]',
    'Type=simple',
    `Environment=${sdQuote(`WORKCELLS_HOME=${u.home}`)}`,
    `Environment=${sdQuote(`PATH=${u.path}`)}`,
    'Environment=WORKCELL_DAEMON_STAY=1',
    `ExecStart=${sdQuote(u.node, true)} ${sdQuote(main, true)}`,
    // The keeper restarts a crashed daemon within its own budget; systemd restarts a dead keeper.
    'Restart=on-failure',
    'RestartSec=5',
    // Only the keeper and its daemon belong to the service: a tmux server the daemon started for a
    // resume (and the agents in it) must outlive `systemctl --user stop`.
    'KillMode=process',
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n');
}

const xml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!,
  );

export function launchdPlist(u: UnitInput): string {
  const main = u.daemonMain ?? DAEMON_MAIN;
  const str = (s: string) => `<string>${xml(s)}</string>`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!-- Session Supervisor: the supervisor daemon of one workcells home, at login.',
    '     Install: workcell daemon unit --launchd > ~/Library/LaunchAgents/dev.workcell.daemon.plist',
    '              launchctl load ~/Library/LaunchAgents/dev.workcell.daemon.plist -->',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    '<dict>',
    '  <key>Label</key><string>dev.workcell.daemon</string>',
    `  <key>ProgramArguments</key><array>${str(u.node)}${str(main)}</array>`,
    '  <key>EnvironmentVariables</key><dict>',
    `    <key>WORKCELLS_HOME</key>${str(u.home)}`,
    `    <key>PATH</key>${str(u.path)}`,
    '    <key>WORKCELL_DAEMON_STAY</key><string>1</string>',
    '  </dict>',
    '  <key>RunAtLoad</key><true/>',
    '  <key>KeepAlive</key><dict><key>SuccessfulExit</key><false/></dict>',
    '  <key>ProcessType</key><string>Background</string>',
    '</dict>',
    '</plist>',
    '',
  ].join('\n');
}

/** A value a unit file cannot carry safely (a newline would start a new directive). */
export function unitInputProblem(u: UnitInput): string | null {
  for (const [k, v] of Object.entries(u))
    if (typeof v === 'string' && [...v].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f))
      return `${k} contains a control character (newline, tab...): a unit file cannot carry it; use a plainer path`;
  return null;
}
