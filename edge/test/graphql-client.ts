/** A small GraphQL-over-HTTP client for the edge tests: JSON, multipart uploads, SSE. */

export interface GraphQLResult<T = Record<string, any>> {
  data?: T | null;
  errors?: Array<{ message: string; path?: string[]; extensions?: { code?: string } }>;
}

/** POSTs a JSON GraphQL request. */
export async function graphql<T = Record<string, any>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GraphQLResult<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLResult<T>;
}

/**
 * POSTs a GraphQL multipart request (graphql-multipart-request-spec) with one file bound to
 * `variables[fileVariable]`.
 */
export async function graphqlUpload<T = Record<string, any>>(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  fileVariable: string,
  file: { bytes: Uint8Array; name: string; type?: string },
): Promise<GraphQLResult<T>> {
  const form = new FormData();
  const operations = { query, variables: { ...variables, [fileVariable]: null } };
  form.set('operations', JSON.stringify(operations));
  form.set('map', JSON.stringify({ 0: [`variables.${fileVariable}`] }));
  form.set('0', new Blob([file.bytes], { type: file.type ?? 'application/octet-stream' }),
    file.name);
  const response = await fetch(url, { method: 'POST', body: form });
  return (await response.json()) as GraphQLResult<T>;
}

/** Runs a subscription over SSE and collects every event until the stream ends. */
export async function subscribe<T = Record<string, any>>(
  url: string,
  query: string,
  variables: Record<string, unknown>,
): Promise<Array<GraphQLResult<T> & { receivedAt: number }>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query, variables }),
  });
  if (!response.body) throw new Error(`no SSE body (status ${response.status})`);
  const events: Array<GraphQLResult<T> & { receivedAt: number }> = [];
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const isNext = /^event: next$/m.test(block) || !/^event:/m.test(block);
      const data = block.split('\n').filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).trim()).join('\n');
      if (isNext && data) events.push({ ...JSON.parse(data), receivedAt: performance.now() });
    }
  }
  return events;
}
