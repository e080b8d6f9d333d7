import type { PeerValue, ResourceValue, RouteValue, StatusValue } from '../../../apps/daemon/control.js';
import { describeView, downView, killView, peersView, resourcesView, resultView, routesView, spawnView, statusView, treeView } from '../../../apps/daemon/cli/views.js';

describe('cli views', () => {
  it('shows status as aligned key/value lines, absent facts as -', () => {
    const status: StatusValue = {
      node: 'N1',
      pid: 42,
      uptime: 61,
      http: 'http://127.0.0.1:7717',
      link: 'ws://127.0.0.1:7001',
      peers: 2,
      routes: 2,
      resources: 5,
      processes: 1,
    };
    const text = statusView(status);
    expect(text).toMatch(/^node +N1$/m);
    expect(text).toMatch(/^name +-$/m);
    expect(text).toMatch(/^uptime +1m 1s$/m);
    expect(text).toMatch(/^signaling +-$/m);
    expect(text).toMatch(/^processes +1$/m);
  });

  it('lists peers with kind, remote node, RTT and path: direct, or relayed via the next hop by name', () => {
    const peers: PeerValue[] = [
      { node: 'B', kind: 'websocket', path: 'direct', name: 'laptop', rtt: 0.5, bytesIn: 2048, bytesOut: 512 },
      { node: 'C', kind: 'webrtc', path: 'direct', rtt: null, bytesIn: 0, bytesOut: 3 * 1024 * 1024 },
      { node: 'D', kind: 'relayed', path: 'relayed', via: 'B', rtt: null, bytesIn: 0, bytesOut: 0 },
      { node: 'E', kind: 'relayed', path: 'relayed', via: 'C', rtt: null, bytesIn: 0, bytesOut: 0 },
    ];
    expect(peersView(peers)).toBe(
      [
        'KIND       NODE    RTT      IN       OUT      PATH',
        'websocket  laptop  0.50 ms  2.0 KiB  512 B    direct',
        'webrtc     C       -        0 B      3.0 MiB  direct',
        'relayed    D       -        0 B      0 B      relayed via laptop',
        // No name known for the next hop: its id.
        'relayed    E       -        0 B      0 B      relayed via C',
        '',
      ].join('\n'),
    );
    // Names the daemon's `names` answer gives, and long ids shortened when no name is known.
    const long = 'x'.repeat(43);
    expect(peersView([{ node: long, kind: 'websocket', path: 'direct', rtt: null, bytesIn: 0, bytesOut: 0 }, ...peers.slice(2, 4)], { names: { C: 'nas' } })).toBe(
      [
        'KIND       NODE       RTT  IN   OUT  PATH',
        `websocket  xxxxxxxx…  -    0 B  0 B  direct`,
        'relayed    D          -    0 B  0 B  relayed via B',
        'relayed    E          -    0 B  0 B  relayed via nas',
        '',
      ].join('\n'),
    );
    // Ids on demand.
    expect(peersView([{ node: long, kind: 'websocket', path: 'direct', name: 'laptop', rtt: null, bytesIn: 0, bytesOut: 0 }], { ids: true })).toContain(`websocket  ${long}  -`);
    // A daemon from before paths were reported: the column stays, empty.
    expect(peersView([{ node: 'B', kind: 'websocket', rtt: null, bytesIn: 0, bytesOut: 0 }])).toBe('KIND       NODE  RTT  IN   OUT  PATH\nwebsocket  B     -    0 B  0 B  -\n');
    expect(peersView([])).toBe('no peers\n');
  });

  it('lists routes with destination, next hop, metric and hops', () => {
    const routes: RouteValue[] = [
      { destination: 'B', nextHop: 'B', metric: 96, hops: 1 },
      { destination: 'C', nextHop: 'B', metric: 192 },
    ];
    expect(routesView(routes)).toBe('DESTINATION  NEXT HOP  METRIC  HOPS\nB            B         96      1\nC            B         192     -\n');
    expect(routesView(routes, { names: { B: 'laptop', C: 'nas' } })).toBe('DESTINATION  NEXT HOP  METRIC  HOPS\nlaptop       laptop    96      1\nnas          laptop    192     -\n');
    expect(routesView(routes, { ids: true, names: { B: 'laptop' } })).toContain('\nB            B         96');
  });

  it('lists resources with their device, interface, owner and name; full ids on demand', () => {
    const resources: ResourceValue[] = [
      { id: 'glow://A/node', interface: 'glow.Node/1' },
      { id: 'glow://A/x1', interface: 'glow.Counter/1', owner: 'glow://A/p1', name: 'counter' },
    ];
    const text = resourcesView(resources, { names: { A: 'laptop' } });
    expect(text.split('\n')[0]).toBe('RESOURCE  INTERFACE       DEVICE  OWNER         NAME');
    expect(text).toContain('x1        glow.Counter/1  laptop  p1 on laptop  counter');
    const ids = resourcesView(resources, { ids: true, names: { A: 'laptop' } });
    expect(ids.split('\n')[0]).toBe('ID             INTERFACE       OWNER        NAME');
    expect(ids).toContain('glow://A/x1    glow.Counter/1  glow://A/p1  counter');
    expect(resourcesView('not a list')).toBe('no resources\n');
  });

  it('describes an interface with compact argument and result types', () => {
    const text = describeView({
      id: 'glow://A/x1',
      interface: 'glow.Counter/1',
      members: {
        add: { kind: 'method', args: { type: 'object', properties: { by: { type: 'number' } }, required: ['by'] }, result: { type: 'number' } },
        ticks: { kind: 'stream', args: { type: 'object' }, item: { type: 'integer' }, description: 'one per second' },
        reset: { kind: 'cast', args: { type: 'object' } },
      },
    });
    expect(text).toMatch(/^interface +glow\.Counter\/1$/m);
    expect(text).toMatch(/^add +method +\{ by: number \} +number +-$/m);
    expect(text).toMatch(/^ticks +stream +\{\} +stream of integer +one per second$/m);
    expect(text).toMatch(/^reset +cast +\{\} +- +-$/m);
  });

  it('prints call results: strings raw, other values as JSON, nothing for no result', () => {
    expect(resultView('hello')).toBe('hello\n');
    expect(resultView(3)).toBe('3\n');
    expect(JSON.parse(resultView({ a: 1 }))).toEqual({ a: 1 });
    expect(resultView(undefined)).toBe('');
    expect(resultView(null)).toBe('null\n');
  });

  it('prints a spawned process by its ref, then kind, name and persistence', () => {
    expect(spawnView({ ref: 'glow://A/p1', kind: 'counter', node: 'A', persisted: false })).toBe('glow://A/p1  counter\n');
    expect(spawnView({ ref: 'glow://A/p1', kind: 'counter', node: 'A', name: 'c1', persisted: true })).toBe('glow://A/p1  counter  name c1  persisted\n');
    expect(JSON.parse(spawnView({ other: true }))).toEqual({ other: true });
  });

  it('prints what was killed and how it ended', () => {
    expect(killView({ ref: 'glow://A/p1', reason: 'killed' }, 'c1')).toBe('killed glow://A/p1 (killed)\n');
    expect(killView(null, 'c1')).toBe('killed c1\n');
  });

  it('prints DOWN with the reason', () => {
    expect(downView({ ref: 'glow://C/p1', reason: 'noconnection' })).toBe('DOWN noconnection\n');
    expect(downView({ ref: 'glow://C/p1', reason: { code: 'noconnection', message: 'node C is unreachable' } })).toBe(
      'DOWN noconnection (node C is unreachable)\n',
    );
    expect(downView({ ref: 'glow://C/p1', reason: 'normal' })).toBe('DOWN normal\n');
  });

  it('indents the supervision tree under its node, with owned resources under their process', () => {
    const tree = {
      id: 'A',
      resources: 7,
      processes: [
        {
          id: 'glow://A/root',
          kind: 'supervisor',
          interface: 'glow.Supervisor/1',
          resources: [],
          children: [
            { id: 'glow://A/p1', kind: 'counter', interface: 'demo.Counter/1', resources: [{ id: 'glow://A/r1', interface: 'demo.Cell/1' }], children: [] },
            {
              id: 'glow://A/s2',
              kind: 'supervisor',
              interface: 'glow.Supervisor/1',
              resources: [],
              children: [{ id: 'glow://A/p2', kind: 'echo', interface: 'demo.Echo/1', resources: [], children: [] }],
            },
          ],
        },
      ],
    };
    expect(treeView(tree, { names: { A: 'laptop' } })).toBe(
      [
        'laptop  (7 resources)',
        '  root  supervisor  glow.Supervisor/1',
        '    p1  counter  demo.Counter/1',
        '      - r1  demo.Cell/1',
        '    s2  supervisor  glow.Supervisor/1',
        '      p2  echo  demo.Echo/1',
        '',
      ].join('\n'),
    );
    expect(treeView(tree, { ids: true }).split('\n').slice(0, 3)).toEqual(['A  (7 resources)', '  glow://A/root  supervisor  glow.Supervisor/1', '    glow://A/p1  counter  demo.Counter/1']);
    expect(treeView({ id: 'A', resources: 1, processes: [] })).toBe('A  (1 resource)\n  no processes\n');
    expect(treeView([{ id: 'glow://A/p1', kind: 'echo', name: 'e' }], { names: { A: 'laptop' } })).toBe('p1 on laptop  echo  (e)\n');
    expect(treeView([])).toBe('no processes\n');
  });
});
