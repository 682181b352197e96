/** createStory, story, cancelStory and the storyEvents subscription (stories: story-list.ts). */
import { PixloomError } from '../../shared/src/errors';
import { visibleStoryText } from '../../shared/src/visible-text';
import { builder } from './builder';
import type { CreateStoryRequest, StoryEventRecord } from './story-context';
import { decodeNodeId } from './global-id';
import {
  checkStoryUuid, CreateStoryInputRef, KeyframeRef, STORY_ID, StoryRef,
} from './story-types';
import './story-list';

const ANNOUNCED_AT = 'When the story\'s Durable Object announced it, after storing it '
  + '(milliseconds since 1970, the edge\'s clock).';

type Of<T extends StoryEventRecord['type']> = Extract<StoryEventRecord, { type: T }>;

const StoryEventInterface = builder.interfaceRef<StoryEventRecord>('StoryEvent').implement({
  description: 'An entry of a story\'s event log. seq counts from 1 without gaps; subscribe '
    + 'with after: seq to get only what came later.',
  fields: (t) => ({ seq: t.exposeInt('seq') }),
  resolveType: (e) => ({
    progress: 'StoryProgressEvent', keyframe: 'KeyframeEvent', frame: 'FrameEvent',
    completed: 'StoryCompletedEvent', failed: 'StoryFailedEvent',
    cancelled: 'StoryCancelledEvent',
  })[e.type],
});

builder.objectRef<Of<'progress'>>('StoryProgressEvent').implement({
  interfaces: [StoryEventInterface],
  isTypeOf: (e) => (e as StoryEventRecord).type === 'progress',
  fields: (t) => ({
    stage: t.exposeString('stage'), step: t.exposeInt('step'), of: t.exposeInt('of'),
  }),
});

builder.objectRef<Of<'keyframe'>>('KeyframeEvent').implement({
  description: 'A keyframe, stored before it is announced.',
  interfaces: [StoryEventInterface],
  isTypeOf: (e) => (e as StoryEventRecord).type === 'keyframe',
  fields: (t) => ({
    keyframe: t.field({ type: KeyframeRef,
      resolve: (e) => ({ index: e.index, url: e.url, caption: e.caption }) }),
    announcedAt: t.exposeFloat('announcedAt', { description: ANNOUNCED_AT }),
  }),
});

builder.objectRef<Of<'frame'>>('FrameEvent').implement({
  description: 'A video frame (PNG), stored before it is announced.',
  interfaces: [StoryEventInterface],
  isTypeOf: (e) => (e as StoryEventRecord).type === 'frame',
  fields: (t) => ({
    index: t.exposeInt('index'),
    url: t.exposeString('url'),
    preview: t.exposeString('preview', { nullable: true, description: 'A half-size PNG data '
      + 'URL decoded from the frame\'s latent at the edge (with createStory previews: true).' }),
    announcedAt: t.exposeFloat('announcedAt', { description: ANNOUNCED_AT }),
  }),
});

builder.objectRef<Of<'completed'>>('StoryCompletedEvent').implement({
  description: 'The last event of a finished story.',
  interfaces: [StoryEventInterface],
  isTypeOf: (e) => (e as StoryEventRecord).type === 'completed',
  fields: (t) => ({ story: t.field({ type: StoryRef, resolve: (e) => e.story }) }),
});

builder.objectRef<Of<'failed'>>('StoryFailedEvent').implement({
  interfaces: [StoryEventInterface],
  isTypeOf: (e) => (e as StoryEventRecord).type === 'failed',
  fields: (t) => ({ code: t.exposeString('code'), message: t.exposeString('message') }),
});

builder.objectRef<Of<'cancelled'>>('StoryCancelledEvent').implement({
  interfaces: [StoryEventInterface],
  isTypeOf: (e) => (e as StoryEventRecord).type === 'cancelled',
  fields: (t) => ({ cancelled: t.boolean({ resolve: () => true }) }),
});

/**
 * The story a story argument names: its global id, or the bare UUID that createStory
 * returned before stories had global ids (still accepted, so older clients keep working).
 */
const STORY_ID_ARG = 'The story\'s id: its global id, or the bare UUID of earlier releases.';

function storyId(id: string | number): string {
  const text = String(id);
  if (STORY_ID.test(text)) return text;
  const decoded = decodeNodeId(text);
  if (decoded.typename !== 'Story') {
    throw new PixloomError('BAD_REQUEST', `"${text}" is the id of a ${decoded.typename}, `
      + 'not of a Story; send the id createStory returned.');
  }
  return checkStoryUuid(decoded.id);
}

builder.queryField('story', (t) => t.field({
  type: StoryRef,
  nullable: true,
  description: 'A story job by id (its global id, or the bare UUID that createStory returned\n'
    + 'before stories had global ids); null if there is none.',
  args: { id: t.arg.id({ required: true, description: STORY_ID_ARG }) },
  resolve: (_root, args, ctx) => ctx.story.get(storyId(args.id)),
}));

builder.mutationField('createStory', (t) => t.field({
  type: StoryRef,
  description: 'Starts a story job and returns it at once (status QUEUED); follow it with\n'
    + 'storyEvents or story.',
  args: { input: t.arg({ type: CreateStoryInputRef, required: true }) },
  resolve: (_root, args, ctx) => ctx.story.create(
    visibleStoryText(args.input as CreateStoryRequest)),
}));

builder.mutationField('cancelStory', (t) => t.field({
  type: StoryRef,
  description: 'Stops a story job within one scheduler step; its status becomes CANCELLED.',
  args: { id: t.arg.id({ required: true, description: STORY_ID_ARG }) },
  resolve: (_root, args, ctx) => ctx.story.cancel(storyId(args.id)),
}));

builder.subscriptionField('storyEvents', (t) => t.field({
  type: StoryEventInterface,
  description: 'The story\'s events: the log after `after` (from the start when absent), then\n'
    + 'live events until the story completes, fails or is cancelled.',
  args: {
    id: t.arg.id({ required: true, description: STORY_ID_ARG }),
    after: t.arg.int({ description: 'The last seq already received.' }),
  },
  subscribe: (_root, args, ctx) => {
    const after = args.after ?? 0;
    if (!Number.isInteger(after) || after < 0) {
      throw new PixloomError('BAD_REQUEST', 'after must be 0 or the seq of an event received.');
    }
    return ctx.story.events(storyId(args.id), after, ctx.signal);
  },
  resolve: (event) => event,
}));
