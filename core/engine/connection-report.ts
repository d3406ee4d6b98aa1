import type { RepoTarget } from '../../contract/config.js';
import type { ConnectionReport } from '../../contract/setup.js';
import { testConnection } from '../ssh/connection-test.js';

/**
 * The setup wizard's connection test (see testConnection: key, pinned host key, a few MB each way, what is at
 * the path) as the contract reports it: latency, throughput where data moved, whether a repository exists.
 * Errors: testConnection's (each with a hint naming the fix). Kept apart from setup.ts so that only the app,
 * which offers the test, loads the test's http2 client.
 */
export async function connectionReport(target: RepoTarget): Promise<ConnectionReport> {
  const r = await testConnection(target);
  const seconds = r.durationMs / 1000;
  return {
    latencyMs: r.durationMs,
    ...(r.bytesUp > 0 && seconds > 0 ? { uploadBytesPerSecond: r.bytesUp / seconds } : {}),
    ...(r.bytesDown > 0 && seconds > 0 ? { downloadBytesPerSecond: r.bytesDown / seconds } : {}),
    repository: r.repositoryExists ? 'exists' : 'absent',
  };
}
