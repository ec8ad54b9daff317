// The terminal progress bar (cli-progress): messages, MB/s and ETA by bytes read. Silent off a terminal.
import cliProgress from 'cli-progress';

export interface Progress {
  bytes(n: number): void;
  message(): void;
  stop(): void;
}

const SILENT: Progress = { bytes() {}, message() {}, stop() {} };

export function progressBar(totalBytes: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return SILENT;
  const started = Date.now();
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: ' {bar} {percentage}% | {messages} messages | {mbps} MB/s | ETA {eta_formatted}',
      hideCursor: true,
      etaBuffer: 50,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  let done = 0;
  let messages = 0;
  const payload = () => ({ messages, mbps: (done / 1e6 / Math.max(0.001, (Date.now() - started) / 1000)).toFixed(1) });
  bar.start(Math.max(totalBytes, 1), 0, payload());
  return {
    bytes(n) {
      done += n;
      bar.update(Math.min(done, totalBytes), payload());
    },
    message() {
      messages++;
    },
    stop() {
      bar.update(Math.min(done, totalBytes), payload());
      bar.stop();
    },
  };
}
