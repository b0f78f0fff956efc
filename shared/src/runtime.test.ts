import { describe, expect, it } from 'vitest';

describe('runtime', () => {
  it("runs on the runners' Node (24), brought by npm ci", () => {
    expect(process.version).toMatch(/^v24\./);
  });
});
