import { describe, expect, it } from 'vitest';
import { createRedactor, redactDeep } from '../../src/redact.js';

describe('redact', () => {
  const redact = createRedactor(['my-api-key-1234']);
  it.each([
    { name: 'known key', text: 'sent my-api-key-1234 to server', hidden: 'my-api-key-1234' },
    {
      name: 'hf token',
      text: 'HF_TOKEN=hf_AbCdEfGhIjKlMnOpQrStUv loaded',
      hidden: 'hf_AbCdEfGhIjKlMnOpQrStUv',
    },
    { name: 'bearer', text: 'Authorization: Bearer abc.def-ghi_123', hidden: 'abc.def-ghi_123' },
    { name: 'sk key', text: 'key sk-proj-1234567890abcdef was rejected', hidden: 'sk-proj-1234567890abcdef' },
    { name: 'userinfo', text: 'GET https://bob:hunter22@proxy:3128/x', hidden: 'hunter22' },
    { name: 'token query', text: 'http://gw/v1/models?token=s3cr3tvalue&x=1', hidden: 's3cr3tvalue' },
  ])('hides $name', ({ text, hidden }) => {
    expect(redact(text)).not.toContain(hidden);
  });

  it('keeps ordinary text readable', () => {
    expect(redact('Loading model: 42% done')).toBe('Loading model: 42% done');
  });

  it('redacts inside nested values and keeps their shape', () => {
    const out = redactDeep({ a: ['x my-api-key-1234'], b: { c: 3 } }, redact);
    expect(out).toEqual({ a: ['x ***'], b: { c: 3 } });
  });

  it('never uses a marker that contains the secret', () => {
    const star = createRedactor(['*']);
    expect(star('a*b')).not.toContain('*');
  });
});
