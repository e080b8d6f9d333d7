/**
 * The web app: this tab becomes a Glow node (a device by its key in IndexedDB, tabIdentity.ts;
 * links to the daemon that served the page), and nine views show and drive the mesh, the user's devices and what the
 * user shares. `window.glow` exposes the node for the browser tests and for poking at it from
 * the console.
 */
import { errorMessage } from '../../../src/firefly/errors.js';
import { createIdentity } from '../../../src/transport/identity.js';
import { openLink } from '../../../src/transport/openLink.js';
import { connectSignaling } from '../../../src/transport/signalingClient.js';
import { connectWebSocket } from '../../../src/transport/websocket.js';
import { browserBackend } from './browserRtc.js';
import { deviceName, NotAllowed, requestCertificate } from './deviceCertificate.js';
import { mountIdsSwitch } from './nodeNames.js';
import { codeInLink, joinWithCode, showJoinScreen } from './joinScreen.js';
import type { NodeId } from '../../../src/firefly/address.js';
import type { DeviceCertificate } from '../../../src/transport/certificate.js';
import { loadCertificate, saveCertificate } from './identityStore.js';
import { forgetTabIdentity, keepDelegated, loadTabIdentity } from './tabIdentity.js';
import { useMeshForAccount } from './account/accountApi.js';
import { mountDevicesView } from './account/devicesView.js';
import { mountSharingView } from './account/sharingView.js';
import { mountChannelsView } from './channels/channelsView.js';
import { mountFilesView } from './files/filesView.js';
import { mountJobsView } from './jobs/jobsView.js';
import { mountHomeView } from './homeView.js';
import { mountMeshView } from './meshView.js';
import { mountProcessesView } from './processesView.js';
import { mountResourcesView } from './resourcesView.js';
import { mountSyncView } from './sync/syncView.js';
import { startTabNode, type TabNode } from './tabNode.js';

declare global {
  interface Window {
    glow?: TabNode;
    /** Building blocks for the in-browser link compliance tests (test/apps/web/browserLinks.test.ts). */
    glowLab?: typeof lab;
  }
}

const lab = { createIdentity, openLink, connectSignaling, connectWebSocket, browserBackend };
window.glowLab = lab;

const $ = (id: string) => document.getElementById(id)!;

