import { describe, expect, it } from 'vitest';
import { byteSize, formatMoney, newestFirst, shortId } from './format';

describe('formatMoney', () => {
  it.each([
    [1250, 'EUR', '€12.50'],
    [0, 'EUR', '€0.00'],
    [123456, 'EUR', '€1,234.56'],
    [5, 'EUR', '€0.05'],
  ])('%i %s → %s', (cents, currency, want) => {
    expect(formatMoney(cents, currency)).toBe(want);
  });

  it('shows a dash for a missing amount', () => {
    expect(formatMoney(undefined)).toBe('–');
  });
});

describe('helpers', () => {
  it('shortens a UUID to its first block', () => {
    expect(shortId('3f2a9c1e-aaaa-4bbb-8ccc-dddddddddddd')).toBe('3f2a9c1e');
  });

  it('counts UTF-8 bytes', () => {
    expect(byteSize('{"a":1}')).toBe(7);
    expect(byteSize('€')).toBe(3);
  });

  it('sorts newest first', () => {
    const list = [{ t: '2024-01-01T00:00:00Z' }, { t: '2024-03-01T00:00:00Z' }, { t: '2024-02-01T00:00:00Z' }];
    expect(newestFirst(list, (x) => x.t).map((x) => x.t.slice(5, 7))).toEqual(['03', '02', '01']);
  });
});
