/**
 * GraphQL requests of the bad-input corpus: documents that are too deep, too wide, too
 * costly or too long, and requests that are not one well-formed operation.
 */

export interface GraphQLCase {
  name: string;
  /** The JSON body (object or raw string) of a POST with content-type application/json. */
  payload?: unknown;
  /** Or a whole request (URL and init), for other methods, content types and bodies. */
  raw?: (url: string) => [string, RequestInit];
  code: string;
  status?: number;
  message?: RegExp;
}

const nest = (depth: number) => `{ __type(name: "Query") { ${'fields { type { '.repeat(1)}`
  + `${'ofType { '.repeat(depth)}name${' }'.repeat(depth)} } } } }`;

const SEGMENT_ALL = `segment(imageId: "x", question: "where?") { id answer segments { index label
  score area bbox { x y width height } mask { ... on RleMask { size counts } }
  mask(format: POLYGON) { ... on RleMask { size counts } ... on PngMask { url width height }
  ... on PolygonMask { polygons } } }
  cached { answer features } timings { edgeMs pipelineMs encodeMs lmMs decodeMs tokens }
  model { name version } }`;

/** A POST whose body is a stream, so it goes out chunked, without content-length. */
function chunked(type: string, bytes: Uint8Array): RequestInit {
  return { method: 'POST', headers: { 'content-type': type }, body: new Blob([bytes]).stream(),
    duplex: 'half' } as RequestInit;
}

