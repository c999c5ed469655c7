// Benchmark 2, throughput: 200 trivial jobs submitted at once to allgo with the runner's
// concurrency at 2, against 200 `docker run --rm` of the same image and box, 2 at a time.
// Target: allgo's rate ≥ 0.8× the plain rate. Also reports allgo's memory (benchmark 5).
// Run: npm run bench:throughput [-- --jobs 200]
import { parseArgs } from 'node:util';
import { throughputRun } from './lib/workload.js';

const { values } = parseArgs({ options: { jobs: { type: 'string', default: '200' } } });
await throughputRun(Math.max(1, Number(values.jobs)), { plain: true });
