import { describe, expect, it } from 'vitest';
import { tagInvalidationItems } from './invalidation-tags.js';

describe('tagInvalidationItems', () => {
  const tags: Record<string, string[]> = {
    'index.html': ['html', 'Release-42'],
    'a.html': ['html', 'release-42'],
    'assets/app.js': ['assets', 'release-42'],
  };
  const tagsOf = (key: string) => tags[key];

  it('the union of the tags of the changed keys, once each without case, sorted, as #tag items', () => {
    expect(tagInvalidationItems(['index.html', 'a.html', 'assets/app.js'], tagsOf)).toEqual({
      tagItems: ['#Release-42', '#assets', '#html'],
      untaggedKeys: [],
    });
  });

  it('keys without tags are returned for path invalidation', () => {
    expect(tagInvalidationItems(['a.html', 'robots.txt', 'img/x.png'], tagsOf)).toEqual({ tagItems: ['#html', '#release-42'], untaggedKeys: ['robots.txt', 'img/x.png'] });
  });

  it('nothing tagged → no tag items', () => {
    expect(tagInvalidationItems(['robots.txt'], tagsOf)).toEqual({ tagItems: [], untaggedKeys: ['robots.txt'] });
    expect(tagInvalidationItems([], tagsOf)).toEqual({ tagItems: [], untaggedKeys: [] });
  });
});
