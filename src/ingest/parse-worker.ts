// Worker thread entry: analyzes raw messages posted by ParsePool and posts the results back.
import { parentPort } from 'node:worker_threads';
import { processRaw } from './process-raw.js';
import { toWire } from './wire.js';

if (!parentPort) throw new Error('parse-worker must run as a worker thread');
const port = parentPort;
port.on('message', ({ seq, raw }: { seq: number; raw: Uint8Array }) => {
  const { value, transfer } = toWire(processRaw(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)));
  port.postMessage({ seq, value }, transfer);
});
