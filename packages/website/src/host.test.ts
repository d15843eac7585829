import { describe, expect, it } from 'vitest';
import { classifyWebsiteHost, type WebsiteHost } from './host.js';

const opts = { websiteDomain: 'localhost', region: 'us-east-1' };

describe('classifyWebsiteHost', () => {
  it.each<[string, WebsiteHost | null]>([
    ['b.s3-website-us-east-1.localhost', { form: 'dash', bucket: 'b' }],
    ['b.s3-website.us-east-1.localhost', { form: 'dot', bucket: 'b' }],
    ['b.s3-website-us-east-1.localhost:8080', { form: 'dash', bucket: 'b' }],
    ['B.S3-Website.US-East-1.LocalHost:80', { form: 'dot', bucket: 'b' }],
    ['b.s3-website-us-east-1.localhost.', { form: 'dash', bucket: 'b' }],
    ['www.example.com.s3-website-us-east-1.localhost', { form: 'dash', bucket: 'www.example.com' }],
    ['x.s3-website.s3-website-us-east-1.localhost', { form: 'dash', bucket: 'x.s3-website' }],
    ['b.s3-website-eu-west-1.localhost', { form: 'wrong-region', bucket: 'b', region: 'eu-west-1' }],
    ['b.s3-website.eu-central-1.localhost', { form: 'wrong-region', bucket: 'b', region: 'eu-central-1' }],
    ['s3-website-us-east-1.localhost', { form: 'bare' }],
    ['s3-website.us-east-1.localhost:9000', { form: 'bare' }],
    ['localhost', null],
    ['127.0.0.1:9000', null],
    ['[::1]:9000', null],
    ['www.example.com', null],
    ['b.s3.us-east-1.localhost', null],
    ['b.s3-website-us-east-1.example.com', null],
    ['bs3-website-us-east-1.localhost', null],
    ['b.s3-websitex-us-east-1.localhost', null],
    ['.s3-website-us-east-1.localhost', null],
  ])('%s', (host, expected) => {
    expect(classifyWebsiteHost(host, opts)).toEqual(expected);
  });

  it('uses the configured domain and region, even a non-AWS region name', () => {
    const custom = { websiteDomain: 'web.example.org', region: 'garage' };
    expect(classifyWebsiteHost('site.s3-website-garage.web.example.org', custom)).toEqual({ form: 'dash', bucket: 'site' });
    expect(classifyWebsiteHost('site.s3-website.garage.web.example.org', custom)).toEqual({ form: 'dot', bucket: 'site' });
    expect(classifyWebsiteHost('site.s3-website-us-east-1.localhost', custom)).toBeNull();
  });
});
