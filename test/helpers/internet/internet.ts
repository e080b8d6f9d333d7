/**
 * The simulated internet the cross-network tests run on, inside netguard like every test:
 *
 *     laptop 10.1.0.2 ─┐                                       ┌─ vps 198.51.100.2
 *     nas    10.1.0.3 ─┴─ home (NAT, endpoint-independent) ─┐  │
 *     workstation 10.2.0.2 ── office (NAT, symmetric) ─────┼─ backbone
 *     phone 100.64.0.2 ── carrier (CGNAT, endpoint-indep.) ┘
 *
 * Public addresses come from the documentation ranges 203.0.113.0/24 (the sites' uplinks) and
 * 198.51.100.0/24 (the VPS's data centre). Uplinks are wires with a one-way delay (20 ms for the
 * homes, 40 ms for the carrier, 5 ms for the data centre) and optional loss; the LAN behind the
 * home router is a bridge, so multicast (mDNS) passes between laptop and NAS and nowhere else.
 * Every host also has a management cable to the test process (a /30 from 172.16.0.0/12, with no
 * route beyond it), through which tests reach each daemon's control port; hosts never use it to
 * reach each other.
 */
import type { Namespace } from './namespace.js';
import { createNamespace, run } from './namespace.js';
import { setNat, type NatKind } from './nat.js';
import { createCable, createWire, type Underlay, type Wire } from './wire.js';

/** A machine of the simulated internet. */
export interface Host {
  readonly name: string;
  readonly ns: Namespace;
  /** Its address on its own network (LAN, carrier or public). */
  address: string;
  /** Its address on the management cable: how the test process reaches it. */
  readonly mgmt: string;
}

/** The sites with an uplink to the backbone. */
export type Site = 'home' | 'office' | 'carrier' | 'datacentre';

/** Options of {@link buildInternet}. */
export interface InternetOptions {
  /** The office's NAT. @default 'symmetric' */
  officeNat?: NatKind;
  /** One-way delay of each uplink, ms. @default home 20, office 20, carrier 40, datacentre 5 */
  delayMs?: Partial<Record<Site, number>>;
}

/** A running simulated internet. */
export interface Internet {
  readonly laptop: Host;
  readonly nas: Host;
  readonly workstation: Host;
  readonly phone: Host;
  readonly vps: Host;
  readonly routers: Readonly<Record<Exclude<Site, 'datacentre'>, Namespace>>;
  readonly uplinks: Readonly<Record<Site, Wire>>;
  /** Cuts (false) or restores (true) a site's uplink. */
  uplink(site: Site, up: boolean): void;
  /** Changes a router's NAT; flows already mapped keep their mapping. */
  setNat(site: 'home' | 'office' | 'carrier', kind: NatKind): Promise<void>;
  /** Moves the phone to the home LAN (10.1.0.9) or back to the carrier; its old link goes first. */
  movePhone(to: 'home' | 'carrier'): Promise<void>;
  /** Removes every namespace, wire and cable. */
  close(): Promise<void>;
}

let built = 0;

/** Where each site's /28 of 203.0.113.0/24 starts: the backbone is .1 in it, the site's router .2. */
const UPLINK_BASE = { home: 0, office: 16, carrier: 32 } as const;

/** The public address of a site's router: what its NAT maps inside flows to. */
export function publicAddress(site: keyof typeof UPLINK_BASE): string {
  return `203.0.113.${UPLINK_BASE[site] + 2}`;
}

/** A /30 of 172.16.0.0/12 for one management cable, distinct per process and per cable. */
function mgmtSubnet(index: number): [string, string] {
  const block = (process.pid * 1021 + index) % (1 << 18);
  const base = (172 << 24) + (16 << 16) + block * 4;
  const dotted = (n: number) => [24, 16, 8, 0].map((shift) => (n >>> shift) & 255).join('.');
  return [dotted(base + 1), dotted(base + 2)];
}

