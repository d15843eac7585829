/** functions.yaml validation: defaults, paths relative to the file, every problem named by its field. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir } from '@bucketfront/test-support';
import { describe, expect, it } from 'vitest';
import { FunctionsConfigError, loadFunctionsConfig, parseFunctionsConfig } from '../src/index.js';

const ORIGIN = 'origin: { endpoint: "http://127.0.0.1:9000", accessKeyId: AK, secretAccessKey: SK }\n';

function problems(yaml: string): string[] {
  try {
    parseFunctionsConfig(yaml, 'functions.yaml', '/base');
  } catch (err) {
    if (err instanceof FunctionsConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('functions configuration', () => {
  it("fills in Lambda's defaults and resolves paths against the file's folder", async () => {
    const temp = await makeTempDir('bucketfront-functions-config-');
    try {
      const path = join(temp.path, 'functions.yaml');
      await writeFile(
        path,
        ORIGIN +
          'functions:\n' +
          '  - name: thumbs\n    handler: ./fn/thumbs.mjs\n    trigger: { type: webhook }\n    onFailure: { type: file, path: failed.jsonl }\n    environment: { SIZES: 128, FLAG: true }\n' +
          '  - name: q\n    handler: /abs/q.mjs#main\n    trigger: { type: amqp, url: "amqp://guest:guest@127.0.0.1:5672", queue: events }\n',
      );
      const config = await loadFunctionsConfig(path);
      const [thumbs, q] = config.functions;
      expect(thumbs).toMatchObject({
        handler: join(temp.path, 'fn/thumbs.mjs'),
        concurrency: 1,
        timeout: 3,
        retries: 2,
        onFailure: { path: join(temp.path, 'failed.jsonl') },
        environment: { SIZES: '128', FLAG: 'true' },
      });
      expect(q!.handler).toBe('/abs/q.mjs#main');
      expect(config.origin.region).toBe('us-east-1');
      expect(config.listen).toEqual({ host: '127.0.0.1', port: 9300 });
    } finally {
      await temp.cleanup();
    }
  });

  it('names every problem by its field path', () => {
    expect(
      problems(
        ORIGIN +
          'functions:\n' +
          '  - name: "bad name"\n    handler: a.mjs\n    trigger: { type: webhook }\n    timeout: 901\n    retries: 3\n    concurrency: 0\n    colour: red\n' +
          '  - name: b\n    handler: b.mjs\n    trigger: { type: amqp, url: "http://x", queue: q }\n    onFailure: { type: webhook, url: "ftp://x" }\n' +
          '  - name: c\n    handler: c.mjs\n    trigger: { type: sqs }\n' +
          '  - name: c\n    handler: c.mjs\n    trigger: { type: webhook }\n',
      ).sort(),
    ).toEqual(
      [
        'functions[0].name: must be 1–64 letters, digits, hyphens or underscores (Lambda function name)',
        'functions[0].timeout: Too big: expected number to be <=900',
        'functions[0].retries: Too big: expected number to be <=2',
        'functions[0].concurrency: Too small: expected number to be >=1',
        'functions[0].colour: unknown field',
        'functions[1].trigger.url: must be an amqp:// or amqps:// URL',
        'functions[1].onFailure.url: must be an http(s) URL',
        'functions[2].trigger.type: must be { type: webhook } or { type: amqp, url, queue }',
      ].sort(),
    );
  });

  it('reads $' + '{NAME} from the environment and names an unset variable', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the configuration's own placeholder syntax
    const yaml = 'origin: { endpoint: "http://127.0.0.1:9000", accessKeyId: "${KEY_ID}", secretAccessKey: "${SECRET}" }\nfunctions:\n  - { name: a, handler: a.mjs, trigger: { type: webhook } }\n';
    expect(parseFunctionsConfig(yaml, 'f.yaml', '/base', { KEY_ID: 'AKID', SECRET: 's3cr3t' }).origin).toMatchObject({ accessKeyId: 'AKID', secretAccessKey: 's3cr3t' });
    expect(() => parseFunctionsConfig(yaml, 'f.yaml', '/base', { KEY_ID: 'AKID' })).toThrow('origin.secretAccessKey: the environment variable SECRET is not set');
  });

  it('refuses duplicate names, an empty list, a missing origin and unparsable YAML', () => {
    expect(problems(ORIGIN + 'functions:\n  - { name: a, handler: a.mjs, trigger: { type: webhook } }\n  - { name: a, handler: b.mjs, trigger: { type: webhook } }\n')).toEqual(
      expect.arrayContaining(["functions[1].name: duplicate function name 'a'"]),
    );
    expect(problems(ORIGIN + 'functions: []\n')).toEqual(['functions: list at least one function']);
    expect(problems('functions:\n  - { name: a, handler: a.mjs, trigger: { type: webhook } }\n')[0]).toMatch(/^origin: /);
    expect(problems('origin: [\n')[0]).toMatch(/^functions\.yaml: cannot parse/);
  });
});
