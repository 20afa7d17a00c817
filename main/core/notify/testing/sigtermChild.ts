// For the graceful-stop test (N2): a process shaped like the supervisor daemon. It loads the ledger
// first, then installs a `process.once('SIGTERM')` handler (as `workcell watch` does), then writes
// the ledger back to back. On SIGTERM it stops, waits for the ledger and exits 0, printing how many
// changes it recorded. WRITER=write-file-atomic also holds a write-file-atomic write open, to show
// the failure.
// Run: node sigtermChild.js <ledger file>
import writeFileAtomic from 'write-file-atomic';
import { NotifiedLedger } from '../ledger.js';

const file = process.argv[2]!;
const ledger = new NotifiedLedger(file);
let stopping = false;
let recorded = 0;

process.once('SIGTERM', () => {
  stopping = true;
  void ledger.idle().then(() => {
    process.stdout.write(`recorded ${recorded}\n`);
    process.exit(0);
  });
});

/** Another state file written with write-file-atomic (as status.json was), held mid-write so the
 * signal lands inside it every time. */
async function otherWrites(): Promise<void> {
  await writeFileAtomic(`${file}.other`, '{}', {
    tmpfileCreated: async () => {
      process.stdout.write('inside write-file-atomic\n');
      await new Promise((resolve) => setTimeout(resolve, 10_000));
    },
  });
}

async function main(): Promise<void> {
  for (let i = 0; !stopping; i++) {
    await ledger.claim(`c${i}:1:${i}:done`, `c${i}`, ['webhook'], { status: 'sent' });
    if (i === 0 && process.env.WRITER === 'write-file-atomic') void otherWrites();
    recorded = i + 1;
    if (i === 0) process.stdout.write('ready\n');
  }
}

void main();
