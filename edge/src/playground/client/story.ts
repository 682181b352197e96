/**
 * The page's story panel (served as /playground/story.js): createStory from a character and
 * one panel per line, then storyEvents over SSE, drawing keyframes, the latest video frame,
 * the comic page and the video as their events arrive. A dropped stream is resumed with
 * `after:` the last event seen, so nothing is shown twice or lost.
 */
export const STORY_JS = String.raw`
import { request, RequestError, subscribe } from './graphql.js';

const CREATE = 'mutation ($input: CreateStoryInput!) { createStory(input: $input) { id status } }';
const CANCEL = 'mutation ($id: ID!) { cancelStory(id: $id) { id status } }';
const EVENTS = 'subscription ($id: ID!, $after: Int) { storyEvents(id: $id, after: $after) { '
  + 'seq __typename ... on StoryProgressEvent { stage step of } '
  + '... on KeyframeEvent { keyframe { index url caption } } '
  + '... on FrameEvent { index url } '
  + '... on StoryCompletedEvent { story { status page { url } video { url frames fps } '
  + 'timings { firstKeyframeMs totalMs } } } '
  + '... on StoryFailedEvent { code message } } }';

/** Resumptions of a dropped event stream before giving up. */
const MAX_RESUMES = 3;

const $ = (id) => document.getElementById(id);
const view = $('story-view');

let current = null;

function setStatus(name, message) {
  view.dataset.state = name;
  $('story-status').textContent = message;
}

/** One panel per line: "action and setting | caption" (the caption is optional). */
function readPanels(text) {
  return text.split('\n').map((line) => line.trim()).filter((line) => line !== '')
    .map((line) => {
      const bar = line.indexOf('|');
      if (bar < 0) return { text: line };
      const caption = line.slice(bar + 1).trim();
      const panel = { text: line.slice(0, bar).trim() };
      return caption ? Object.assign(panel, { caption }) : panel;
    });
}

function log(message) {
  const item = document.createElement('li');
  item.textContent = message;
  $('story-log').append(item);
}

function clearOutput() {
  $('keyframes').replaceChildren();
  $('story-log').replaceChildren();
  for (const id of ['frame', 'page', 'video']) {
    $(id).removeAttribute('src');
    $(id).parentElement.hidden = true;
  }
  $('story-progress').value = 0;
}

function addKeyframe(keyframe) {
  const figure = document.createElement('figure');
  const img = document.createElement('img');
  img.src = keyframe.url;
  img.alt = 'Keyframe ' + keyframe.index;
  const caption = document.createElement('figcaption');
  caption.textContent = (keyframe.index + 1) + '. ' + (keyframe.caption || '');
  figure.append(img, caption);
  $('keyframes').append(figure);
}

function show(id, url) {
  $(id).src = url;
  $(id).parentElement.hidden = false;
}

function onEvent(job, event) {
  job.lastSeq = event.seq;
  switch (event.__typename) {
    case 'StoryProgressEvent':
      $('story-progress').max = event.of;
      $('story-progress').value = event.step;
      setStatus('running', event.stage + ' ' + event.step + ' / ' + event.of);
      return;
    case 'KeyframeEvent':
      addKeyframe(event.keyframe);
      log('#' + event.seq + ' keyframe ' + event.keyframe.index);
      return;
    case 'FrameEvent':
      show('frame', event.url);
      log('#' + event.seq + ' frame ' + event.index);
      return;
    case 'StoryCompletedEvent': {
      const story = event.story;
      if (story.page) show('page', story.page.url);
      if (story.video) show('video', story.video.url);
      job.finished = true;
      const seconds = story.timings ? (story.timings.totalMs / 1000).toFixed(1) + ' s' : '';
      setStatus('done', 'Completed ' + seconds + ': keyframes, comic page and video.');
      log('#' + event.seq + ' completed');
      return;
    }
    case 'StoryFailedEvent':
      job.finished = true;
      setStatus('error', 'The story failed: ' + event.message + ' (' + event.code + ')');
      log('#' + event.seq + ' failed: ' + event.code);
      return;
    case 'StoryCancelledEvent':
      job.finished = true;
      setStatus('done', 'Cancelled.');
      log('#' + event.seq + ' cancelled');
      return;
    default:
      log('#' + event.seq + ' ' + event.__typename);
  }
}

function follow(job) {
  job.stop = subscribe(EVENTS, { id: job.id, after: job.lastSeq }, {
    next: (data) => onEvent(job, data.storyEvents),
    complete: () => {
      if (!job.finished) setStatus('error', 'The event stream ended early; reload the story.');
    },
    error: (error) => {
      if (job !== current || job.finished) return;
      if (!(error instanceof RequestError) && job.resumes < MAX_RESUMES) {
        job.resumes += 1;
        log('stream dropped (' + error.message + '); resuming after #' + job.lastSeq);
        setTimeout(() => follow(job), 1000);
        return;
      }
      setStatus('error', error.message);
    },
  });
}

async function create() {
  const character = $('character').value.trim();
  const panels = readPanels($('panels').value);
  if (character === '') return setStatus('error', 'Describe the character first.');
  if (panels.length === 0) return setStatus('error', 'Write at least one panel, one per line.');
  if (current) current.stop();
  current = null;
  clearOutput();
  const input = { character, panels, framesBetween: Number($('frames-between').value) };
  if ($('steps').value !== '') input.steps = Number($('steps').value);
  setStatus('running', 'Creating the story…');
  try {
    const data = await request(CREATE, { input });
    const job = { id: data.createStory.id, lastSeq: 0, resumes: 0, finished: false,
      stop: () => {} };
    current = job;
    log('story ' + job.id + ' ' + data.createStory.status);
    setStatus('running', 'Queued; waiting for the gpu-service.');
    follow(job);
  } catch (error) {
    setStatus('error', error.message);
  }
}

async function cancel() {
  if (!current || current.finished) return;
  try {
    await request(CANCEL, { id: current.id });
  } catch (error) {
    setStatus('error', error.message);
  }
}

$('story-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void create();
});
$('cancel-story').addEventListener('click', () => void cancel());
`;
