/**
 * Runs `run(i)` for i in 0..total-1 with at most `concurrency` running at once. A real pool, not
 * waves: each slot takes the next index as soon as its task ends, so one slow task holds back
 * only its own slot. Before starting an index, `canStart()` is asked; when it says no (the
 * overall deadline passed, the caller aborted) the index is handed to `skip(i)` instead. Tasks
 * must not throw: each one records its own outcome.
 */
export async function runPool(
  total: number,
  concurrency: number,
  run: (index: number) => Promise<void>,
  canStart: () => boolean,
  skip: (index: number) => void,
): Promise<void> {
  let next = 0;
  const slot = async (): Promise<void> => {
    while (next < total) {
      const index = next++;
      if (canStart()) await run(index);
      else skip(index);
    }
  };
  const slots: Promise<void>[] = [];
  for (let i = 0; i < Math.min(concurrency, total); i++) slots.push(slot());
  await Promise.all(slots);
}
