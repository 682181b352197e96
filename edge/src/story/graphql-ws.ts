/**
 * GraphQL over WebSocket (the graphql-ws protocol, `graphql-transport-ws`) in the Worker: the
 * upgrade request gets a WebSocketPair, graphql-ws's server drives the protocol, and operations
 * run through yoga's envelop (the same schema, plugins and context as HTTP and SSE).
 */
import type { ExecutionArgs } from 'graphql';
import { CloseCode, GRAPHQL_TRANSPORT_WS_PROTOCOL, makeServer } from 'graphql-ws';
import type { YogaServerInstance } from 'graphql-yoga';
import type { PixloomContext } from '../../../schema/src/context';
import type { ServerContext } from '../yoga';

type Yoga = YogaServerInstance<ServerContext, PixloomContext>;
type Enveloped = ReturnType<Yoga['getEnveloped']>;

/** Whether the request asks to upgrade to a WebSocket. */
export function isWebSocketUpgrade(request: Request): boolean {
  return request.headers.get('upgrade')?.toLowerCase() === 'websocket';
}

/** Accepts the upgrade and serves graphql-ws on the socket until it closes. */
export function handleGraphqlWs(
  request: Request,
  yoga: Yoga,
  serverContext: ServerContext,
): Response {
  const protocols = request.headers.get('sec-websocket-protocol') ?? '';
  if (!protocols.split(',').map((p) => p.trim()).includes(GRAPHQL_TRANSPORT_WS_PROTOCOL)) {
    return new Response(`Use the ${GRAPHQL_TRANSPORT_WS_PROTOCOL} subprotocol (graphql-ws).`,
      { status: 400 });
  }
  const { 0: client, 1: socket } = new WebSocketPair();
  socket.accept();
  const aborted = new AbortController();
  const context = { ...serverContext, pixloom: { ...serverContext.pixloom,
    signal: aborted.signal } };

  const server = makeServer<Record<string, unknown> | undefined, { request: Request }>({
    execute: (args) => (args.rootValue as Enveloped).execute(args),
    subscribe: (args) => (args.rootValue as Enveloped).subscribe(args),
    onSubscribe: async (_ctx, _id, payload) => {
      const env = yoga.getEnveloped({ ...context, request, params: payload });
      const document = env.parse(payload.query);
      const errors = env.validate(env.schema, document);
      if (errors.length > 0) return errors;
      const args: ExecutionArgs = {
        schema: env.schema,
        document,
        operationName: payload.operationName,
        variableValues: payload.variables,
        contextValue: await env.contextFactory(),
        rootValue: env,
      };
      return args;
    },
  });

  const closed = server.opened({
    protocol: GRAPHQL_TRANSPORT_WS_PROTOCOL,
    send: (data) => socket.send(data),
    close: (code, reason) => socket.close(code, reason),
    onMessage: (cb) => {
      socket.addEventListener('message', (event) => {
        void cb(String(event.data)).catch(() => socket.close(CloseCode.InternalServerError,
          'internal error'));
      });
    },
  }, { request });
  socket.addEventListener('close', (event) => {
    aborted.abort();
    void closed(event.code, event.reason);
  });
  serverContext.waitUntil(new Promise<void>((done) => {
    socket.addEventListener('close', () => done());
  }));
  return new Response(null, {
    status: 101, webSocket: client,
    headers: { 'sec-websocket-protocol': GRAPHQL_TRANSPORT_WS_PROTOCOL },
  });
}
