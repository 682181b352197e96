import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSchema, isObjectType, parse, type FieldNode, type FragmentDefinitionNode,
  type GraphQLObjectType, type GraphQLResolveInfo, type OperationDefinitionNode }
  from 'graphql';
import { describe, expect, it } from 'vitest';
import { selectsAnyField } from './selection';
import { checkSegmentRequest } from './types/root';
import { checkMaskRequest } from './types/segment';

const committed = readFileSync(fileURLToPath(new URL('../schema.graphql', import.meta.url)),
  'utf8');

describe('printed schema', () => {
  it('matches schema/schema.graphql (run npx tsx schema/src/print-schema.ts after a change)',
    () => {
      // Printed in a separate Node process: the schema's graphql instance is Node's own.
      const out = execFileSync(process.execPath,
        ['--import', 'tsx', fileURLToPath(new URL('./print-schema.ts', import.meta.url)),
          '--check'], { encoding: 'utf8' });
      expect(out).toMatch(/up to date/);
    });

  it('has the segment, uploadImage and segmentStream fields the API promises', () => {
    const sdl = buildSchema(committed);
    const segment = sdl.getQueryType()?.getFields().segment;
    expect(segment?.args.map((a) => `${a.name}: ${a.type}`))
      .toEqual(['image: File', 'imageId: ID', 'question: String!']);
    expect(String(segment?.type)).toBe('Segmentation!');
    expect(String(sdl.getMutationType()?.getFields().uploadImage.type)).toBe('Image!');
    expect(String(sdl.getSubscriptionType()?.getFields().segmentStream.type))
      .toBe('SegmentEvent!');
    const object = (name: string): GraphQLObjectType => {
      const type = sdl.getType(name);
      if (!isObjectType(type)) throw new Error(`${name} is not an object type`);
      return type;
    };
    const mask = object('Segment').getFields().mask;
    expect(mask.args.map((a) => a.name).sort())
      .toEqual(['format', 'height', 'threshold', 'width']);
    expect(String(mask.type)).toBe('Mask!');
    expect(Object.keys(object('Segmentation').getFields()).sort())
      .toEqual(['answer', 'cached', 'id', 'imageId', 'model', 'segments', 'timings']);
    expect(Object.keys(object('Segment').getFields()).sort())
      .toEqual(['area', 'bbox', 'index', 'label', 'mask', 'score']);
  });
});

describe('Relay conventions in the printed schema', () => {
  const sdl = buildSchema(committed);
  const query = sdl.getQueryType()!.getFields();

  it('has a Node interface that Story implements, with node and nodes', () => {
    const story = sdl.getType('Story');
    if (!isObjectType(story)) throw new Error('Story is not an object type');
    expect(story.getInterfaces().map(String)).toEqual(['Node']);
    expect(String(story.getFields().id.type)).toBe('ID!');
    expect(`${query.node.args.map((a) => `${a.name}: ${a.type}`)} -> ${query.node.type}`)
      .toBe('id: ID! -> Node');
    expect(`${query.nodes.args.map((a) => `${a.name}: ${a.type}`)} -> ${query.nodes.type}`)
      .toBe('ids: [ID!]! -> [Node]!');
  });

  it('has stories as a cursor connection of Story', () => {
    expect(query.stories.args.map((a) => `${a.name}: ${a.type}`).sort())
      .toEqual(['after: String', 'before: String', 'first: Int', 'last: Int']);
    const fields = (name: string) => {
      const type = sdl.getType(name);
      if (!isObjectType(type)) throw new Error(`${name} is not an object type`);
      return Object.fromEntries(Object.entries(type.getFields())
        .map(([field, f]) => [field, String(f.type)]));
    };
    expect(String(query.stories.type)).toBe('StoryConnection!');
    expect(fields('StoryConnection')).toEqual({ edges: '[StoryEdge!]!', pageInfo: 'PageInfo!' });
    expect(fields('StoryEdge')).toEqual({ cursor: 'String!', node: 'Story!' });
    expect(fields('PageInfo')).toEqual({ hasNextPage: 'Boolean!', hasPreviousPage: 'Boolean!',
      startCursor: 'String', endCursor: 'String' });
  });
});

describe('argument checks', () => {
  const id = 'ab'.repeat(32);
  const file = new File([new Uint8Array([1])], 'x.png');

  it('wants exactly one of image and imageId', () => {
    expect(() => checkSegmentRequest({ question: 'q' })).toThrow(/No image was given/);
    expect(() => checkSegmentRequest({ image: file, imageId: id, question: 'q' }))
      .toThrow(/send exactly one/);
    expect(checkSegmentRequest({ imageId: id, question: 'q' }).imageId).toBe(id);
    expect(checkSegmentRequest({ image: file, question: 'q' }).image).toBe(file);
  });

  it('refuses an imageId that is not a SHA-256 hex digest, with code BAD_REQUEST', () => {
    expect(() => checkSegmentRequest({ imageId: 'cat.png', question: 'q' }))
      .toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
  });

  it('checks mask sizes and thresholds', () => {
    expect(() => checkMaskRequest({ format: 'RLE', width: 0, threshold: 0.5 }))
      .toThrow(/mask width is 0; ask for 1 to 4096 pixels/);
    expect(() => checkMaskRequest({ format: 'PNG', height: 5000, threshold: 0.5 }))
      .toThrow(/mask height is 5000/);
    expect(() => checkMaskRequest({ format: 'RLE', threshold: 1 }))
      .toThrow(/between 0 and 1/);
    expect(checkMaskRequest({ format: 'POLYGON', width: 32, threshold: 0.3 }))
      .toEqual({ format: 'POLYGON', width: 32, threshold: 0.3 });
  });
});

describe('selectsAnyField', () => {
  function infoFor(source: string): GraphQLResolveInfo {
    const doc = parse(source);
    const op = doc.definitions.find((d) => d.kind === 'OperationDefinition') as
      OperationDefinitionNode;
    const fragments = Object.fromEntries(doc.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === 'FragmentDefinition')
      .map((d) => [d.name.value, d]));
    const fieldNodes = [op.selectionSet.selections[0] as FieldNode];
    return { fieldNodes, fragments } as unknown as GraphQLResolveInfo;
  }

  it('finds mask fields through inline and named fragments', () => {
    const names = ['mask', 'bbox', 'area', 'score'];
    expect(selectsAnyField(infoFor(`subscription { segmentStream(question: "q") {
      ... on AnswerToken { text } } }`), names)).toBe(false);
    expect(selectsAnyField(infoFor(`subscription { segmentStream(question: "q") {
      ... on SegmentDecoded { segment { label area } } } }`), names)).toBe(true);
    expect(selectsAnyField(infoFor(`subscription { segmentStream(question: "q") { ...E } }
      fragment E on SegmentEvent { ... on SegmentDecoded { segment { ...S } } }
      fragment S on Segment { mask(format: PNG) { __typename } }`), names)).toBe(true);
  });
});
