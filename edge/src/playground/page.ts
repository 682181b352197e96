/** The playground's HTML: an image panel and a story panel; its scripts are served beside it. */
import { SAMPLES } from './samples';

const DEFAULT_PANELS = [
  'waving in the park | Morning.',
  'running on the beach | Then a run by the sea!',
  'sitting in the city',
].join('\n');

const escapeHtml = (text: string) => text.replace(/[&<>"']/g,
  (c) => `&#${c.charCodeAt(0)};`);

function sampleOptions(): string {
  return SAMPLES.map((s) => `<option value="${escapeHtml(s.name)}" `
    + `data-question="${escapeHtml(s.question)}">${escapeHtml(s.name)}</option>`).join('\n');
}

/** The page served at /playground; `base` is the path its assets live under. */
export function playgroundHtml(base: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pixloom playground</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${base}/style.css">
<script type="module" src="${base}/segment.js"></script>
<script type="module" src="${base}/story.js"></script>
</head>
<body>
<header>
  <h1>pixloom playground</h1>
  <p>Everything here calls <a href="/graphql">/graphql</a> (GraphiQL there) on this server.</p>
  <details>
    <summary>API key</summary>
    <label>Bearer key, when the server requires one
      <input id="api-key" type="password" autocomplete="off" placeholder="pxl_…"></label>
  </details>
</header>
<main>
<section id="segment-view" data-state="idle">
  <h2>Ask about an image</h2>
  <form id="segment-form">
    <div class="row">
      <label>Sample <select id="sample">
        <option value="">choose…</option>
${sampleOptions()}
      </select></label>
      <label>or your image <input id="file" type="file"
        accept="image/png,image/jpeg,image/webp"></label>
    </div>
    <div class="row">
      <input id="question" type="text" maxlength="500" placeholder="where are the squares ?"
        aria-label="Question">
      <button id="ask" type="submit">Ask</button>
    </div>
    <div class="row">
      <label>Mask threshold <input id="threshold" type="range" min="0.05" max="0.95"
        step="0.05" value="0.5"></label>
      <span id="threshold-value">0.50</span>
    </div>
  </form>
  <p id="segment-status" class="status" role="status">Pick a sample or upload an image.</p>
  <canvas id="canvas" width="512" height="512"></canvas>
  <p id="answer" class="answer"></p>
  <ul id="segments" class="segments"></ul>
</section>
<section id="story-view" data-state="idle">
  <h2>Tell a story</h2>
  <form id="story-form">
    <label>Character <input id="character" type="text"
      value="a girl in a red shirt with a cap"></label>
    <label>Panels, one per line: action and setting | caption
      <textarea id="panels" rows="4">${escapeHtml(DEFAULT_PANELS)}</textarea></label>
    <div class="row">
      <label>Frames between keyframes <input id="frames-between" type="number" min="0"
        max="16" value="4"></label>
      <label>Scheduler steps <input id="steps" type="number" min="1" max="200"
        placeholder="default"></label>
      <button id="create-story" type="submit">Create story</button>
      <button id="cancel-story" type="button">Cancel</button>
    </div>
  </form>
  <p id="story-status" class="status" role="status">Write a script and create a story.</p>
  <progress id="story-progress" value="0" max="1"></progress>
  <div id="keyframes" class="keyframes"></div>
  <div class="story-media">
    <figure hidden><img id="frame" alt="Latest video frame"><figcaption>Frame</figcaption></figure>
    <figure hidden><img id="page" alt="Comic page"><figcaption>Comic page</figcaption></figure>
    <figure hidden><img id="video" alt="Video (animated WebP)">
      <figcaption>Video, animated WebP</figcaption></figure>
  </div>
  <ol id="story-log" class="log"></ol>
</section>
</main>
</body>
</html>
`;
}
