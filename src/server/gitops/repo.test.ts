import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { repositoryUrl } from './repo.ts';

describe('the GitOps repository', () => {
  it('URLs are fetched as written; a path is relative to the platform directory', () => {
    for (const url of [
      'https://git.example.test/shop.git',
      'ssh://git@git.example.test/shop.git',
      'file:///srv/git/shop',
      'git@github.com:acme/shop.git',
    ])
      assert.equal(repositoryUrl(url, '/work/shop'), url);
    assert.equal(repositoryUrl('../shop-config', '/work/shop'), '/work/shop-config');
    assert.equal(repositoryUrl('/srv/git/shop', '/work/shop'), '/srv/git/shop');
  });
});
