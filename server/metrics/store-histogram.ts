// A Prometheus histogram whose buckets are counted elsewhere (from the store), not observed
// here: prom-client's Histogram only counts what it observes, so it would restart from zero
// with the server. The registry asks a metric only for its name, type and get().
import type { Metric, Registry } from 'prom-client';

/** Counts per label value (e.g. per queue): each bucket's own count, not cumulative. */
export class BucketCounts {
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = bounds.map(() => 0);
  }

  observe(value: number): void {
    const i = this.bounds.findIndex((b) => value <= b);
    if (i >= 0) this.counts[i]++;
    this.sum += value;
    this.count++;
  }

  add(other: BucketCounts): void {
    other.counts.forEach((n, i) => (this.counts[i] += n));
    this.sum += other.sum;
    this.count += other.count;
  }
}

interface Value {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

export class StoreHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly label: string,
    private readonly read: () => ReadonlyMap<string, BucketCounts>,
  ) {}

  register(registry: Registry): void {
    // Not one of prom-client's classes, but all the registry calls on it.
    registry.registerMetric(this as unknown as Metric);
  }

  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Value[] }> {
    const values: Value[] = [];
    for (const [key, h] of this.read()) {
      let cumulative = 0;
      h.bounds.forEach((le, i) => {
        cumulative += h.counts[i];
        values.push({ metricName: `${this.name}_bucket`, labels: { [this.label]: key, le }, value: cumulative });
      });
      values.push({ metricName: `${this.name}_bucket`, labels: { [this.label]: key, le: '+Inf' }, value: h.count });
      values.push({ metricName: `${this.name}_sum`, labels: { [this.label]: key }, value: h.sum });
      values.push({ metricName: `${this.name}_count`, labels: { [this.label]: key }, value: h.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
