import { defineConfig } from 'vitest/config';

/** `npm run record-captures`: re-records every capture in captures/ from the emulated board. */
export default defineConfig({ test: { include: ['scripts/record-captures.ts'], testTimeout: 120_000 } });
