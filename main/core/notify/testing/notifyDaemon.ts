// Test notification daemon: owns org.freedesktop.Notifications on the bus in DBUS_SESSION_BUS_ADDRESS
// (a PRIVATE bus the test started, never the user's) and prints every Notify call as one JSON line on
// stdout. Prints {"ready":true} once it owns the name. Run: node notifyDaemon.js
import dbus from 'dbus-next';

export interface RecordedNotify {
  app: string;
  replacesId: number;
  icon: string;
  summary: string;
  body: string;
  actions: string[];
  hints: Record<string, unknown>;
  timeout: number;
}

const NAME = 'org.freedesktop.Notifications';
const PATH = '/org/freedesktop/Notifications';

async function main(): Promise<void> {
  const address = process.env.DBUS_SESSION_BUS_ADDRESS;
  if (!address) {
    process.stderr.write('notifyDaemon: DBUS_SESSION_BUS_ADDRESS is not set; refusing to guess a bus\n');
    process.exit(2);
  }
  const bus = dbus.sessionBus({ busAddress: address });
  let nextId = 1;
  const reply = (msg: dbus.Message, signature: string, body: unknown[]) => {
    bus.send(dbus.Message.newMethodReturn(msg, signature, body));
    return true;
  };
  bus.addMethodHandler((msg: dbus.Message) => {
    if (msg.path !== PATH || msg.interface !== NAME) return false;
    switch (msg.member) {
      case 'GetCapabilities':
        // No "body-markup": the daemon shows what it gets, so the test sees the exact bytes sent.
        return reply(msg, 'as', [['body']]);
      case 'GetServerInformation':
        return reply(msg, 'ssss', ['wc-test-daemon', 'session-supervisor', '1.0', '1.2']);
      case 'Notify': {
        const [app, replacesId, icon, summary, body, actions, hints, timeout] = msg.body as [
          string,
          number,
          string,
          string,
          string,
          string[],
          Record<string, dbus.Variant>,
          number,
        ];
        const plainHints = Object.fromEntries(
          Object.entries(hints).map(([k, v]) => [k, typeof v.value === 'bigint' ? String(v.value) : v.value]),
        );
        const rec: RecordedNotify = {
          app,
          replacesId,
          icon,
          summary,
          body,
          actions,
          hints: plainHints,
          timeout,
        };
        process.stdout.write(`${JSON.stringify(rec)}\n`);
        return reply(msg, 'u', [nextId++]);
      }
      case 'CloseNotification':
        return reply(msg, '', []);
      default:
        return false;
    }
  });
  const got = await bus.requestName(NAME, dbus.NameFlag.DO_NOT_QUEUE);
  if (got !== dbus.RequestNameReply.PRIMARY_OWNER) {
    process.stderr.write(`notifyDaemon: could not own ${NAME} (reply ${got})\n`);
    process.exit(1);
  }
  process.stdout.write('{"ready":true}\n');
  // The bus going away (the test killed it) ends us too.
  bus.on('error', () => process.exit(0));
  process.on('SIGTERM', () => {
    bus.disconnect();
    process.exit(0);
  });
}

main().catch((e: unknown) => {
  process.stderr.write(`notifyDaemon: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
