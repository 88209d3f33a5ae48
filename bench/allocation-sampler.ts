// Preloaded into a benchmarked process (`node --import .cache/allocation-sampler.mjs …`, built by
// bench/run.ts) when GUARDRAIL_ALLOC_PROFILE names a file: V8's sampling heap profiler, counting
// what young-generation collections free as well, since nearly everything a proxy allocates per
// round trip is garbage by the next one. SIGUSR1 starts sampling; SIGUSR2 stops it and writes the
// profile (a .heapprofile) to that file. bench/allocation.ts drives it and reads the result.
import { renameSync, writeFileSync } from 'node:fs';
import { type HeapProfiler, Session } from 'node:inspector';

const out = process.env.GUARDRAIL_ALLOC_PROFILE;
if (out) {
  const session = new Session();
  session.connect();
  const post = <T>(method: string, params?: object) =>
    new Promise<T>((resolve, reject) =>
      session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result as T))),
    );
  // Small enough an interval that a few thousand round trips give a stable bytes-per-trip figure.
  const sampling = {
    samplingInterval: 512,
    includeObjectsCollectedByMinorGC: true,
    includeObjectsCollectedByMajorGC: true,
  };
  process.on('SIGUSR1', () => {
    void post('HeapProfiler.enable').then(() => post('HeapProfiler.startSampling', sampling));
  });
  process.on('SIGUSR2', () => {
    void post<HeapProfiler.StopSamplingReturnType>('HeapProfiler.stopSampling').then(({ profile }) => {
      // Renamed into place whole: the reader waits for the file to appear.
      writeFileSync(`${out}.tmp`, JSON.stringify(profile));
      renameSync(`${out}.tmp`, out);
    });
  });
}