/** Builds the whole network; `close()` it in `afterAll` (it also goes with the test process). */
export async function buildInternet(options: InternetOptions = {}): Promise<Internet> {
  const delay = { home: 20, office: 20, carrier: 40, datacentre: 5, ...options.delayMs };
  const namespaces: Namespace[] = [];
  const closers: (() => Promise<void>)[] = [];
  const make = async (name: string) => {
    const ns = await createNamespace(name);
    namespaces.push(ns);
    return ns;
  };
  const own: Namespace = { name: 'test process', pid: process.pid, run, ip: (...args) => run('ip', args), spawn: () => { throw new Error('not used'); }, close: async () => {} };
  const hostIndex = built++ * 8;
  let hosts = 0;
  const host = async (name: string, address: string): Promise<Host> => {
    const ns = await make(name);
    const [near, far] = mgmtSubnet(hostIndex + hosts++);
    const cable = await createCable({ ns: own, ifname: `gm${process.pid % 100_000}x${hostIndex + hosts}`, addresses: [`${near}/30`] }, { ns, ifname: 'mgmt', addresses: [`${far}/30`] });
    closers.push(cable.close);
    return { name, ns, address, mgmt: far };
  };

  try {
    const underlayNs = await make('underlay');
    const [relay, address] = mgmtSubnet(hostIndex + 7);
    closers.push((await createCable({ ns: own, ifname: `gu${process.pid % 100_000}x${hostIndex}`, addresses: [`${relay}/30`] }, { ns: underlayNs, ifname: 'relay', addresses: [`${address}/30`] })).close);
    const underlay: Underlay = { ns: underlayNs, address, relay };
    const backbone = await make('backbone');
    await backbone.run('sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
    const routers = { home: await make('home router'), office: await make('office router'), carrier: await make('carrier router') };
    const [laptop, nas, workstation, phone, vps] = [
      await host('laptop', '10.1.0.2'),
      await host('nas', '10.1.0.3'),
      await host('workstation', '10.2.0.2'),
      await host('phone', '100.64.0.2'),
      await host('vps', '198.51.100.2'),
    ] as const;

    // Uplinks: the backbone's side is .1 of each /28, the site's .2.
    const uplink = (site: Exclude<Site, 'datacentre'>) =>
      createWire(
        underlay,
        { ns: backbone, ifname: `to-${site}`, addresses: [`203.0.113.${UPLINK_BASE[site] + 1}/28`] },
        { ns: routers[site], ifname: 'wan', addresses: [`${publicAddress(site)}/28`] },
        { delayMs: delay[site] },
      );
    const uplinks: Record<Site, Wire> = {
      home: await uplink('home'),
      office: await uplink('office'),
      carrier: await uplink('carrier'),
      datacentre: await createWire(underlay, { ns: backbone, ifname: 'to-dc', addresses: ['198.51.100.1/28'] }, { ns: vps.ns, ifname: 'eth0', addresses: ['198.51.100.2/28'] }, { delayMs: delay.datacentre }),
    };
    closers.push(...Object.values(uplinks).map((wire) => () => wire.close()));
    for (const site of ['home', 'office', 'carrier'] as const) await routers[site].ip('route', 'add', 'default', 'via', `203.0.113.${UPLINK_BASE[site] + 1}`);
    await vps.ns.ip('route', 'add', 'default', 'via', '198.51.100.1');

    // The home LAN: a bridge on the router, a cable per machine.
    await routers.home.ip('link', 'add', 'lan', 'type', 'bridge', 'mcast_snooping', '0');
    await routers.home.ip('addr', 'add', '10.1.0.1/24', 'dev', 'lan');
    await routers.home.ip('link', 'set', 'lan', 'up');
    const homeCable = async (machine: Host) => {
      const port = `p-${machine.name}`.slice(0, 15);
      const cable = await createCable({ ns: routers.home, ifname: port }, { ns: machine.ns, ifname: 'eth0', addresses: [`${machine.address}/24`] });
      await routers.home.ip('link', 'set', port, 'master', 'lan');
      await machine.ns.ip('route', 'add', 'default', 'via', '10.1.0.1');
      return cable;
    };
    for (const machine of [laptop, nas]) closers.push((await homeCable(machine)).close);

    const office = await createCable({ ns: routers.office, ifname: 'lan', addresses: ['10.2.0.1/24'] }, { ns: workstation.ns, ifname: 'eth0', addresses: ['10.2.0.2/24'] });
    closers.push(office.close);
    await workstation.ns.ip('route', 'add', 'default', 'via', '10.2.0.1');

    const carrierCable = async () => {
      const wire = await createWire(underlay, { ns: routers.carrier, ifname: 'lan', addresses: ['100.64.0.1/10'] }, { ns: phone.ns, ifname: 'eth0', addresses: ['100.64.0.2/10'] });
      await phone.ns.ip('route', 'add', 'default', 'via', '100.64.0.1');
      return wire;
    };
    let phoneLink: { close(): Promise<void> } = await carrierCable();

    await setNat(routers.home, 'endpoint-independent');
    await setNat(routers.office, options.officeNat ?? 'symmetric');
    await setNat(routers.carrier, 'endpoint-independent');

    return {
      laptop,
      nas,
      workstation,
      phone,
      vps,
      routers,
      uplinks,
      uplink: (site, up) => uplinks[site].set({ up }),
      setNat: (site, kind) => setNat(routers[site], kind),
      async movePhone(to) {
        await phoneLink.close();
        if (to === 'carrier') {
          phoneLink = await carrierCable();
          phone.address = '100.64.0.2';
        } else {
          phone.address = '10.1.0.9';
          phoneLink = await homeCable(phone);
        }
      },
      async close() {
        await phoneLink.close();
        for (const close of closers.reverse()) await close().catch(() => undefined);
        await Promise.all(namespaces.map((ns) => ns.close()));
      },
    };
  } catch (error) {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await Promise.all(namespaces.map((ns) => ns.close()));
    throw error;
  }
}
