import { createInterface } from 'node:readline/promises';

/**
 * Asks on the terminal for the word count or BURN; only answers exactly that go ahead. Reads stdin,
 * writes the question to stderr so stdout stays results-only.
 */
export async function askToBurn(wordCount: number, what = 'OTP word(s)'): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try {
    const answer = (await rl.question(`Type ${wordCount} (the number of ${what} to burn) or BURN to go ahead; anything else cancels: `)).trim();
    return answer === String(wordCount) || answer === 'BURN';
  } finally {
    rl.close();
  }
}
