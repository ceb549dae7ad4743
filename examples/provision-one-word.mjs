// Program one OTP word and verify it (irreversible on a real board!).
//   node examples/provision-one-word.mjs [WORD] [VALUE] [PORT]   (default: word 70, 0x00001234, the emulated board)
import { isStm32mpError, openBoard, writeOtp } from 'stm32mp-uart';

const word = Number(process.argv[2] ?? 70);
const value = Number(process.argv[3] ?? 0x00001234);
const port = process.argv[4] ?? 'emulator';
const hex = (n) => `0x${(n >>> 0).toString(16).toUpperCase().padStart(8, '0')}`;

try {
  const board = await openBoard({ port });
  try {
    const result = await writeOtp(board.link, {
      edits: [{ op: 'write', word, value, lock: true }],
      // A script has no terminal to ask: `yes` is the confirmation. Without it, use `confirm: async (plan) => ...`.
      yes: true,
      onPlan: (plan) => {
        for (const w of plan.request.words) console.log(`plan word ${w.id}: ${hex(w.currentValue)} -> ${hex(w.newValue)}${w.alreadyDone ? ' (already done)' : ''}`);
      },
    });
    console.log(`outcome ${result.outcome}`);
    for (const c of result.checks) console.log(`verified word ${c.id}: ${hex(c.foundValue)} ${c.ok ? 'ok' : c.problem}`);
  } finally {
    await board.close();
  }
} catch (err) {
  if (!isStm32mpError(err)) throw err;
  console.error(`error [${err.code}]: ${err.message}`);
  process.exitCode = err.exitCode;
}