export const GRAPHQL_CASES: GraphQLCase[] = [
  { name: 'an ordinary introspection query', code: 'OK',
    payload: { query: '{ __schema { queryType { name } types { name fields { name } } } }' } },
  { name: 'a syntax error', payload: { query: '{ segment(' }, code: 'GRAPHQL_PARSE_FAILED' },
  { name: 'an unknown field', payload: { query: '{ nope }' },
    code: 'GRAPHQL_VALIDATION_FAILED' },
  { name: 'a depth bomb (14 nested levels)', payload: { query: nest(10) },
    code: 'QUERY_TOO_COMPLEX', message: /depth limit of 10.*Select fewer nested levels/ },
  { name: 'an alias bomb (40 aliases)', code: 'QUERY_TOO_COMPLEX', message: /aliases/i,
    payload: { query: `{ ${Array.from({ length: 40 }, (_, i) => `a${i}: image(id: "x") { id }`)
      .join(' ')} }` } },
  { name: 'a cost bomb (5 aliased segment calls selecting everything)',
    code: 'QUERY_TOO_COMPLEX', message: /Cost limit of 500/,
    payload: { query: `{ ${Array.from({ length: 5 }, (_, i) => `s${i}: ${SEGMENT_ALL}`)
      .join('\n')} }` } },
  { name: 'a token bomb (3000 fields)', code: 'QUERY_TOO_COMPLEX', message: /Token limit/,
    payload: { query: `{ ${'__typename '.repeat(3000)}}` } },
  { name: 'a directive bomb (40 directives)', code: 'QUERY_TOO_COMPLEX', message: /irectives/,
    payload: { query: `{ __typename ${'@skip(if: false) '.repeat(40)}}` } },
  { name: 'a huge list literal (5000 items)', code: 'QUERY_TOO_COMPLEX', message: /Token/,
    payload: { query: `{ image(id: [${'"a", '.repeat(5000)}]) { id } }` } },
  // The recursive parser would run out of stack; the lexer counts nesting before it runs.
  { name: 'a list literal nested 20 000 brackets deep', code: 'QUERY_TOO_COMPLEX',
    message: /Nesting limit of 40 exceeded.*Flatten/,
    payload: { query: `{ segment(imageId: "x", question: ${'['.repeat(20_000)}"a"`
      + `${']'.repeat(20_000)}) { answer } }` } },
  { name: 'selection sets nested 5000 deep', code: 'QUERY_TOO_COMPLEX', message: /Nesting/,
    payload: { query: `${'{ a '.repeat(5000)}${'}'.repeat(5000)}` } },
  { name: 'a list where an ID is expected (1000 items in variables)', code: 'BAD_REQUEST',
    payload: { query: 'query ($id: ID!) { image(id: $id) { id } }',
      variables: { id: Array.from({ length: 1000 }, (_, i) => String(i)) } } },
  { name: 'variables nested 20 000 arrays deep', code: 'BAD_REQUEST',
    payload: `{"query":"query ($id: ID!) { image(id: $id) { id } }","variables":{"id":`
      + `${'['.repeat(20_000)}1${']'.repeat(20_000)}}}` },
  { name: 'a fragment cycle', code: 'GRAPHQL_VALIDATION_FAILED',
    payload: { query: 'query { ...A } fragment A on Query { ...B } '
      + 'fragment B on Query { ...A }' } },
  { name: 'a batched request (JSON array)', code: 'BAD_REQUEST', status: 400,
    message: /one operation per request/,
    payload: [{ query: '{ __typename }' }, { query: '{ __typename }' }] },
  { name: 'a body that is not JSON', payload: '{"query": "{ __typename }"', code: 'BAD_REQUEST',
    status: 400, message: /Send the body as JSON/ },
  { name: 'JSON without a query', payload: { variables: {} }, code: 'BAD_REQUEST' },
  { name: 'a JSON body over 64 KiB', code: 'PAYLOAD_TOO_LARGE', status: 413,
    message: /at most 65536 bytes/,
    payload: { query: 'query ($q: String!) { __typename }',
      variables: { q: 'x'.repeat(70_000) } } },
  { name: 'a chunked JSON body over 64 KiB (no content-length)', code: 'PAYLOAD_TOO_LARGE',
    status: 413, raw: (url) => [url, chunked('application/json', new TextEncoder().encode(
      JSON.stringify({ query: '{ __typename }', variables: { x: 'y'.repeat(200_000) } })))] },
  { name: 'a chunked 3 MiB multipart upload (no content-length)', code: 'PAYLOAD_TOO_LARGE',
    status: 413, raw: (url) => {
      const form = new FormData();
      form.set('operations', JSON.stringify({ query: 'mutation ($file: File!) '
        + '{ uploadImage(file: $file) { id } }', variables: { file: null } }));
      form.set('map', JSON.stringify({ 0: ['variables.file'] }));
      form.set('0', new Blob([new Uint8Array(3 * 1024 * 1024)], { type: 'image/png' }), 'x.png');
      const encoded = new Response(form);
      return [url, { method: 'POST', body: encoded.body, duplex: 'half',
        headers: { 'content-type': encoded.headers.get('content-type') as string } } as
        RequestInit];
    } },
  { name: 'a mutation over GET', code: 'BAD_REQUEST', status: 405,
    raw: (url) => [`${url}?query=${encodeURIComponent('mutation { uploadImage(file: null) '
      + '{ id } }')}`, { method: 'GET', headers: { accept: 'application/json' } }] },
  { name: 'a GET without a query, asking for JSON', code: 'BAD_REQUEST',
    raw: (url) => [url, { method: 'GET', headers: { accept: 'application/json' } }] },
  // yoga reads a text/plain body as the GraphQL document itself: answered, not an error.
  { name: 'a body with content-type text/plain', code: 'OK',
    raw: (url) => [url, { method: 'POST', headers: { 'content-type': 'text/plain' },
      body: '{ __typename }' }] },
  { name: 'invalid UTF-8 and a raw NUL in a JSON body', code: 'BAD_REQUEST',
    raw: (url) => [url, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: new Uint8Array([...Buffer.from('{"query":"{ \u0000'), 0xff, 0xfe,
        ...Buffer.from(' }"}')]) }] },
  // The spec's map names where files go; a path to nothing is ignored, the operation runs.
  { name: 'multipart with a map that points nowhere', code: 'OK',
    raw: (url) => {
      const form = new FormData();
      form.set('operations', JSON.stringify({ query: '{ __typename }', variables: {} }));
      form.set('map', JSON.stringify({ 0: ['variables.missing.deep'] }));
      form.set('0', new Blob([new Uint8Array([1, 2, 3])]), 'x.png');
      return [url, { method: 'POST', body: form }];
    } },
  { name: 'multipart whose operations field is not JSON', code: 'BAD_REQUEST',
    raw: (url) => {
      const form = new FormData();
      form.set('operations', '{ not json');
      form.set('map', '{}');
      return [url, { method: 'POST', body: form }];
    } },
];
