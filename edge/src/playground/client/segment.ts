/**
 * The page's image panel (served as /playground/segment.js): pick a sample or upload an
 * image, ask a question, draw each segment's mask in its own colour over the image, toggle
 * masks, and ask again at another mask threshold (the answer comes from the edge's cache).
 */
export const SEGMENT_JS = String.raw`
import { request, upload } from './graphql.js';
import { MASK_ALPHA, MASK_COLORS } from './palette.js';
import { decodeRle } from './rle.js';

const UPLOAD = 'mutation ($file: File!) { uploadImage(file: $file) { id width height } }';
const SEGMENT = 'query ($id: ID!, $q: String!, $t: Float!) { segment(imageId: $id, '
  + 'question: $q) { answer cached { answer features } timings { edgeMs } '
  + 'segments { index label score area '
  + 'mask(format: RLE, threshold: $t) { ... on RleMask { size counts } } } } }';

/** Longest side of the drawing; small images are scaled up by a whole factor. */
const MAX_SIDE = 512;

const $ = (id) => document.getElementById(id);
const view = $('segment-view');
const canvas = $('canvas');

const state = {
  file: null, bitmap: null, imageId: null, width: 0, height: 0,
  question: '', segments: [], layers: [], hidden: new Set(), ticket: 0,
};

function setStatus(name, message) {
  view.dataset.state = name;
  $('segment-status').textContent = message;
}

function threshold() {
  return Number($('threshold').value);
}

function colorOf(index) {
  const rgb = MASK_COLORS[index % MASK_COLORS.length];
  return 'rgb(' + rgb.join(', ') + ')';
}

/** Black or white, whichever reads better on the colour of the segment at index. */
function inkOn(index) {
  const [r, g, b] = MASK_COLORS[index % MASK_COLORS.length];
  return 0.299 * r + 0.587 * g + 0.114 * b > 150 ? '#000' : '#fff';
}

function sizeCanvas(width, height) {
  const side = Math.max(width, height);
  const scale = side <= MAX_SIDE ? Math.floor(MAX_SIDE / side) : MAX_SIDE / side;
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(height * scale);
  canvas.style.width = canvas.width + 'px';
  canvas.style.height = canvas.height + 'px';
}

/** The mask as an image of the API's size: the segment's colour inside, transparent outside. */
function paintLayer(segment, index) {
  const height = segment.mask.size[0];
  const width = segment.mask.size[1];
  const mask = decodeRle(segment.mask);
  const layer = document.createElement('canvas');
  layer.width = width;
  layer.height = height;
  const pixels = new ImageData(width, height);
  const rgb = MASK_COLORS[index % MASK_COLORS.length];
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    pixels.data.set(rgb, i * 4);
    pixels.data[i * 4 + 3] = 255;
  }
  layer.getContext('2d').putImageData(pixels, 0, 0);
  return layer;
}

function draw() {
  const ctx = canvas.getContext('2d');
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  if (!state.bitmap) return;
  ctx.imageSmoothingEnabled = canvas.width < state.bitmap.width;
  ctx.drawImage(state.bitmap, 0, 0, canvas.width, canvas.height);
  state.layers.forEach((layer, i) => {
    if (state.hidden.has(i)) return;
    ctx.globalAlpha = MASK_ALPHA;
    ctx.drawImage(layer, 0, 0, canvas.width, canvas.height);
    ctx.globalAlpha = 1;
  });
}

function renderSegments() {
  const list = $('segments');
  list.replaceChildren();
  state.segments.forEach((segment, i) => {
    const item = document.createElement('li');
    const label = document.createElement('label');
    const toggle = document.createElement('input');
    toggle.type = 'checkbox';
    toggle.checked = !state.hidden.has(i);
    toggle.dataset.index = String(i);
    toggle.addEventListener('change', () => {
      if (toggle.checked) state.hidden.delete(i);
      else state.hidden.add(i);
      draw();
    });
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = colorOf(i);
    const text = document.createElement('span');
    text.textContent = segment.label + ' · score ' + segment.score.toFixed(2)
      + ' · ' + segment.area + ' px at 0.5';
    label.append(toggle, swatch, text);
    item.append(label);
    list.append(item);
  });
}

/** The answer with each segment's phrase marked in its mask colour. */
function renderAnswer(answer) {
  const parts = [];
  let at = 0;
  state.segments.forEach((segment, i) => {
    const found = answer.toLowerCase().indexOf(segment.label.toLowerCase(), at);
    if (found < 0 || segment.label === '') return;
    const mark = document.createElement('mark');
    mark.style.background = colorOf(i);
    mark.style.color = inkOn(i);
    mark.textContent = answer.slice(found, found + segment.label.length);
    parts.push(answer.slice(at, found), mark);
    at = found + segment.label.length;
  });
  parts.push(answer.slice(at));
  $('answer').replaceChildren(...parts);
}

function showError(error) {
  setStatus('error', error.message || String(error));
}

async function chooseFile(file) {
  state.ticket += 1;
  Object.assign(state, { file, imageId: null, segments: [], layers: [], hidden: new Set() });
  $('answer').textContent = '';
  delete canvas.dataset.image;
  renderSegments();
  try {
    state.bitmap = await createImageBitmap(file);
  } catch (error) {
    state.bitmap = null;
    draw();
    setStatus('error', 'The browser cannot read ' + (file.name || 'this file')
      + ' as an image; use a PNG, JPEG or WebP file.');
    return;
  }
  sizeCanvas(state.bitmap.width, state.bitmap.height);
  draw();
  canvas.dataset.image = file.name || 'image';
  setStatus('idle', 'Ask a question about the image.');
}

async function pickSample() {
  const option = $('sample').selectedOptions[0];
  if (!option || !option.value) return;
  $('question').value = option.dataset.question || '';
  $('file').value = '';
  try {
    const response = await fetch('/playground/samples/' + option.value);
    if (!response.ok) throw new Error('HTTP ' + response.status);
    const blob = await response.blob();
    await chooseFile(new File([blob], option.value, { type: blob.type }));
  } catch (error) {
    setStatus('error', 'Could not load the sample ' + option.value + ': ' + error.message);
  }
}

/** Runs segment for the image and question; an answer overtaken by a newer one is dropped. */
async function runSegment() {
  const ticket = ++state.ticket;
  setStatus('loading', 'Asking at threshold ' + threshold().toFixed(2) + '…');
  const vars = { id: state.imageId, q: state.question, t: threshold() };
  const data = await request(SEGMENT, vars);
  if (ticket !== state.ticket) return;
  const result = data.segment;
  state.segments = result.segments;
  state.layers = result.segments.map(paintLayer);
  state.hidden = new Set([...state.hidden].filter((i) => i < state.segments.length));
  renderAnswer(result.answer);
  renderSegments();
  draw();
  const where = result.cached.answer ? 'from the edge cache' : 'from the model';
  canvas.dataset.threshold = String(vars.t);
  setStatus('ready', result.segments.length + ' segment(s), ' + where + ', threshold '
    + vars.t.toFixed(2) + ', ' + Math.round(result.timings.edgeMs) + ' ms at the edge.');
}

async function ask() {
  const question = $('question').value.trim();
  if (!state.file) return setStatus('error', 'Pick a sample or upload an image first.');
  if (question === '') return setStatus('error', 'Write a question about the image first.');
  try {
    if (!state.imageId) {
      const ticket = ++state.ticket;
      setStatus('loading', 'Uploading ' + (state.file.name || 'the image') + '…');
      const data = await upload(UPLOAD, {}, 'file', state.file);
      if (ticket !== state.ticket) return;
      state.imageId = data.uploadImage.id;
      sizeCanvas(data.uploadImage.width, data.uploadImage.height);
    }
    state.question = question;
    state.hidden = new Set();
    await runSegment();
  } catch (error) {
    showError(error);
  }
}

$('sample').addEventListener('change', pickSample);
$('file').addEventListener('change', () => {
  const file = $('file').files[0];
  if (!file) return;
  $('sample').value = '';
  void chooseFile(file);
});
$('segment-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void ask();
});
$('threshold').addEventListener('input', () => {
  $('threshold-value').textContent = threshold().toFixed(2);
});
$('threshold').addEventListener('change', () => {
  if (state.imageId && state.question) runSegment().catch(showError);
});
`;
