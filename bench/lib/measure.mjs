// Timing and memory of one command, and the median of several runs.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';

/**
 * Runs a command; returns seconds and the peak resident memory (VmHWM, polled from /proc) of the
 * process itself. `stdout` may be a file path: the command's output goes there, as `> file` would.
 */
export function measure(cmd, args, options = {}) {
  return new Promise((resolve, reject) => {
    const out = typeof options.stdout === 'string' ? fs.openSync(options.stdout, 'w') : undefined;
    const started = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd: options.cwd, stdio: ['ignore', out ?? 'ignore', 'pipe'], env: { ...process.env, ...options.env } });
    if (out !== undefined) fs.closeSync(out);
    let peakKb = 0;
    let stderr = '';
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
      } catch {
        // the process just ended
      }
    }, 20);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')} failed (${code}):\n${stderr}`));
      else resolve({ seconds, peakMb: peakKb / 1024 });
    });
  });
}

/**
 * Runs a command `repeat` times, each after `prepare` and `settle` (a checkpoint, so one run does
 * not pay for the previous one's dirty pages); the median run counts, and the highest peak memory.
 * `options.retries`: how often a failed run is tried again (for a native tool that fails now and
 * then, like pgloader); a failure beyond that ends the benchmark.
 */
export async function timed({ repeat, settle }, prepare, cmd, args, options = {}) {
  const runs = [];
  for (let i = 0, failures = 0; i < repeat; i++) {
    await prepare?.();
    settle?.();
    try {
      runs.push(await measure(cmd, args, options));
    } catch (err) {
      if (++failures > (options.retries ?? 0)) throw err;
      console.error(`  ${cmd} failed; trying again (${err.message.split('\n').slice(0, 3).join(' ')})`);
      i--;
    }
  }
  runs.sort((a, b) => a.seconds - b.seconds);
  return { ...runs[Math.floor(runs.length / 2)], peakMb: Math.max(...runs.map((r) => r.peakMb)) };
}