async function main(): Promise<void> {
  const me = await loadTabIdentity();
  const identity = me.node;
  const { certificate: deviceCertificate, paired } = await tabCertificate(me.device);
  const certificate = await me.present(deviceCertificate);
  const tab = startTabNode(identity, certificate);
  window.glow = tab;
  const stopDelegating = keepDelegated(me, deviceCertificate, tab.mesh.node.trust!);
  if (paired) {
    // A certificate from an invitation that the daemon refuses now (expired, device removed):
    // forget it, and the device key with it (a removed key is refused for good, so pairing again
    // needs a new one), and load again, which shows the Join screen.
    tab.onrefused = () => {
      tab.onrefused = undefined;
      stopDelegating();
      void tab
        .stop()
        .then(forgetTabIdentity)
        .then(() => location.reload());
    };
  }
  $('device-name').textContent = certificate.name;
  $('self').textContent = identity.id;
  $('self').dataset.device = me.device;
  if (me.fallback !== undefined) {
    // Said where the user looks: in this browser any script of this origin can read the node key.
    $('self').dataset.key = 'readable';
    $('self').title = `this tab's node id; its key is kept readable in IndexedDB: ${me.fallback}`;
    console.warn(`Glow: this tab's node key is stored readable in IndexedDB (${me.fallback})`);
  } else {
    $('self').title = `this tab's node id for this page load; the device ${me.device} (a key no script can read) vouches for it`;
  }
  $('user').textContent = `user ${certificate.user.slice(0, 8)}…`;
  $('user').title = `the user this tab is a device of: ${certificate.user}`;
  const state = $('state');
  const showState = (value: string) => {
    state.dataset.state = value;
    state.textContent = value === 'connected' ? 'connected' : `${value}…`;
  };
  tab.onstate = showState;
  showState(tab.state);
  $('forget').onclick = () => {
    // A new identity means a new node: stop this one first so the daemon sees it leave.
    stopDelegating();
    void tab
      .stop()
      .then(forgetTabIdentity)
      .then(() => location.reload());
  };
  addEventListener('pagehide', () => void tab.stop());

  mountIdsSwitch($('show-ids') as HTMLInputElement);
  mountMeshView($('view-mesh'), tab.mesh, (peer) => tab.connectRtc(peer));
  const resources = mountResourcesView($('view-resources'), tab.mesh);
  const processes = mountProcessesView($('view-processes'), tab.mesh);
  const files = mountFilesView($('view-files'), tab.mesh, () => tab.daemon);
  const channels = mountChannelsView($('view-channels'), tab.mesh);
  const jobs = mountJobsView($('view-jobs'), tab.mesh, () => tab.daemon);
  const sync = mountSyncView($('view-sync'), tab.mesh, () => tab.daemon);
  // The Devices and Sharing views ask the gateway, or the daemon over the mesh when it refuses this tab.
  useMeshForAccount(tab.mesh, () => tab.daemon);
  const devices = mountDevicesView($('view-devices'), identity.id);
  const sharing = mountSharingView($('view-sharing'));
  // `refresh` runs when a view is shown; `hide` when it is left (the Channels view stops its
  // live subscription then, rather than streaming into a hidden list; the Jobs view stops polling
  // and its watch; the Sync view its polling and its subscriptions).
  const tabs = [...document.querySelectorAll<HTMLButtonElement>('nav [role=tab]')];
  const home = mountHomeView($('view-home'), tab.mesh, () => tab.daemon, (view) => {
    const button = tabs.find((candidate) => candidate.dataset.view === view);
    if (button) show(button);
  });
  const views: Record<string, { refresh: () => Promise<void>; hide?: () => void }> = { home, resources, processes, files, channels, jobs, sync, devices, sharing };
  const show = (button: HTMLButtonElement) => {
    for (const other of tabs) {
      const selected = other === button;
      const wasShown = other.getAttribute('aria-selected') === 'true';
      other.setAttribute('aria-selected', String(selected));
      $(`view-${other.dataset.view}`).hidden = !selected;
      if (wasShown && !selected) views[other.dataset.view ?? '']?.hide?.();
    }
    void views[button.dataset.view ?? '']?.refresh();
  };
  for (const button of tabs) button.onclick = () => show(button);
  // The app opens on Home; it fills in once the tab is linked (the daemon answers over the mesh too).
  void home.refresh();
  tab.onstate = (value) => {
    showState(value);
    if (value === 'connected' && tabs[0]?.getAttribute('aria-selected') === 'true') void home.refresh();
  };
}

/**
 * This tab's certificate: from the invitation in the link when the page was opened with one,
 * else from the daemon (a browser logged in with its login URL), else the one the tab paired with before
 * (kept with its identity, while valid), else from the Join screen. `paired`: it came from an
 * invitation (kept, and forgotten if the daemon refuses it).
 */
async function tabCertificate(device: NodeId): Promise<{ certificate: DeviceCertificate; paired: boolean }> {
  const name = deviceName();
  const code = codeInLink();
  if (code !== undefined) {
    try {
      return await kept(await joinWithCode(device, name, code));
    } catch (error) {
      return kept(await joinScreen(device, name, `the invitation link failed: ${errorMessage(error)}`));
    }
  }
  try {
    return { certificate: await requestCertificate(device, name), paired: false };
  } catch (error) {
    if (!(error instanceof NotAllowed)) throw error;
    const stored = await loadCertificate(device);
    if (stored) return { certificate: stored, paired: true };
    return kept(await joinScreen(device, name, error.message));
  }
}

/** Stores a certificate the tab paired with, so that a reload keeps the tab a device. */
async function kept(certificate: DeviceCertificate): Promise<{ certificate: DeviceCertificate; paired: true }> {
  await saveCertificate(certificate);
  return { certificate, paired: true };
}

/** The Join screen instead of the views, until the tab paired. */
async function joinScreen(device: NodeId, name: string, why: string): Promise<DeviceCertificate> {
  const views = [document.querySelector<HTMLElement>('nav[role=tablist]')!, document.querySelector<HTMLElement>('main')!];
  for (const view of views) view.hidden = true;
  $('state').dataset.state = 'join';
  $('state').textContent = 'not a device';
  const certificate = await showJoinScreen($('join'), device, name, why);
  for (const view of views) view.hidden = false;
  return certificate;
}

main().catch((error: unknown) => {
  $('state').textContent = `failed: ${errorMessage(error)}`;
  $('state').dataset.state = 'failed';
});
