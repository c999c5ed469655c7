// The ceilings a manifest's job resources are checked against at push.
import { describe, it, expect } from 'vitest';
import type Docker from 'dockerode';
import { ceilings, checkCeilings, PushRefusal } from '../../server/git/push-checks.js';
import type { Config } from '../../common/config.js';
import type { AllgoManifest } from '../../schemas/index.js';

const engine = (info: object | null) => ({ info: async () => (info ? info : Promise.reject(new Error('down'))) }) as unknown as Docker;
const config = (maxMemoryMb: number | null, maxCpus: number | null) => ({ maxMemoryMb, maxCpus }) as Config;
const manifest = (m: Partial<AllgoManifest>): AllgoManifest => ({ version: '1.0', entrypoint: '/x', memory: 1024, ...m });
const refusal = (f: () => void): string => {
  try {
    f();
  } catch (err) {
    if (err instanceof PushRefusal) return err.message;
    throw err;
  }
  return 'accepted';
};

describe('job ceilings', () => {
  const big = engine({ NCPU: 2, MemTotal: 4096 * 1024 * 1024 });

  it("takes the config's ceiling when it is below the engine's, else the engine's", async () => {
    expect(await ceilings(config(512, 1), big)).toEqual({
      memoryMb: { value: 512, why: "this server's ceiling (limits.max_memory_mb)" },
      cpus: { value: 1, why: "this server's ceiling (limits.max_cpus)" },
    });
    expect(await ceilings(config(100_000, 64), big)).toEqual({
      memoryMb: { value: 4096, why: "the memory of this server's Docker engine" },
      cpus: { value: 2, why: "the CPUs of this server's Docker engine" },
    });
  });

  it('keeps the config alone when the engine does not answer', async () => {
    expect(await ceilings(config(512, null), engine(null))).toEqual({ memoryMb: { value: 512, why: "this server's ceiling (limits.max_memory_mb)" }, cpus: null });
  });

  it('refuses memory or cpus over the ceiling, naming it, and accepts what is within', async () => {
    const limits = await ceilings(config(null, null), big);
    expect(refusal(() => checkCeilings(manifest({ memory: 1048576 }), limits))).toBe("allgo.yaml: `memory` 1048576 MB is over the memory of this server's Docker engine: 4096 MB");
    expect(refusal(() => checkCeilings(manifest({ cpus: 1000 }), limits))).toBe("allgo.yaml: `cpus` 1000 is over the CPUs of this server's Docker engine: 2");
    expect(refusal(() => checkCeilings(manifest({ memory: 4096, cpus: 2 }), limits))).toBe('accepted');
  });
});
