/**
 * The page's GraphQL client (served as /playground/graphql.js): JSON requests, multipart
 * uploads (graphql-multipart-request-spec) and subscriptions over Server-Sent Events in
 * graphql-sse's distinct-connections mode (a POST answered with text/event-stream). It reads
 * the stream with fetch rather than EventSource because EventSource can neither POST nor send
 * the Authorization header an API key needs.
 */
export const GRAPHQL_JS = String.raw`
const ENDPOINT = '/graphql';

/** A GraphQL or HTTP error, its message readable as it stands. */
export class RequestError extends Error {
  constructor(errors) {
    super(errors.map(describe).join('\n'));
    this.name = 'RequestError';
    this.errors = errors;
  }
}

function describe(error) {
  const code = error.extensions && error.extensions.code;
  return code ? error.message + ' (' + code + ')' : error.message;
}

function headers(extra) {
  const key = document.getElementById('api-key').value.trim();
  return key ? Object.assign({ authorization: 'Bearer ' + key }, extra) : extra;
}

async function readResult(response) {
  const type = response.headers.get('content-type') || '';
  if (!type.includes('json')) {
    const text = await response.text();
    throw new RequestError([{ message: 'HTTP ' + response.status + ': ' + text.slice(0, 300) }]);
  }
  const result = await response.json();
  if (result.errors && result.errors.length > 0) throw new RequestError(result.errors);
  if (!response.ok) throw new RequestError([{ message: 'HTTP ' + response.status }]);
  return result.data;
}

/** Runs a query or mutation; resolves with its data, rejects with a RequestError. */
export async function request(query, variables) {
  const response = await fetch(ENDPOINT, {
    method: 'POST',
    headers: headers({ 'content-type': 'application/json', accept: 'application/json' }),
    body: JSON.stringify({ query, variables }),
  });
  return readResult(response);
}

/** Runs an operation with one file bound to variables[name] (a multipart request). */
export async function upload(query, variables, name, file) {
  const form = new FormData();
  const vars = Object.assign({}, variables);
  vars[name] = null;
  form.set('operations', JSON.stringify({ query, variables: vars }));
  form.set('map', JSON.stringify({ 0: ['variables.' + name] }));
  form.set('0', file, file.name || 'image');
  const response = await fetch(ENDPOINT, { method: 'POST', headers: headers({}), body: form });
  return readResult(response);
}

/**
 * Subscribes over SSE. sink.next(data) gets each result's data; sink.error(error) a
 * RequestError or a network error; sink.complete() the server's end of the stream.
 * Returns a function that stops the subscription.
 */
export function subscribe(query, variables, sink) {
  const abort = new AbortController();
  let ended = false;
  const end = (fn, arg) => {
    if (ended) return;
    ended = true;
    fn(arg);
  };
  const onEvent = (event, data) => {
    if (event === 'complete') return end(sink.complete);
    if (event !== 'next' || data === '') return;
    const result = JSON.parse(data);
    if (result.errors && result.errors.length > 0) {
      end(sink.error, new RequestError(result.errors));
      abort.abort();
      return;
    }
    sink.next(result.data);
  };
  (async () => {
    const response = await fetch(ENDPOINT, {
      method: 'POST',
      headers: headers({ 'content-type': 'application/json', accept: 'text/event-stream' }),
      body: JSON.stringify({ query, variables }),
      signal: abort.signal,
    });
    const type = response.headers.get('content-type') || '';
    if (!type.includes('text/event-stream')) await readResult(response);
    await readEvents(response.body, onEvent);
    end(sink.error, new Error('The event stream ended before the subscription completed.'));
  })().catch((error) => {
    if (!abort.signal.aborted) end(sink.error, error);
  });
  return () => {
    ended = true;
    abort.abort();
  };
}

/** Splits a text/event-stream body into (event, data) pairs; blocks without data are skipped. */
export async function readEvents(body, onEvent) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let carry = '';
  for (;;) {
    const chunk = await reader.read();
    if (chunk.done) return;
    // A CR at the end of a chunk may be the first half of a CRLF: keep it for the next one.
    let text = carry + chunk.value;
    carry = text.endsWith('\r') ? '\r' : '';
    if (carry) text = text.slice(0, -1);
    buffer += text.replace(/\r\n?/g, '\n');
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length > 0) onEvent(event, data.join('\n'));
      end = buffer.indexOf('\n\n');
    }
  }
}
`;
