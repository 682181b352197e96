/** Story types: the job, its files and timings, the input of createStory. */
import { PixloomError } from '../../shared/src/errors';
import { builder } from './builder';
import type {
  KeyframeRecord, StoryFileRecord, StoryProgressRecord, StoryRecord, StoryTimingsRecord,
} from './story-context';

export const StoryStatusEnum = builder.enumType('StoryStatus', {
  description: 'Where a story job is.',
  values: {
    QUEUED: { description: 'Accepted; waiting for the gpu-service.' },
    RUNNING: { description: 'Keyframes or frames are being made.' },
    COMPLETED: { description: 'Keyframes, comic page and video are ready.' },
    FAILED: { description: 'Stopped by an error; see error.' },
    CANCELLED: { description: 'Stopped by cancelStory.' },
  } as const,
});

export const StoryProgressRef = builder.objectRef<StoryProgressRecord>('StoryProgress')
  .implement({
    description: 'Step `step` of `of` in a stage: identity (the identity panels together with '
      + 'Consistent Self-Attention), panels, frames, page, video.',
    fields: (t) => ({
      stage: t.exposeString('stage'),
      step: t.exposeInt('step'),
      of: t.exposeInt('of'),
    }),
  });

export const KeyframeRef = builder.objectRef<KeyframeRecord>('Keyframe').implement({
  description: 'One panel of the story as a PNG.',
  fields: (t) => ({
    index: t.exposeInt('index'),
    url: t.exposeString('url', { description: 'The PNG, served by the edge from R2.' }),
    caption: t.exposeString('caption', { nullable: true }),
  }),
});

export const StoryFileRef = builder.objectRef<StoryFileRecord>('StoryFile').implement({
  description: 'A file of the story (comic page or video), downloadable from its URL.',
  fields: (t) => ({
    url: t.exposeString('url'),
    contentType: t.exposeString('contentType'),
    width: t.exposeInt('width', { nullable: true }),
    height: t.exposeInt('height', { nullable: true }),
    frames: t.exposeInt('frames', { nullable: true, description: 'Video frames.' }),
    fps: t.exposeInt('fps', { nullable: true, description: 'Video frames per second.' }),
  }),
});

export const StoryTimingsRef = builder.objectRef<StoryTimingsRecord>('StoryTimings').implement({
  description: 'Where the time went, in milliseconds.',
  fields: (t) => ({
    seed: t.exposeFloat('seed', { description: 'The seed that was used.' }),
    queuedMs: t.exposeFloat('queuedMs'),
    firstKeyframeMs: t.exposeFloat('firstKeyframeMs', { nullable: true,
      description: 'From createStory to the first keyframe stored and announced.' }),
    identityMs: t.exposeFloat('identityMs'),
    panelsMs: t.exposeFloat('panelsMs'),
    framesMs: t.exposeFloat('framesMs'),
    pageMs: t.exposeFloat('pageMs'),
    videoMs: t.exposeFloat('videoMs'),
    totalMs: t.exposeFloat('totalMs'),
  }),
});

const StoryErrorRef = builder.objectRef<{ code: string; message: string }>('StoryError')
  .implement({
    fields: (t) => ({ code: t.exposeString('code'), message: t.exposeString('message') }),
  });

export const STORY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A story's own id (the UUID createStory made), or a `BAD_REQUEST` error. */
export function checkStoryUuid(id: string): string {
  if (!STORY_ID.test(id)) {
    throw new PixloomError('BAD_REQUEST', `"${id.slice(0, 80)}" is not a story id; send the id `
      + 'createStory or stories returned.');
  }
  return id;
}

/**
 * `Story` is a `Node`: its `id` is a global id, and `node(id:)` loads it from its Durable
 * Object. The fields that take a story id also take the bare UUID of earlier releases.
 */
export const StoryRef = builder.node(builder.objectRef<StoryRecord>('Story'), {
  description: 'A story job: a character in consistent keyframes, a comic page and a video.',
  id: { resolve: (s) => s.id, parse: (id) => checkStoryUuid(id) },
  loadOne: (id, ctx) => ctx.story.get(id),
  fields: (t) => ({
    status: t.field({ type: StoryStatusEnum, resolve: (s) => s.status }),
    createdAt: t.exposeString('createdAt', { description: 'ISO 8601.' }),
    progress: t.field({ type: StoryProgressRef, nullable: true, resolve: (s) => s.progress }),
    keyframes: t.field({ type: [KeyframeRef], resolve: (s) => s.keyframes }),
    frames: t.exposeInt('frames', { description: 'Video frames made so far.' }),
    page: t.field({ type: StoryFileRef, nullable: true, description: 'The comic page (PNG).',
      resolve: (s) => s.page }),
    video: t.field({ type: StoryFileRef, nullable: true,
      description: 'The video (animated WebP).', resolve: (s) => s.video }),
    timings: t.field({ type: StoryTimingsRef, nullable: true, resolve: (s) => s.timings }),
    error: t.field({ type: StoryErrorRef, nullable: true, resolve: (s) => s.error }),
    lastSeq: t.exposeInt('lastSeq', { description: 'seq of the last event so far.' }),
    viewers: t.exposeInt('viewers', { description: 'Subscribers connected now.' }),
    goneViewers: t.exposeInt('goneViewers',
      { description: 'Subscribers found gone (a write to them failed) and dropped.' }),
  }),
});

export const StoryPanelInputRef = builder.inputType('StoryPanelInput', {
  fields: (t) => ({
    text: t.string({ required: true, description: 'Action and setting: "waving in the park".' }),
    caption: t.string({ description: 'Text for the panel on the comic page.' }),
  }),
});

export const CreateStoryInputRef = builder.inputType('CreateStoryInput', {
  fields: (t) => ({
    character: t.string({ required: true,
      description: 'Who the story is about: "a girl in a red shirt with a cap".' }),
    panels: t.field({ type: [StoryPanelInputRef], required: true }),
    seed: t.int({ description: 'Seed of the noise and of the attention sampling.' }),
    steps: t.int({ description: 'Scheduler steps (the bundle default when absent).' }),
    guidance: t.float({ description: 'Classifier-free guidance scale.' }),
    consistentAttention: t.boolean({ description: 'Consistent Self-Attention. Default: on.' }),
    consistentAttentionRate: t.float({ description: 'Sampling rate in [0, 1].' }),
    identityPanels: t.int({ description: 'Panels generated together as the identity batch.' }),
    framesBetween: t.int({ description: 'Video frames between consecutive keyframes.' }),
    fps: t.int({ description: 'Video frames per second. Default: 8.' }),
    previews: t.boolean({ description: 'Give each FrameEvent a small preview decoded from '
      + 'the frame\'s latent at the edge. Default: off.' }),
  }),
});
