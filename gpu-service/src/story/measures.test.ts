/** Consistency and faithfulness measures of the story eval. */
import { describe, expect, it } from 'vitest';
import { type EvalStory, pairAgreement, storyConsistency, storyFaithfulness } from './measures.js';

const story: EvalStory = {
  id: 0, seed: 1, character: 'a kid in a red shirt',
  attributes: { hair: 'black', skin: 'pale', shirt: 'red', trousers: 'blue', hat: 'cap' },
  prompted: ['shirt'], open: ['hair', 'hat'],
  panels: [
    { text: 'waving in the park', action: 'waving', setting: 'park' },
    { text: 'sitting at night', action: 'sitting', setting: 'night' },
    { text: 'jumping on the beach', action: 'jumping', setting: 'beach' },
    { text: 'walking in the city', action: 'walking', setting: 'city' },
  ],
};

describe('pairAgreement', () => {
  it('counts equal pairs', () => {
    expect(pairAgreement(['a', 'a', 'a', 'a'])).toBe(1);
    expect(pairAgreement(['a', 'a', 'b', 'b'])).toBeCloseTo(2 / 6);
    expect(pairAgreement(['a', 'b', 'c', 'd'])).toBe(0);
    expect(pairAgreement(['a'])).toBe(1);
  });
});

describe('story measures', () => {
  const read = {
    hair: ['black', 'black', 'black', 'brown'], hat: ['cap', 'cap', 'cap', 'cap'],
    shirt: ['red', 'red', 'blue', 'red'], skin: ['pale', 'tan', 'dark', 'pale'],
    trousers: ['blue', 'blue', 'blue', 'blue'],
    action: ['waving', 'sitting', 'jumping', 'standing'],
    setting: ['park', 'night', 'beach', 'city'],
  };

  it('averages agreement over the open attributes only', () => {
    expect(storyConsistency(story, read)).toBeCloseTo((3 / 6 + 1) / 2);
  });

  it('checks prompted attributes, action and setting in every panel', () => {
    // 4 panels × (shirt, action, setting) = 12 checks; one shirt and one action are wrong
    expect(storyFaithfulness(story, read)).toBeCloseTo(10 / 12);
  });
});
