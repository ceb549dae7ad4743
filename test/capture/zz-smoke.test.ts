import { readFileSync } from 'node:fs';
import { it } from 'vitest';
import { decodeCapture, frameTraceLine } from '../../src/capture/decode.js';
import { chunks, otpReadExchange, downloadExchange } from './helpers.js';
it('smoke', () => {
  const s = readFileSync('/work/main/test/fixtures/stm32mp157c-dk2-otp.bin');
  const s2 = Buffer.from(s); s2.writeUInt32LE(0x12345678, 8 + 8 * 60);
  const req = Buffer.alloc(776); req.writeUInt32LE(2, 0); req.writeUInt32LE(0xabc, 8 + 8 * 60); req.writeUInt32LE(0x80000000, 12 + 8 * 60);
  const c = chunks(['rx', '5532426f6f740d0a'], ['rx','1f'], ['tx', '7f'], ['rx', '79'], ['tx','00ff'], ['rx','79 08 40 00 01 02 03 11 12 21 31 79'],
   ['tx','01fe'], ['rx','79 10 00 00 79'], ['tx','01fe'], ['rx','79 03 79'], ['tx','02fd'], ['rx','79 01 05 00 79'], ['tx','03fc'], ['rx','79 06 01 00 24 fc 2f 01 00 79'],
   ...otpReadExchange(s), ...downloadExchange(0xf2, req), ['tx','21de'],['rx','79'],['tx','000000f2f2'],['rx','79'], ...otpReadExchange(s2),
   ['tx','31ce'],['rx','79'],['tx','0500000005'],['rx','791f'],['tx','03 01 02 03 04 05'],['rx','1f'],['tx','7f'],['rx','79'],
   ['tx','31ce'],['rx','79'],['tx','0000000000'],['rx','79'],['tx','03 aa bb cc dd 00'],['rx','1f'], ['tx', '12ed'], ['rx', '79'], ['tx', 'f200']);
  for (const f of decodeCapture(c)) console.log(frameTraceLine(f));
});
