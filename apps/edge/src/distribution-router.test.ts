import { describe, expect, it } from 'vitest';
import type { DistributionConfig } from './config/types.js';
import { validateEdgeConfig } from './config/validate.js';
import { createSwitchableRouter } from './distribution-router.js';

const dist = (id: string, aliases: string[], enabled = true) => ({ id, aliases, enabled, origins: [{ id: 'o', url: 'http://127.0.0.1:9' }] });
const config = (dists: unknown[]) => validateEdgeConfig({ distributions: dists });
const apiDists = (...d: unknown[]): DistributionConfig[] => config(d).distributions;

describe('createSwitchableRouter', () => {
  it("the configuration's only distribution serves every Host until the API adds others, then the Hosts no one claims", () => {
    const r = createSwitchableRouter(config([dist('E1CONF', ['conf.test'])]));
    expect(r.route('anything.test')?.config.id).toBe('E1CONF');
    r.setAdded(apiDists(dist('E2API', ['api.test'])));
    expect(r.route('api.test')?.config.id).toBe('E2API');
    expect(r.route('e2api.bucketfront.localhost:8080')?.config.id).toBe('E2API');
    expect(r.route('anything.test')?.config.id).toBe('E1CONF');
    expect(r.route(undefined)?.config.id).toBe('E1CONF');
  });

  it('a disabled API distribution serves nothing, and its names do not fall through', () => {
    const r = createSwitchableRouter(config([dist('E1CONF', ['conf.test'])]));
    r.setAdded(apiDists(dist('E2API', ['api.test'], false)));
    expect(r.route('api.test')).toBeUndefined();
    expect(r.route('e2api.bucketfront.localhost')).toBeUndefined();
    expect(r.route('conf.test')?.config.id).toBe('E1CONF');
  });

  it('an unchanged distribution keeps its runtime across changes; a removed one is gone', () => {
    const r = createSwitchableRouter(config([dist('E1A', ['a.test']), dist('E1B', ['b.test'])]));
    const two = apiDists(dist('E2X', ['x.test']), dist('E2Y', ['y.test']));
    r.setAdded(two);
    const x = r.route('x.test');
    r.setAdded([two[0]!, apiDists(dist('E2Y', ['y2.test']))[0]!]);
    expect(r.route('x.test')).toBe(x);
    expect(r.route('y2.test')?.config.id).toBe('E2Y');
    expect(r.route('y.test')).toBeUndefined();
    r.setAdded([]);
    expect(r.route('x.test')).toBeUndefined();
    expect(r.all().map((d) => d.config.id)).toEqual(['E1A', 'E1B']);
  });
});
