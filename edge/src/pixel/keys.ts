/**
 * Every storage key the edge uses, in one place. R2 bucket MODELS holds bundles; R2 bucket BLOBS
 * holds images, image features and PNG masks; KV namespace ANSWERS holds answers.
 */

/** Hex SHA-256 of some bytes (the image id, and hashes inside keys). */
export async function sha256Hex(bytes: Uint8Array | string): Promise<string> {
  const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
  const digest = await crypto.subtle.digest('SHA-256', data);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The form of a question that keys the answer cache and is sent to the gpu-service: Unicode
 * NFKC, lower case, runs of white space folded to one space, trimmed.
 *
 * @example
 * normaliseQuestion('  Where is the  RED circle?\n') // → 'where is the red circle?'
 */
export function normaliseQuestion(question: string): string {
  return question.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** MODELS: the manifest of the bundle the edge serves now. */
export const manifestKey = (bundle: string) => `models/${bundle}/manifest.json`;

/** MODELS: one file of one bundle version. */
export const modelFileKey = (bundle: string, version: string, file: string) =>
  `models/${bundle}/${version}/${file}`;

/** BLOBS: an uploaded image, by its id. */
export const imageKey = (imageId: string) => `images/${imageId}`;

/** BLOBS: the encoder outputs of one image under one bundle version (a tensor frame). */
export const featuresKey = (bundle: string, version: string, imageId: string) =>
  `features/${bundle}/${version}/${imageId}`;

/** BLOBS: a rendered PNG mask; also the path it is served at under `/masks/`. */
export const pngMaskKey = (name: string) => `masks/${name}`;

/**
 * The segmentation id and the ANSWERS key of (image, normalised question, bundle version).
 * The question is hashed so that keys stay short whatever its length.
 */
export async function answerKeys(
  bundle: string,
  version: string,
  imageId: string,
  question: string,
): Promise<{ segmentationId: string; answerKey: string }> {
  const questionHash = await sha256Hex(question);
  const segmentationId = await sha256Hex(`${bundle}\n${version}\n${imageId}\n${questionHash}`);
  return { segmentationId, answerKey: `answers/${bundle}/${version}/${imageId}/${questionHash}` };
}
