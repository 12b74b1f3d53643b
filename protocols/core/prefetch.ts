/**
 * Request preprocessing now (synchronously, so every request of a protocol leaves in one batch
 * and its tags are taken while the call starts, see scope.ts) and await it later. Marks the
 * promise handled so that a failure surfaces where it is awaited, not as an unhandled rejection.
 */
export function prefetch<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}
