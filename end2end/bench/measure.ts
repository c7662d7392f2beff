// What the benchmarks measure with: percentiles, and a process's memory.

import { readFileSync, writeFileSync } from 'node:fs';

export function percentile(values: number[], p: number) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** A process's resident and peak memory, in MB, from /proc. */
export function memory(pid: number) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/** Starts a process's peak memory (VmHWM) again from what it holds now. */
export function resetPeak(pid: number) {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}
