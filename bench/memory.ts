// Benchmark 5, memory: resident memory (VmRSS) of the `allgo up` process and of its supervised
// redis-server, idle (one app published, machine quiet) and while it runs the throughput
// workload (N trivial jobs at once, runner concurrency 2), without the plain Docker half.
// `npm run bench` takes these figures from the throughput benchmark instead of running this.
// Run: npm run bench:memory [-- --jobs 200]
import { parseArgs } from 'node:util';
import { throughputRun } from './lib/workload.js';

const { values } = parseArgs({ options: { jobs: { type: 'string', default: '200' } } });
await throughputRun(Math.max(1, Number(values.jobs)), { plain: false });
