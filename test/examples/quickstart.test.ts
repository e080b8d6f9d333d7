import { main } from '../../examples/quickstart.js';

describe('the README quick-start example', () => {
  it('calls the counter and shows the badarg error for a wrong argument', async () => {
    const lines = await main();
    expect(lines[0]).toMatch(/^glow:\/\/[\w-]+\/[\w-]+ = 2$/);
    expect(lines[1]).toMatch(/^error badarg: /);
  });
});
