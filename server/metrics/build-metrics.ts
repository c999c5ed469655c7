// Builds, counted as each one ends (the outcome recorder's 'version' notices), since the server
// started: a failed version is dropped from the store when its label is pushed again, so the
// store cannot count them. Prometheus' rate() and increase() see through the restarts.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Store } from '../store/index.js';
import type { ServerEvents } from '../events.js';

const MB = 1024 * 1024;
const COUNTED_KEPT = 10_000;

export class BuildMetrics {
  private readonly builds: Counter<'result'>;
  private readonly duration: Histogram<'result'>;
  private readonly imageSize: Histogram;
  private readonly building: Gauge;
  private readonly counted = new Set<number>();
  private readonly onVersion = (id: number) => this.count(id);

  constructor(
    registry: Registry,
    private readonly store: Store,
    private readonly events: ServerEvents,
  ) {
    this.builds = new Counter({ name: 'allgo_builds_total', help: 'Builds ended, by result (ready, failed), since the server started', labelNames: ['result'], registers: [registry] });
    for (const result of ['ready', 'failed']) this.builds.inc({ result }, 0);
    this.duration = new Histogram({
      name: 'allgo_build_duration_seconds',
      help: 'Time from push to the end of its build, by result',
      labelNames: ['result'],
      buckets: [5, 15, 30, 60, 120, 300, 600, 1800, 3600],
      registers: [registry],
    });
    this.imageSize = new Histogram({
      name: 'allgo_image_size_bytes',
      help: 'Unpacked size of the images built',
      buckets: [10 * MB, 50 * MB, 100 * MB, 250 * MB, 500 * MB, 1024 * MB, 2048 * MB, 5120 * MB, 10240 * MB],
      registers: [registry],
    });
    this.building = new Gauge({ name: 'allgo_builds_in_progress', help: 'Versions building now', registers: [registry] });
    events.on('version', this.onVersion);
  }

  refresh(): void {
    this.building.set(this.store.versions.listBuilding().length);
  }

  private count(id: number): void {
    if (this.counted.has(id)) return;
    const v = this.store.versions.byId(id);
    if (!v || v.state === 'building') return;
    this.counted.add(id);
    if (this.counted.size > COUNTED_KEPT) this.counted.delete(this.counted.values().next().value!);
    this.builds.inc({ result: v.state });
    if (v.finishedAt) this.duration.observe({ result: v.state }, Math.max(0, (Date.parse(v.finishedAt) - Date.parse(v.createdAt)) / 1000));
    if (v.state === 'ready' && v.imageSize) this.imageSize.observe(v.imageSize);
  }

  close(): void {
    this.events.off('version', this.onVersion);
  }
}
