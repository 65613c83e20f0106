import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SlipwayError } from './errors.ts';
import { mapSelector, mapSelects, parseSelector, selectorMatches, splitSelectorTerms } from './selector.ts';

const web = { app: 'web', track: 'stable', tier: 'front' };

describe('selectorMatches (metav1.LabelSelector)', () => {
  it('selects nothing without a selector and everything with an empty one', () => {
    assert.equal(selectorMatches(undefined, web), false);
    assert.equal(selectorMatches({}, web), true);
    assert.equal(selectorMatches({}, {}), true);
    assert.equal(selectorMatches({ matchLabels: {}, matchExpressions: [] }, web), true);
  });

  it('needs every matchLabels pair', () => {
    assert.equal(selectorMatches({ matchLabels: { app: 'web' } }, web), true);
    assert.equal(selectorMatches({ matchLabels: { app: 'web', track: 'canary' } }, web), false);
    assert.equal(selectorMatches({ matchLabels: { app: 'web' } }), false);
  });

  it('reads the four operators as Kubernetes does', () => {
    const m = (operator: string, key: string, values?: string[]) =>
      selectorMatches({ matchExpressions: [{ key, operator, ...(values ? { values } : {}) }] }, web);
    assert.equal(m('In', 'tier', ['front', 'back']), true);
    assert.equal(m('In', 'tier', ['back']), false);
    assert.equal(m('In', 'missing', ['']), false);
    assert.equal(m('NotIn', 'track', ['canary']), true);
    assert.equal(m('NotIn', 'track', ['stable']), false);
    assert.equal(m('NotIn', 'missing', ['x']), true, 'NotIn holds when the label is missing');
    assert.equal(m('Exists', 'app'), true);
    assert.equal(m('Exists', 'missing'), false);
    assert.equal(m('DoesNotExist', 'missing'), true);
    assert.equal(m('DoesNotExist', 'app'), false);
    assert.equal(m('Gt', 'app', ['1']), false, 'an unknown operator matches nothing');
  });

  it('needs matchLabels and matchExpressions together', () => {
    const sel = {
      matchLabels: { app: 'web' },
      matchExpressions: [{ key: 'track', operator: 'In', values: ['canary'] }],
    };
    assert.equal(selectorMatches(sel, web), false);
    assert.equal(selectorMatches(sel, { ...web, track: 'canary' }), true);
  });

  it('does not mistake inherited object keys for labels', () => {
    assert.equal(
      selectorMatches({ matchExpressions: [{ key: 'toString', operator: 'Exists' }] }, web),
      false,
    );
  });
});

describe('mapSelector and mapSelects (a Service selector)', () => {
  it('selects nothing when empty or missing', () => {
    assert.equal(mapSelector(undefined), undefined);
    assert.equal(mapSelector({}), undefined);
    assert.equal(mapSelector(['app']), undefined);
    assert.equal(mapSelects(undefined, web), false);
    assert.equal(mapSelects({}, web), false);
  });

  it('otherwise needs every pair', () => {
    assert.deepEqual(mapSelector({ app: 'web' }), { matchLabels: { app: 'web' } });
    assert.equal(mapSelects({ app: 'web', tier: 'front' }, web), true);
    assert.equal(mapSelects({ app: 'web', tier: 'back' }, web), false);
  });
});

describe('parseSelector (the text form of list and watch)', () => {
  const sel = (text: string, labels: Record<string, string>) => selectorMatches(parseSelector(text), labels);

  it('is the empty selector for blank text', () => {
    assert.deepEqual(parseSelector(''), {});
    assert.deepEqual(parseSelector(' , '), {});
    assert.equal(sel('', web), true);
  });

  it('reads equality, inequality, sets and existence', () => {
    assert.equal(sel('app=web', web), true);
    assert.equal(sel('app==web,tier=front', web), true);
    assert.equal(sel('app=api', web), false);
    assert.equal(sel('track!=canary', web), true);
    assert.equal(sel('missing!=x', web), true, '!= holds when the label is missing, as in Kubernetes');
    assert.equal(sel('tier in (front, back)', web), true);
    assert.equal(sel('tier notin (front)', web), false);
    assert.equal(sel('missing notin (x)', web), true);
    assert.equal(sel('app', web), true);
    assert.equal(sel('!app', web), false);
    assert.equal(sel('!missing,app=web,tier in (front)', web), true);
    assert.equal(sel('app.kubernetes.io/name=web', { 'app.kubernetes.io/name': 'web' }), true);
  });

  it('means what the same matchExpressions mean', () => {
    assert.deepEqual(parseSelector('a=b,c!=d,e in (f,g),h,!i'), {
      matchExpressions: [
        { key: 'a', operator: 'In', values: ['b'] },
        { key: 'c', operator: 'NotIn', values: ['d'] },
        { key: 'e', operator: 'In', values: ['f', 'g'] },
        { key: 'h', operator: 'Exists' },
        { key: 'i', operator: 'DoesNotExist' },
      ],
    });
  });

  it('refuses malformed text in the API server words', () => {
    for (const bad of ['app=web=x', 'tier in front', '=web', 'a b']) {
      assert.throws(
        () => parseSelector(bad),
        (e: unknown) =>
          e instanceof SlipwayError && /unable to parse requirement: invalid label selector/.test(e.message),
        bad,
      );
    }
  });

  it('splits terms on the commas outside parentheses', () => {
    assert.deepEqual(splitSelectorTerms('a in (x,y), b=c ,,d'), ['a in (x,y)', 'b=c', 'd']);
  });
});
