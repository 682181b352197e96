/**
 * The edge's StoryService: each story is a StoryJobHub Durable Object, named by the story id.
 * The Worker validates and forwards; subscriptions read the hub's event stream, so events cross
 * requests through the Durable Object (yoga's in-memory pub/sub cannot in workerd). One more
 * instance of the same class keeps the list of stories (story-index.ts).
 */
import { PixloomError } from '../../../shared/src/errors';
import { STORY_SPEC_LIMITS as L, type StoryJobSpec } from '../../../shared/src/story-wire';
import type {
  CreateStoryRequest, StoryEventRecord, StoryPageRequest, StoryRecord, StoryService,
} from '../../../schema/src/story-context';
import { pageUrl, STORY_INDEX_NAME, STORY_INDEX_PATH } from './story-index';

export class EdgeStoryService implements StoryService {
  constructor(private readonly hubs: DurableObjectNamespace, private readonly baseUrl: string) {}

  private hub(id: string): DurableObjectStub {
    return this.hubs.get(this.hubs.idFromName(id));
  }

  async create(request: CreateStoryRequest): Promise<StoryRecord> {
    const spec = toSpec(request);
    const id = crypto.randomUUID();
    const response = await this.hub(id).fetch('https://hub/start', {
      method: 'POST',
      body: JSON.stringify({ id, baseUrl: this.baseUrl, spec, previews: !!request.previews }),
    });
    const story = (await response.json()) as StoryRecord;
    const listed = await this.hub(STORY_INDEX_NAME).fetch(`https://hub${STORY_INDEX_PATH}add`, {
      method: 'POST', body: JSON.stringify({ id, createdAt: story.createdAt }),
    });
    if (!listed.ok) throw new Error(`story index answered ${listed.status}`);
    return story;
  }

  async list(page: StoryPageRequest): Promise<StoryRecord[]> {
    const response = await this.hub(STORY_INDEX_NAME).fetch(pageUrl(page));
    if (!response.ok) throw new Error(`story index answered ${response.status}`);
    const ids = (await response.json()) as string[];
    const stories = await Promise.all(ids.map((id) => this.get(id)));
    return stories.filter((story): story is StoryRecord => story !== null);
  }

  async get(id: string): Promise<StoryRecord | null> {
    const response = await this.hub(id).fetch('https://hub/state');
    return response.status === 404 ? null : ((await response.json()) as StoryRecord);
  }

  async cancel(id: string): Promise<StoryRecord> {
    const response = await this.hub(id).fetch('https://hub/cancel', { method: 'POST' });
    if (response.status === 404) throw notFound(id);
    return (await response.json()) as StoryRecord;
  }

  async* events(id: string, after: number, signal?: AbortSignal):
  AsyncGenerator<StoryEventRecord> {
    const response = await this.hub(id).fetch(`https://hub/events?after=${after}`, { signal });
    if (response.status === 404) throw notFound(id);
    if (response.status === 400) bad(((await response.json()) as { error: string }).error);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let pending = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        const lines = (pending + value).split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          if (line.trim() !== '') yield JSON.parse(line) as StoryEventRecord;
        }
      }
    } finally {
      // The viewer left (or the story ended): tell the hub at once by dropping the stream.
      await reader.cancel().catch(() => undefined);
    }
  }
}

function notFound(id: string): PixloomError {
  return new PixloomError('NOT_FOUND', `There is no story ${id}; use the id createStory `
    + 'returned.');
}

function bad(message: string): never {
  throw new PixloomError('BAD_REQUEST', message);
}

/** createStory's input as the gpu-service's job spec; the gpu-service checks the values. */
export function toSpec(input: CreateStoryRequest): StoryJobSpec {
  if (input.character.trim() === '') {
    bad('character is empty; describe who the story is about, e.g. "a girl in a red shirt".');
  }
  if (input.panels.length === 0 || input.panels.length > L.panels) {
    bad(`${input.panels.length} panels; send 1 to ${L.panels} panels.`);
  }
  const texts = [input.character, ...input.panels.flatMap((p) => [p.text, p.caption ?? ''])];
  if (texts.some((t) => t.length > L.textChars)) {
    bad(`character, panel texts and captions may have at most ${L.textChars} characters.`);
  }
  const whole = (name: string, v: number | null | undefined, lo: number, hi: number) => {
    if (v !== null && v !== undefined && !(Number.isInteger(v) && v >= lo && v <= hi)) {
      bad(`${name} is ${v}; send a whole number from ${lo} to ${hi}.`);
    }
  };
  whole('steps', input.steps, 1, L.steps);
  whole('framesBetween', input.framesBetween, 0, L.framesBetween);
  whole('fps', input.fps, 1, L.fps);
  whole('identityPanels', input.identityPanels, 1, input.panels.length);
  whole('seed', input.seed, 0, 2 ** 31 - 1);
  const g = input.guidance;
  if (g !== null && g !== undefined && !(g >= 0 && g <= L.guidance)) {
    bad(`guidance is ${g}; send a number from 0 to ${L.guidance}.`);
  }
  const rate = input.consistentAttentionRate ?? 0.5;
  if (input.consistentAttentionRate !== null && input.consistentAttentionRate !== undefined
    && !(rate >= 0 && rate <= 1)) {
    bad(`consistentAttentionRate is ${rate}; send a number from 0 to 1 (0.5 is usual).`);
  }
  const opt = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v);
  return {
    character: input.character,
    panels: input.panels.map((p) => ({
      text: p.text, ...(p.caption ? { caption: p.caption } : {}),
    })),
    seed: opt(input.seed),
    steps: opt(input.steps),
    guidance: opt(input.guidance),
    consistentAttention: input.consistentAttention === false
      ? { enabled: false, rate } : { enabled: true, rate },
    identityPanels: opt(input.identityPanels),
    framesBetween: opt(input.framesBetween),
    fps: opt(input.fps),
  };
}
