/**
 * The Worker isolate's V8 heap, read over the DevTools protocol that `wrangler dev` serves on
 * its inspector port (`Runtime.getHeapUsage`). Workers allow an isolate 128 MB.
 */
import WebSocket from 'ws';

export interface HeapUsage {
  usedBytes: number;
  totalBytes: number;
}

/** Reads the heap of the first Worker target on `inspectorPort`. */
export async function isolateHeap(inspectorPort: number): Promise<HeapUsage> {
  const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json() as
    Array<{ webSocketDebuggerUrl?: string }>;
  const target = targets.find((t) => t.webSocketDebuggerUrl)?.webSocketDebuggerUrl;
  if (!target) throw new Error(`no inspectable Worker on port ${inspectorPort}`);
  const socket = new WebSocket(target);
  try {
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const reply = new Promise<{ usedSize: number; totalSize: number }>((resolve, reject) => {
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as { id?: number; result?: never };
        if (message.id === 1) resolve(message.result as never);
      });
      setTimeout(() => reject(new Error('no heap usage reply within 10 s')), 10_000);
    });
    socket.send(JSON.stringify({ id: 1, method: 'Runtime.getHeapUsage' }));
    const { usedSize, totalSize } = await reply;
    return { usedBytes: usedSize, totalBytes: totalSize };
  } finally {
    socket.close();
  }
}
