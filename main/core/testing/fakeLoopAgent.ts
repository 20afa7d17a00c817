// A fake loop agent for tests: reads its item and PRD path from the brief ($WORKCELL_BRIEF), then
// does what its flags say, in order:
//   --work FILE     writes the item's text into FILE (relative to the cwd, the repo) and commits it
//   --work-own      like --work, into a file named after the item's first word
//   --tick          ticks the item's box in the PRD (and nothing else, unless --work came first)
//   --marker        creates $WORKCELL_RUN_DIR/item-done
//   --note TEXT     appends TEXT as a line to $WORKCELL_RUN_DIR/notes.md
//   --sleep MS      sleeps
//   --exit CODE     exits with CODE at the end
//   --brief-to FILE copies the brief it got to FILE (to check what a brief carries)
//   --limited-once ITEM FILE MESSAGE CODE  on item ITEM, the first time (FILE absent): creates FILE,
//                   prints MESSAGE (a vendor's usage-limit text) and exits with CODE at once, as an
//                   agent stopped by a limit does; later times: does nothing
import { execFileSync } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const argv = process.argv.slice(2);
const brief = readFileSync(process.env.WORKCELL_BRIEF!, 'utf8');
const item = /^Item: (.*)$/m.exec(brief)?.[1] ?? '';
const prd = /checklist in (.*), and only that item\./.exec(brief)?.[1] ?? '';
const runDir = process.env.WORKCELL_RUN_DIR!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const git = (...a: string[]) =>
  execFileSync('git', ['-c', 'user.name=fake', '-c', 'user.email=fake@example.com', ...a], {
    stdio: 'ignore',
  });

let code = 0;
for (let i = 0; i < argv.length; i++) {
  const v = argv[i + 1] ?? '';
  switch (argv[i]) {
    case '--work':
      appendFileSync(v, `${item}\n`);
      git('add', '--', v);
      git('commit', '-q', '-m', `work: ${item}`);
      i++;
      break;
    case '--work-own': {
      // The file is named after the item's first word: items sharing it conflict when merged.
      const f = `${item.split(' ')[0]}.txt`;
      appendFileSync(f, `${item}\n`);
      git('add', '--', f);
      git('commit', '-q', '-m', `work: ${item}`);
      break;
    }
    case '--tick': {
      const text = readFileSync(prd, 'utf8');
      writeFileSync(prd, text.replace(`- [ ] ${item}`, `- [x] ${item}`));
      break;
    }
    case '--marker':
      writeFileSync(join(runDir, 'item-done'), '');
      break;
    case '--note':
      appendFileSync(join(runDir, 'notes.md'), `${v}\n`);
      i++;
      break;
    case '--sleep':
      await sleep(Number(v));
      i++;
      break;
    case '--exit':
      code = Number(v);
      i++;
      break;
    case '--limited-once': {
      const [file, message, exit] = [argv[i + 2] ?? '', argv[i + 3] ?? '', Number(argv[i + 4])];
      i += 4;
      if (item !== v || existsSync(file)) break;
      writeFileSync(file, '');
      process.stdout.write(`${message}\n`);
      process.exit(exit);
      break; // unreachable: the linter does not know process.exit never returns
    }
    case '--brief-to':
      copyFileSync(process.env.WORKCELL_BRIEF!, v);
      i++;
      break;
    default:
      break;
  }
}
process.stdout.write(`fake loop agent did: ${argv.join(' ')} on "${item}"\n`);
process.exitCode = code;
