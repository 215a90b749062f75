// Kubernetes' slow-start batching: call fn `count` times in batches of 1, 2, 4, ... and stop at the
// first batch with a failure, so a ReplicaSet whose pods are all rejected (quota, invalid template)
// makes one failing request instead of hundreds. Shared by the ReplicaSet controller and the
// StatefulSet controller's Parallel pod management.

export async function slowStartBatch(count: number, initialBatch: number, fn: () => Promise<void>): Promise<{ succeeded: number; error?: unknown }> {
  let remaining = count;
  let succeeded = 0;
  for (let batch = Math.min(remaining, initialBatch); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    succeeded += results.filter((r) => r.status === 'fulfilled').length;
    if (failed) return { succeeded, error: failed.reason };
    remaining -= batch;
  }
  return { succeeded };
}
