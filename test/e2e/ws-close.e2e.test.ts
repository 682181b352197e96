/**
 * The WebSocket endpoint closes as the protocol says: a client that closes with a code sees
 * its own code come back (a close handshake), not an abnormal 1006, and the edge stays up for
 * the next connection.
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEdge, type TestEdge } from '../../edge/test/worker-process';

const PORT = 8877;
let edge: TestEdge;

beforeAll(async () => {
  edge = await startTestEdge({ port: PORT, gpuUrl: 'http://127.0.0.1:8879', seed: false });
});

afterAll(async () => {
  await edge?.stop();
});

/** Opens a graphql-transport-ws connection, waits for the ack, closes with `code`. */
function closeAfterAck(code: number): Promise<{ code: number; reason: string }> {
  const url = edge.graphqlUrl.replace(/^http/, 'ws');
  const socket = new WebSocket(url, 'graphql-transport-ws');
  return new Promise((resolve, reject) => {
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
    socket.on('message', (data) => {
      if (JSON.parse(String(data)).type === 'connection_ack') socket.close(code, 'bye');
    });
    socket.on('close', (closeCode, reason) => resolve({ code: closeCode,
      reason: String(reason) }));
    socket.on('error', reject);
  });
}

describe('graphql-ws close handshake', () => {
  it('answers a client close with the same code, connection after connection', async () => {
    for (const code of [1000, 4000, 1000]) {
      expect(await closeAfterAck(code)).toEqual({ code, reason: 'bye' });
    }
    const health = await fetch(`${edge.url}/health`);
    expect(await health.json()).toEqual({ ok: true });
  });
});
