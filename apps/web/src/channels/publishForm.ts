/** The form that publishes a JSON message to the chosen channel and says at which offset it was kept. */
import type { Mesh } from '../../../../src/actors/mesh.js';
import { errorMessage } from '../../../../src/firefly/errors.js';
import { publishChannel } from '../../../../src/resources/channel/subscribeChannel.js';
import { errorCode, errorText, h } from '../dom.js';

/** How long a publish may wait (a `block` subscriber that lags makes publishers wait, then `busy`). */
const PUBLISH_TIMEOUT = 10_000;

/** The form, and `forget` to clear what the last publish said (another channel was chosen). */
export function publishForm(mesh: Mesh, channel: () => string | undefined): { element: HTMLElement; forget: () => void } {
  const message = h('textarea', { id: 'channel-message', rows: 3, spellcheck: 'false', placeholder: '{"hello": "world"}' });
  const publish = h('button', { type: 'submit', id: 'channel-publish' }, 'Publish');
  const outcome = h('p', { id: 'channel-publish-result', 'aria-live': 'polite' });
  const element = h('form', { id: 'channel-publish-form' }, h('label', { for: 'channel-message' }, 'Message (JSON)'), message, publish, outcome);

  element.onsubmit = (event) => {
    event.preventDefault();
    const id = channel();
    if (id === undefined) {
      outcome.textContent = 'choose a channel first';
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(message.value);
    } catch (cause) {
      outcome.className = 'error';
      outcome.dataset.code = 'badjson';
      outcome.textContent = `invalid JSON: ${errorMessage(cause)}`;
      return;
    }
    outcome.className = '';
    delete outcome.dataset.code;
    outcome.textContent = '…';
    publish.disabled = true;
    publishChannel(mesh.node, id, value, { timeout: PUBLISH_TIMEOUT })
      .then((offset) => {
        outcome.textContent = `published at offset ${offset}`;
        outcome.dataset.offset = String(offset);
      })
      .catch((cause: unknown) => {
        outcome.className = 'error';
        outcome.dataset.code = errorCode(cause) ?? '';
        outcome.textContent = errorText(cause);
      })
      .finally(() => (publish.disabled = false));
  };

  return { element, forget: () => (outcome.textContent = '') };
}
