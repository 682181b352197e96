/**
 * GraphQL over WebSocket (the graphql-ws protocol, `graphql-transport-ws`) in the Worker: the
 * upgrade request gets a WebSocketPair, graphql-ws's server drives the protocol, and operations
 * run through yoga's envelop (the same schema, plugins and context as HTTP and SSE). API keys
 * are checked when the connection is initialised and counted per operation (ws-access.ts).
 */
import { GraphQLError, type ExecutionArgs } from 'graphql';
import { CloseCode, GRAPHQL_TRANSPORT_WS_PROTOCOL, makeServer } from 'graphql-ws';
import { isPixloomError } from '../../../shared/src/errors';
import type { YogaServerInstance } from 'graphql-yoga';
import type { PixloomContext } from '../../../schema/src/context';
import { closeFor, type ConnectionAccess } from '../security/ws-access';
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
  access: ConnectionAccess,
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
  // Set when the connection is refused: graphql-ws then closes it, with this code and reason.
  let refusal: { code: number; reason: string } | null = null;

  const server = makeServer<Record<string, unknown> | undefined, { request: Request }>({
    execute: (args) => (args.rootValue as Enveloped).execute(args),
    subscribe: (args) => (args.rootValue as Enveloped).subscribe(args),
    onConnect: async (ctx) => {
      try {
        context.auth = await access.open(ctx.connectionParams);
        return true;
      } catch (error) {
        if (!isPixloomError(error)) throw error;
        refusal = closeFor(error);
        return false;
      }
    },
    onSubscribe: async (_ctx, _id, payload) => {
      try {
        await access.operation(context.auth ?? null);
      } catch (error) {
        if (!isPixloomError(error)) throw error;
        return [new GraphQLError(error.message, { extensions: { code: error.code } })];
      }
      const env = yoga.getEnveloped({ ...context, request, params: payload });
      let document: ReturnType<Enveloped['parse']>;
      try {
        document = env.parse(payload.query);
      } catch (error) {
        // A syntax error or a refused document (limits) is the client's, as over HTTP.
        if (!(error instanceof Error) || error.name !== 'GraphQLError') throw error;
        const code = (error as GraphQLError).extensions?.code ?? 'GRAPHQL_PARSE_FAILED';
        return [new GraphQLError(error.message, { extensions: { code } })];
      }
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
    close: (code, reason) => socket.close(refusal?.code ?? code, refusal?.reason ?? reason),
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
    // Answer the client's close frame (workerd does not at this compatibility date), so the
    // client sees its own code instead of 1006; 1005 and 1006 cannot be sent back.
    const code = event.code === 1005 || event.code === 1006 ? 1000 : event.code;
    try {
      socket.close(code, event.reason);
    } catch {
      // Already closed from this side.
    }
  });
  serverContext.waitUntil(new Promise<void>((done) => {
    socket.addEventListener('close', () => done());
  }));
  return new Response(null, {
    status: 101, webSocket: client,
    headers: { 'sec-websocket-protocol': GRAPHQL_TRANSPORT_WS_PROTOCOL },
  });
}
