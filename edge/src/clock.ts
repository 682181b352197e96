/**
 * Timing inside a Worker. workerd holds the clock still while code runs and moves it only when
 * the Worker waits for I/O (timers included), so `performance.now()` read right after CPU-bound
 * work (a WASM inference) still shows the time of the last I/O. {@link settledNow} first waits
 * for a zero-delay timer, which lets the clock catch up with the work just done.
 */
export async function settledNow(): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 0));
  return performance.now();
}
