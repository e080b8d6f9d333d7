/** Upload to the folder shown: a file input, a progress bar per file, and what was uploaded. */
import { h } from '../dom.js';
import { fsUrl, putFile } from './fsGateway.js';

/** Where files go: an export's URL prefix and a folder in it. */
export interface Place {
  base: string;
  dir: string[];
}

/** What the form needs from the view around it. */
export interface UploadOptions {
  /** The folder shown (undefined: no export chosen, nothing to upload to). */
  place(): Place | undefined;
  /** An upload failed (undefined: the last one worked). */
  onError(cause: unknown): void;
  /** The uploads to `place` ended, well or not; `names` are the files' names. */
  onDone(place: Place, names: string[]): Promise<void>;
}

/** The form's line (`p.upload`). */
export function uploadForm({ place, onError, onDone }: UploadOptions): HTMLElement {
  const input = h('input', { id: 'fs-upload', type: 'file', multiple: true });
  const progress = h('progress', { id: 'fs-upload-progress', max: 1, value: 0, hidden: true, 'aria-label': 'upload progress' });
  const status = h('span', { id: 'fs-upload-status', 'aria-live': 'polite' });

  const upload = async (target: Place, files: File[]) => {
    input.disabled = true;
    progress.hidden = false;
    try {
      for (const [index, file] of files.entries()) {
        status.textContent = `uploading ${file.name}${files.length > 1 ? ` (${index + 1}/${files.length})` : ''}…`;
        progress.value = 0;
        await putFile(fsUrl(target.base, [...target.dir, file.name]), file, (fraction) => (progress.value = fraction));
      }
      status.textContent = files.length === 1 ? `uploaded ${files[0]!.name}` : `uploaded ${files.length} files`;
      onError(undefined);
    } catch (cause) {
      status.textContent = '';
      onError(cause);
    } finally {
      progress.hidden = true;
      input.disabled = false;
      // Cleared so that choosing the same file again (a new version of it) fires `change` again.
      input.value = '';
    }
    await onDone(target, files.map((file) => file.name));
  };

  input.onchange = () => {
    const files = [...(input.files ?? [])];
    const target = place();
    if (target === undefined || files.length === 0) return;
    void upload(target, files);
  };

  return h('p', { class: 'upload' }, h('label', { for: 'fs-upload' }, 'Upload to this folder '), input, ' ', progress, ' ', status);
}
