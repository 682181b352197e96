/**
 * The story eval's measures. Identity consistency: for each attribute the prompt leaves open,
 * the fraction of panel pairs of one story on which the classifier reads the same value.
 * Prompt faithfulness: the fraction of prompted attributes, actions and settings the classifier
 * finds in each panel. Motion error: mean absolute pixel difference to the true frames.
 */

/** Fraction of pairs of `labels` that are equal (1 for fewer than two labels). */
export function pairAgreement(labels: readonly (number | string)[]): number {
  let same = 0;
  let pairs = 0;
  for (let i = 0; i < labels.length; i++) {
    for (let j = i + 1; j < labels.length; j++) {
      pairs++;
      if (labels[i] === labels[j]) same++;
    }
  }
  return pairs === 0 ? 1 : same / pairs;
}

export interface EvalStory {
  id: number;
  seed: number;
  character: string;
  attributes: Record<string, string>;
  prompted: string[];
  open: string[];
  panels: { text: string; action: string; setting: string }[];
}

/** Class names read by the classifier, per head, per panel. */
export type Readout = Record<string, string[]>;

/** Mean over the open attributes of their pairwise agreement across the panels. */
export function storyConsistency(story: EvalStory, read: Readout): number {
  const values = story.open.map((a) => pairAgreement(read[a]));
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** Fraction of (panel, prompted attribute | action | setting) checks the classifier confirms. */
export function storyFaithfulness(story: EvalStory, read: Readout): number {
  let ok = 0;
  let checks = 0;
  story.panels.forEach((panel, k) => {
    for (const a of story.prompted) {
      checks++;
      if (read[a][k] === story.attributes[a]) ok++;
    }
    checks += 2;
    if (read.action[k] === panel.action) ok++;
    if (read.setting[k] === panel.setting) ok++;
  });
  return ok / checks;
}

/** Mean of a list (0 for an empty one). */
export function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}
