import fs from 'node:fs';
import path from 'node:path';

/**
 * Preloaded into a benchmarked node (`--expose-gc --import gateway/bench/heap-report.ts`): on
 * SIGUSR2 it collects all garbage and writes the V8 heap still in use to
 * `$SB_BENCH_HEAP_DIR/heap-<pid>.json`. What stays after a full collection is what the process
 * keeps (the retained size of a heap snapshot), without the young generation and the
 * not-yet-collected garbage that RSS also counts.
 */
const dir = process.env.SB_BENCH_HEAP_DIR;
const collect = (globalThis as { gc?: () => void }).gc;
if (dir && collect) {
  process.on('SIGUSR2', () => {
    collect();
    collect();
    const file = path.join(dir, `heap-${process.pid}.json`);
    fs.writeFileSync(`${file}.tmp`, JSON.stringify({ heapUsed: process.memoryUsage().heapUsed }));
    fs.renameSync(`${file}.tmp`, file);
  });
}
