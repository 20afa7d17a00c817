// A small fake agent for tests and the demo: prints, sleeps and exits with a chosen code.
// Usage: node fakeAgent.js [--print TEXT]... [--sleep MS] [--exit CODE] [--ask TEXT] [--flood BYTES]
//   --ask TEXT   prints TEXT and waits for a line on stdin (a "waiting for input" agent)
//   --echo-args  prints each of its own argv elements as [arg] (to prove argv arrives intact)
//   --flood N    writes N bytes of numbered lines as fast as the pty takes them
//   --read-raw F prints "ready>", reads the tty in raw mode up to Enter (CR) and writes exactly what
//                arrived to F as JSON (raw: a canonical tty cuts lines at 4 kB and edits them)
//   --clear      clears the screen (a TUI redrawing after its limit banner)
//   --brief      prints the file $WORKCELL_BRIEF (which brief this pass runs with)
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const argv = process.argv.slice(2);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  let exitCode = 0;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1] ?? '';
    switch (a) {
      case '--print':
        process.stdout.write(`${v}\n`);
        i++;
        break;
      case '--sleep':
        await sleep(Number(v));
        i++;
        break;
      case '--exit':
        exitCode = Number(v);
        i++;
        break;
      case '--clear':
        process.stdout.write('\x1b[2J\x1b[3J\x1b[H');
        break;
      case '--brief':
        process.stdout.write(`${readFileSync(process.env.WORKCELL_BRIEF ?? '', 'utf8')}\n`);
        break;
      case '--echo-args':
        for (const x of argv) process.stdout.write(`[${x}]\n`);
        break;
      case '--ask': {
        process.stdout.write(`${v} `);
        const rl = createInterface({ input: process.stdin });
        const line = await new Promise<string>((r) => rl.once('line', r));
        rl.close();
        process.stdout.write(`got: ${line}\n`);
        i++;
        break;
      }
      case '--read-raw': {
        const stdin = process.stdin;
        if (stdin.isTTY) stdin.setRawMode(true);
        process.stdout.write('ready> ');
        let got = '';
        await new Promise<void>((resolve) => {
          const onData = (b: Buffer): void => {
            got += b.toString('utf8');
            const cr = got.indexOf('\r');
            if (cr === -1) return;
            got = got.slice(0, cr);
            stdin.off('data', onData);
            resolve();
          };
          stdin.on('data', onData);
          stdin.resume(); // a second --read-raw: the first one paused the stream
        });
        if (stdin.isTTY) stdin.setRawMode(false);
        stdin.pause();
        // Written whole, then renamed: a test that polls for the file never reads it half-written.
        const { renameSync, writeFileSync } = await import('node:fs');
        writeFileSync(`${v}.tmp`, JSON.stringify(got));
        renameSync(`${v}.tmp`, v);
        process.stdout.write(`got ${got.length} chars\n`);
        i++;
        break;
      }
      case '--flood': {
        let left = Number(v);
        let n = 0;
        while (left > 0) {
          const chunk = `${String(n++).padStart(8, '0')} ${'x'.repeat(70)}\n`.repeat(64);
          if (!process.stdout.write(chunk)) await new Promise((r) => process.stdout.once('drain', r));
          left -= chunk.length;
        }
        i++;
        break;
      }
      default:
        break;
    }
  }
  process.exitCode = exitCode;
}

void main();
