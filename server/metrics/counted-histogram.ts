// A Prometheus histogram whose buckets are counted here, in plain arrays, and read by the
// registry at a scrape. For the jobs' times, counted from the store (prom-client's Histogram
// only counts what it observes, so it would restart from zero with the server); for the
// requests' durations, because prom-client's observe() checks and hashes its labels on every
// call, which showed in the cost of a polled GET. The registry asks a metric only for its
// name, type and get().
import type { Metric, Registry } from 'prom-client';

/** One series' counts: each bucket's own count, not cumulative. */
export class BucketCounts {
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = bounds.map(() => 0);
  }

  observe(value: number): void {
    const { bounds } = this;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]) {
        this.counts[i]++;
        break;
      }
    }
    this.sum += value;
    this.count++;
  }

  add(other: BucketCounts): void {
    other.counts.forEach((n, i) => (this.counts[i] += n));
    this.sum += other.sum;
    this.count += other.count;
  }
}

type Labels = Readonly<Record<string, string>>;

interface Value {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

/** Series keyed by one label's value (a queue's name): as CountedHistogram reads them. */
export function* byLabel(label: string, series: ReadonlyMap<string, BucketCounts>): Iterable<readonly [Labels, BucketCounts]> {
  for (const [value, counts] of series) yield [{ [label]: value }, counts];
}

export class CountedHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read: () => Iterable<readonly [Labels, BucketCounts]>,
  ) {}

  register(registry: Registry): void {
    // Not one of prom-client's classes, but all the registry calls on it.
    registry.registerMetric(this as unknown as Metric);
  }

  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Value[] }> {
    const values: Value[] = [];
    for (const [labels, h] of this.read()) {
      let cumulative = 0;
      h.bounds.forEach((le, i) => {
        cumulative += h.counts[i];
        values.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le }, value: cumulative });
      });
      values.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le: '+Inf' }, value: h.count });
      values.push({ metricName: `${this.name}_sum`, labels: { ...labels }, value: h.sum });
      values.push({ metricName: `${this.name}_count`, labels: { ...labels }, value: h.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
