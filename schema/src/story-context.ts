/**
 * What the story fields need from the server: the edge implements it with one Durable Object
 * per story job (state, event log, fan-out).
 */

export type StoryStatus = 'QUEUED' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';

export interface StoryPanelInput {
  /** Action and setting, e.g. "waving in the park". */
  text: string;
  caption?: string | null;
}

export interface CreateStoryRequest {
  character: string;
  panels: StoryPanelInput[];
  seed?: number | null;
  steps?: number | null;
  guidance?: number | null;
  consistentAttention?: boolean | null;
  consistentAttentionRate?: number | null;
  identityPanels?: number | null;
  framesBetween?: number | null;
  fps?: number | null;
  /** Send each frame's preview, decoded from its latent at the edge. */
  previews?: boolean | null;
}

export interface StoryFileRecord {
  url: string;
  contentType: string;
  width?: number | null;
  height?: number | null;
  frames?: number | null;
  fps?: number | null;
}

export interface KeyframeRecord {
  index: number;
  url: string;
  caption: string | null;
}

export interface StoryProgressRecord {
  stage: string;
  step: number;
  of: number;
}

export interface StoryTimingsRecord {
  seed: number;
  queuedMs: number;
  firstKeyframeMs: number | null;
  identityMs: number;
  panelsMs: number;
  framesMs: number;
  pageMs: number;
  videoMs: number;
  totalMs: number;
}

export interface StoryRecord {
  id: string;
  status: StoryStatus;
  createdAt: string;
  progress: StoryProgressRecord | null;
  keyframes: KeyframeRecord[];
  frames: number;
  page: StoryFileRecord | null;
  video: StoryFileRecord | null;
  timings: StoryTimingsRecord | null;
  error: { code: string; message: string } | null;
  /** Seq of the last event in the log. */
  lastSeq: number;
  /** Subscribers connected now. */
  viewers: number;
  /** Subscribers dropped because they had gone without closing (a failed write). */
  goneViewers: number;
}

/** One entry of a story's event log; `seq` counts from 1 without gaps. */
export type StoryEventRecord =
  | { seq: number; type: 'progress'; stage: string; step: number; of: number }
  | { seq: number; type: 'keyframe'; index: number; url: string; caption: string | null;
    announcedAt: number }
  | { seq: number; type: 'frame'; index: number; url: string; announcedAt: number;
    preview: string | null }
  | { seq: number; type: 'completed'; story: StoryRecord }
  | { seq: number; type: 'failed'; code: string; message: string }
  | { seq: number; type: 'cancelled' };

/** A place in the list of stories, which runs newest first: creation time, then id. */
export interface StoryPosition {
  /** `createdAt` in milliseconds since 1970. */
  createdAt: number;
  id: string;
}

/** One page of the list of stories. */
export interface StoryPageRequest {
  /** Only stories after this one in the list (older ones). */
  after?: StoryPosition;
  /** Only stories before this one in the list (newer ones). */
  before?: StoryPosition;
  /** At most this many stories. */
  limit: number;
  /** Take them from the oldest end of the range, oldest first (for `last`). */
  fromOldest: boolean;
}

export interface StoryService {
  create(request: CreateStoryRequest): Promise<StoryRecord>;
  get(id: string): Promise<StoryRecord | null>;
  /** Stories created on this edge, newest first (oldest first with `fromOldest`). */
  list(page: StoryPageRequest): Promise<StoryRecord[]>;
  cancel(id: string): Promise<StoryRecord>;
  /** The log after `after` (0: from the start), then live events until the story ends. */
  events(id: string, after: number, signal?: AbortSignal): AsyncIterable<StoryEventRecord>;
}
